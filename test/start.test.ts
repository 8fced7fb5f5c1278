/**
 * SPEC §3 through the README's own command, `npm start`: every bad setting of either app is
 * reported, and a signal to npm itself (how a process manager or a terminal stops it) stops the
 * gateway and the worker it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT, newPrefix, redisUrl } from './support/processes';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function npmStart(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  // A process group of its own (like `setsid`), so the test can tell whether any of it is left.
  const child = spawn(npm, ['start'], { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Whether any process of the group `pgid` is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const killGroup = (pgid: number | undefined) => {
  if (pgid && groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
};

test('a bad value in each app: both are reported, and nothing starts', async () => {
  const run = npmStart({ REDIS_URL: redisUrl(), PORT: 'abc', CONCURRENCY: '0', KEY_PREFIX: newPrefix(), JWT_SECRET: '' });
  try {
    expect(await exited(run.child)).toBe(2);
    expect(run.output()).toMatch(/worker: invalid configuration\s+CONCURRENCY:/);
    expect(run.output()).toMatch(/gateway: invalid configuration\s+PORT: must be a whole number/);
    expect(run.output()).not.toMatch(/WFA_GATEWAY_READY|WFA_WORKER_READY/);
  } finally {
    killGroup(run.child.pid);
  }
}, 120_000);

test('SIGTERM to npm stops the gateway and the worker it started, cleanly', async () => {
  const run = npmStart({ REDIS_URL: redisUrl(), PORT: '0', HOST: '127.0.0.1', KEY_PREFIX: newPrefix(), JWT_SECRET: '' });
  const pgid = run.child.pid!;
  try {
    await until('the gateway and the worker to be ready', () => /WFA_GATEWAY_READY port=\d+/.test(run.output()) && /WFA_WORKER_READY/.test(run.output()), 90_000);
    const port = Number(/WFA_GATEWAY_READY port=(\d+)/.exec(run.output())![1]);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    process.kill(pgid, 'SIGTERM'); // npm only, as `kill <pid of npm>` does
    await until('every process npm start began to exit', () => !groupAlive(pgid), 30_000);
    expect(run.output()).toMatch(/gateway .*shutting down/);
    expect(run.output()).toMatch(/worker .*shutting down/);
    expect(run.output()).not.toMatch(/grace period over/);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  } finally {
    killGroup(pgid);
  }
}, 150_000);
