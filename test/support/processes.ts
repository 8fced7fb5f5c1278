import { randomBytes } from 'node:crypto';
import { startServiceProcess, type ServiceProcess } from '../../scripts/service-process';

export { ROOT } from '../../scripts/service-process';
export const TEST_SECRET = 'integration-test-secret-0123456789';

export function redisUrl(): string {
  const url = process.env['REDIS_URL'];
  if (!url) throw new Error('REDIS_URL is not set: run the tests through `npm test` (it starts a private redis-server)');
  return url;
}

/** A key prefix of its own for each test, so tests never see each other's data. */
export function newPrefix(): string {
  return `t${randomBytes(5).toString('hex')}:`;
}

/** A started gateway or worker (killed with the test run if still alive). */
export type Proc = ServiceProcess;

function startProcess(script: string, env: Record<string, string>, ready: RegExp) {
  return startServiceProcess({ script, env, ready });
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
