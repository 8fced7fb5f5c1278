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
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(2);
}

async function findRedis(): Promise<{ url: string; child?: ChildProcess }> {
  if (process.env['REDIS_URL']) return { url: process.env['REDIS_URL'] };
  if (await redisAnswers('127.0.0.1', 6379)) return { url: 'redis://127.0.0.1:6379' };
  if (!hasRedisServer()) {
    process.stderr.write(`${HOW_TO_GET_REDIS}\n`);
    process.exit(2);
  }
  const port = (await portIsFree(6379)) ? 6379 : await freePort();
  const dir = join(root, '.data', 'redis');
  mkdirSync(dir, { recursive: true });
  // In a process group of its own: Ctrl+C in the terminal reaches the gateway and the worker,
  // which then close cleanly against a Redis that is still there; it is stopped after them.
  const child = await spawnRedis(port, ['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--dir', dir], { detached: true });
  // Also when this process ends some other way (an uncaught error, process.exit elsewhere).
  process.once('exit', () => child.kill('SIGTERM'));
  process.stdout.write(`start: private redis-server on port ${port}, data in .data/redis (AOF on)\n`);
  return { url: `redis://127.0.0.1:${port}`, child };
}

async function main(): Promise<void> {
  refuseBadConfig();
  const redis = await findRedis();
  process.stdout.write(`start: using Redis at ${redis.url.replace(/\/\/[^@/]*@/, '//***@')}\n`);
  const env = { ...process.env, REDIS_URL: redis.url };
  // node with tsx's loader (not the tsx binary, which adds a process between us and the app).
  const run = (script: string) => spawn(process.execPath, ['--import', 'tsx', join(root, script)], { stdio: 'inherit', env, cwd: root });
  const apps: ChildProcess[] = [run('apps/worker/src/main.ts'), run('apps/gateway/src/main.ts')];
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const a of apps) a.kill('SIGTERM');
    void Promise.all(apps.map((a) => new Promise((r) => (a.exitCode !== null ? r(null) : a.once('exit', r))))).then(() => {
      redis.child?.kill('SIGTERM');
      if (redis.child) redis.child.once('exit', () => process.exit(code));
      else process.exit(code);
    });
  };
  for (const a of apps) a.once('exit', (c) => stop(c ?? 1));
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
}

void main();
