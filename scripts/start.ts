/**
 * `npm start`: one gateway and one worker against a Redis found in this order (SPEC §3):
 * REDIS_URL if set; else redis://127.0.0.1:6379 if it answers; else a private redis-server from
 * PATH with AOF on and its data under .data/redis; else a message saying how to get Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HOW_TO_GET_REDIS, freePort, hasRedisServer, portIsFree, redisAnswers, spawnRedis } from './redis-utils';
import { loadConfig } from '../apps/gateway/src/config';
import { loadWorkerConfig } from '../apps/worker/src/config';

const root = resolve(__dirname, '..');

/**
 * Both apps' settings, checked before anything starts: every bad value of either is reported
 * (SPEC §3). Each app checks its own again at start; this only saves stopping one app because the
 * other refused, before the first has said what is wrong with its own.
 */
function refuseBadConfig(): void {
  const problems: string[] = [];
  for (const load of [() => loadWorkerConfig(process.env), () => loadConfig(process.env)]) {
    try {
      load();
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (problems.length === 0) return;
  // Each problem is "<app>: <what>" and one indented line per bad setting. A setting both apps
  // read (REDIS_URL, KEY_PREFIX...) is named once, under the first app that refused it.
  const said = new Set<string>();
  const out: string[] = [];
  for (const problem of problems) {
    const [head = '', ...settings] = problem.split('\n');
    const fresh = settings.filter((line) => !said.has(line));
    for (const line of fresh) said.add(line);
    if (settings.length === 0 || fresh.length > 0) out.push(head, ...fresh);
  }
  process.stderr.write(`${out.join('\n')}\n`);
  process.exit(2);
}

/** The private redis-server this process started, if any (stopped after the apps). */
let privateRedis: ChildProcess | undefined;

async function findRedis(): Promise<string> {
  if (process.env['REDIS_URL']) return process.env['REDIS_URL'];
  if (await redisAnswers('127.0.0.1', 6379)) return 'redis://127.0.0.1:6379';
  if (!hasRedisServer()) {
    process.stderr.write(`${HOW_TO_GET_REDIS}\n`);
    process.exit(2);
  }
  const port = (await portIsFree(6379)) ? 6379 : await freePort();
  const dir = join(root, '.data', 'redis');
  mkdirSync(dir, { recursive: true });
  // In a process group of its own: Ctrl+C in the terminal reaches the gateway and the worker,
  // which then close cleanly against a Redis that is still there; it is stopped after them.
  await spawnRedis(port, ['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--dir', dir], {
    detached: true,
    onSpawn: (child) => {
      privateRedis = child;
      // Also when this process ends some other way (an uncaught error, process.exit elsewhere).
      process.once('exit', () => child.kill('SIGTERM'));
    },
  });
  process.stdout.write(`start: private redis-server on port ${port}, data in .data/redis (AOF on)\n`);
  return `redis://127.0.0.1:${port}`;
}

const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
const exited = (c: ChildProcess) => new Promise<void>((resolve) => (running(c) ? c.once('exit', () => resolve()) : resolve()));

async function main(): Promise<void> {
  refuseBadConfig();
  const apps: ChildProcess[] = [];
  let stopping = false;
  // Stop the apps, wait for them to close, then the private Redis (if any), then exit.
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const a of apps) a.kill('SIGTERM');
    void Promise.all(apps.map(exited)).then(async () => {
      if (privateRedis && running(privateRedis)) {
        privateRedis.kill('SIGTERM');
        await exited(privateRedis);
      }
      process.exit(code);
    });
  };
  // From the very start, so a signal while Redis is still starting stops it as well.
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  // npm runs this under `sh -c`, which dies of the SIGTERM npm passes on to it without passing it
  // further: this process then has a new parent, and takes that as its signal to stop.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop(0), 500).unref();

  const url = await findRedis();
  if (stopping) return;
  process.stdout.write(`start: using Redis at ${url.replace(/\/\/[^@/]*@/, '//***@')}\n`);
  const env = { ...process.env, REDIS_URL: url };
  // node with tsx's loader (not the tsx binary, which adds a process between us and the app).
  const run = (script: string) => spawn(process.execPath, ['--import', 'tsx', join(root, script)], { stdio: 'inherit', env, cwd: root });
  apps.push(run('apps/worker/src/main.ts'), run('apps/gateway/src/main.ts'));
  for (const a of apps) a.once('exit', (c) => stop(c ?? 1));
}

void main();
