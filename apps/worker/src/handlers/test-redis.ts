/**
 * Test support (not a test): a REAL Redis for the handler tests. Uses REDIS_URL when set (keys
 * under a unique prefix, removed afterwards), else a private throwaway redis-server on a free port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { Workspace } from './workspace';
import type { HandlerContext } from './types';

export interface TestRedis {
  redis: Redis;
  prefix: string;
  stop: () => Promise<void>;
}

function freePort(): Promise<number> {
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

async function waitForPing(redis: Redis, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    try {
      if ((await redis.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error('redis-server did not start within 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function startTestRedis(name: string): Promise<TestRedis> {
  const prefix = `test:${name}:${process.pid}:${Date.now()}:`;
  const url = process.env.REDIS_URL;
  if (url) {
    const redis = new Redis(url, { maxRetriesPerRequest: 3 });
    return {
      redis,
      prefix,
      stop: async () => {
        // Shared server: remove only what this file wrote.
        const stream = redis.scanStream({ match: `${prefix}*`, count: 500 });
        for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await redis.del(...keys);
        await redis.quit();
      },
    };
  }
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  await waitForPing(redis, child);
  return {
    redis,
    prefix,
    stop: async () => {
      await redis.quit().catch(() => undefined);
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export interface TestCtx extends HandlerContext {
  progress: Array<[number, string]>;
}

/** A handler context over a real workspace, recording progress reports. */
export function makeCtx(t: TestRedis, userId: string, stepId: string, over: Partial<HandlerContext> = {}): TestCtx {
  const sessionId = over.sessionId ?? 'wf_test';
  const progress: Array<[number, string]> = [];
  return {
    userId,
    sessionId,
    stepId,
    idempotencyKey: `${sessionId}:${stepId}`,
    timezone: 'UTC',
    now: () => Date.parse('2024-01-01T10:17:00Z'),
    workspace: new Workspace(t.redis, t.prefix, userId),
    reportProgress: async (p, m) => {
      progress.push([p, m]);
    },
    ...over,
    progress,
  };
}
