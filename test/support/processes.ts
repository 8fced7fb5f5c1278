import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

export const ROOT = resolve(__dirname, '..', '..');
export const TEST_SECRET = 'integration-test-secret-0123456789';
/** Every process a test started, so none outlives the test run (an orphan would hold jest open). */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function redisUrl(): string {
  const url = process.env['REDIS_URL'];
  if (!url) throw new Error('REDIS_URL is not set: run the tests through `npm test` (it starts a private redis-server)');
  return url;
}

/** A key prefix of its own for each test, so tests never see each other's data. */
export function newPrefix(): string {
  return `t${randomBytes(5).toString('hex')}:`;
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** `kill -9` of the service itself (the child is the service: node with tsx's loader, no wrapper). */
  kill9(): Promise<void>;
}

function startProcess(script: string, env: Record<string, string>, readyPattern: RegExp, timeoutMs = 30_000): Promise<{ proc: Proc; match: RegExpMatchArray }> {
  // `node --import tsx`, not the tsx binary: the tsx binary runs the script in a grandchild, which
  // a signal to the pid we hold would not reach (kill -9 would orphan the real service).
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const proc: Proc = {
    child,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res(child.exitCode);
        child.once('exit', (code) => res(code));
        child.kill(signal);
      }),
    kill9: () =>
      new Promise((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGKILL');
      }),
  };
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`${script} did not start in time:\n${out}`));
    }, timeoutMs);
    const check = () => {
      const m = out.match(readyPattern);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        res({ proc, match: m });
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${script} exited with ${code}:\n${out}`));
    });
  });
}

export async function startGateway(prefix: string, env: Record<string, string> = {}): Promise<Proc & { url: string; port: number }> {
  const { proc, match } = await startProcess(
    'apps/gateway/src/main.ts',
    { REDIS_URL: redisUrl(), KEY_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_SECRET, ...env },
    /WFA_GATEWAY_READY port=(\d+)/,
  );
  const port = Number(match[1]);
  return { ...proc, port, url: `http://127.0.0.1:${port}` };
}

export async function startWorker(prefix: string, env: Record<string, string> = {}): Promise<Proc> {
  const { proc } = await startProcess(
    'apps/worker/src/main.ts',
    { REDIS_URL: redisUrl(), KEY_PREFIX: prefix, DEMO_USER: '', STEP_BACKOFF_MS: '100', ...env },
    /WFA_WORKER_READY/,
  );
  return proc;
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

/**
 * A stack for the tests of one file: started before them, stopped after them. The returned
 * object is filled in by beforeAll, so tests read `stack.gateway.url` as usual.
 */
export function useStack(env: Parameters<typeof startStack>[0] = {}): Stack {
  const stack = {} as Stack;
  beforeAll(async () => {
    Object.assign(stack, await startStack(env));
  });
  afterAll(async () => {
    await stack.stop?.();
  });
  return stack;
}

/** A gateway and a worker on their own prefix; `stop` ends both. */
export async function startStack(env: { gateway?: Record<string, string>; worker?: Record<string, string> } = {}) {
  const prefix = newPrefix();
  const [gateway, worker] = await Promise.all([startGateway(prefix, env.gateway), startWorker(prefix, env.worker)]);
  return {
    prefix,
    gateway,
    worker,
    stop: async () => {
      await Promise.all([gateway.stop(), worker.stop()]);
    },
  };
}
