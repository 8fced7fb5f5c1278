/**
 * `npm start`: one gateway and one worker against a Redis found in this order (SPEC §3):
 * REDIS_URL if set; else redis://127.0.0.1:6379 if it answers; else a private redis-server from
 * PATH with AOF on and its data under .data/redis; else a message saying how to get Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HOW_TO_GET_REDIS, freePort, hasRedisServer, portIsFree, redisAnswers, spawnRedis } from './redis-utils';

const root = resolve(__dirname, '..');

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
  const child = await spawnRedis(port, ['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--dir', dir]);
  process.stdout.write(`start: private redis-server on port ${port}, data in .data/redis (AOF on)\n`);
  return { url: `redis://127.0.0.1:${port}`, child };
}

async function main(): Promise<void> {
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
