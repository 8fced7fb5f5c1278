/**
 * Runs a command with REDIS_URL pointing at a Redis: the caller's REDIS_URL if set, otherwise a
 * private `redis-server` on a free port (no persistence) that lives exactly as long as the command.
 * The test command uses it so tests never touch anyone's data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOW_TO_GET_REDIS, freePort, hasRedisServer, spawnRedis } from './redis-utils';

async function main(): Promise<void> {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) {
    process.stderr.write('usage: with-redis <command> [args...]\n');
    process.exit(2);
  }
  let redis: ChildProcess | undefined;
  let dir: string | undefined;
  const env = { ...process.env };
  if (!env['REDIS_URL']) {
    if (!hasRedisServer()) {
      process.stderr.write(`${HOW_TO_GET_REDIS}\n`);
      process.exit(2);
    }
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'wfa-redis-'));
    redis = await spawnRedis(port, ['--save', '', '--appendonly', 'no', '--dir', dir]);
    env['REDIS_URL'] = `redis://127.0.0.1:${port}`;
    process.stdout.write(`with-redis: private redis-server at ${env['REDIS_URL']}\n`);
  }
  const child = spawn(cmd, args, { stdio: 'inherit', env, shell: process.platform === 'win32' });
  const cleanup = () => {
    redis?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    cleanup();
    process.exit(code ?? (signal ? 1 : 0));
  });
}

void main();
