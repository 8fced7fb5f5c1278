/**
 * Start one of the project's Node services (gateway, worker, a bench helper) as a child process and
 * wait for its ready line: the test suites and the benchmark start processes this way. The child is
 * `node [nodeArgs] --import tsx <script>` itself (no wrapper in between), so a signal to the pid we
 * hold reaches the service: kill -9 in the fault tests must not orphan it. Every child still
 * running when this process exits is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { runInThisContext } from 'node:vm';

export const ROOT = resolve(__dirname, '..');

export interface ServiceProcess {
  child: ChildProcess;
  pid: number;
  /** Everything it printed on stdout and stderr (the last ~100-200 KB). */
  output(): string;
  /** Signal it (SIGTERM by default) and wait for its exit code; SIGKILL after `graceMs` if given. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  /** `kill -9` and wait for it to be gone. */
  kill9(): Promise<void>;
}

export interface ServiceOptions {
  /** Path of the script from the repository root. */
  script: string;
  env: Record<string, string>;
  /** Matched against stdout; the match is returned (e.g. the port it listens on). */
  ready: RegExp;
  /** Node options before the script (e.g. --expose-gc, --cpu-prof). */
  nodeArgs?: string[];
  /** Modules to load before the script, after tsx (so they may be TypeScript). */
  preload?: string[];
  /** Start with the open-files soft limit raised to the hard one (thousands of sockets need it). */
  raiseFileLimit?: boolean;
  timeoutMs?: number;
}

/**
 * The children still running, killed when this process exits. Kept on the real `process`: under
 * Jest the global one is a per-file sandbox copy whose 'exit' never fires, and each test file
 * loads this module anew (one registry and one listener for all of them).
 */
const REGISTRY = Symbol.for('wfa.service-processes');
const host = runInThisContext('process') as NodeJS.Process & { [REGISTRY]?: Set<ChildProcess> };
const running: Set<ChildProcess> =
  host[REGISTRY] ??
  (() => {
    const set = new Set<ChildProcess>();
    host[REGISTRY] = set;
    host.on('exit', () => {
      for (const child of set) child.kill('SIGKILL');
    });
    return set;
  })();

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

export function startServiceProcess(opts: ServiceOptions): Promise<{ proc: ServiceProcess; match: RegExpMatchArray }> {
  const { script, env, ready, nodeArgs = [], preload = [], raiseFileLimit = false, timeoutMs = 30_000 } = opts;
  const args = [...nodeArgs, '--import', 'tsx', ...preload.flatMap((m) => ['--import', resolve(ROOT, m)]), resolve(ROOT, script)];
  // The shell execs node, so the pid we hold is still the service's.
  const [cmd, argv] = raiseFileLimit
    ? ['/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(cmd, argv, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  const append = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000); // bounded: a chatty child must not grow us
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const proc: ServiceProcess = {
    child,
    pid: child.pid ?? -1,
    output: () => out,
    stop: (signal = 'SIGTERM', graceMs) =>
      new Promise((res) => {
        if (exited(child)) return res(child.exitCode);
        const hard = graceMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', (code) => {
          clearTimeout(hard);
          res(code);
        });
        child.kill(signal);
      }),
    kill9: () =>
      new Promise((res) => {
        if (exited(child)) return res();
        child.once('exit', () => res());
        child.kill('SIGKILL');
      }),
  };
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`${script} did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      // Whole lines only: a chunk may end in the middle of "port=3001".
      const m = out.slice(0, out.lastIndexOf('\n') + 1).match(ready);
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.off('exit', early);
      res({ proc, match: m });
    };
    const early = (code: number | null) => {
      clearTimeout(timer);
      rej(new Error(`${script} exited with ${code} before it was ready:\n${out}`));
    };
    child.stdout?.on('data', check);
    child.once('exit', early);
  });
}
