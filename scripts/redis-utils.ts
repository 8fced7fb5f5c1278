import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

/** A free TCP port on loopback, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Sends PING over a raw socket; true if a Redis answered PONG within `timeoutMs`. */
export function redisAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export const HOW_TO_GET_REDIS = [
  'No Redis found: REDIS_URL is unset, nothing answers on 127.0.0.1:6379, and redis-server is not on PATH.',
  'Get one of:',
  '  - your package manager: apt-get install redis-server | brew install redis | dnf install redis',
  '  - Docker: docker compose up -d redis   (then REDIS_URL=redis://127.0.0.1:6379)',
  '  - any Redis 6.2+ you run elsewhere: export REDIS_URL=redis://host:port',
].join('\n');

/**
 * Start a private redis-server and wait until it answers (`detached`: in a process group of its
 * own; `onSpawn`: told of the process at once, before it answers, so a caller stopping meanwhile
 * can stop it too).
 */
export async function spawnRedis(port: number, args: string[], opts: { detached?: boolean; onSpawn?: (child: ChildProcess) => void } = {}): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...args], { stdio: ['ignore', 'ignore', 'inherit'], detached: opts.detached ?? false });
  opts.onSpawn?.(child);
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    if (await redisAnswers('127.0.0.1', port, 200)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('redis-server did not answer within 10 s');
}
