/**
 * Test support (not a test): a REAL Redis for the handler tests: REDIS_URL (set by `npm test`,
 * which starts a private redis-server), with keys under a unique prefix, removed afterwards.
 */
import { Redis } from 'ioredis';
import { createKeys, type Keys } from '@wfa/store';
import { Workspace } from './workspace';
import type { HandlerContext } from './types';

export interface TestRedis {
  redis: Redis;
  prefix: string;
  keys: Keys;
  stop: () => Promise<void>;
}

export async function startTestRedis(name: string): Promise<TestRedis> {
  const prefix = `test:${name}:${process.pid}:${Date.now()}:`;
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests through `npm test` (it starts a private redis-server)');
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  return {
    redis,
    prefix,
    keys: createKeys(prefix),
    stop: async () => {
      // Shared server: remove only what this file wrote.
      const stream = redis.scanStream({ match: `${prefix}*`, count: 500 });
      for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await redis.del(...keys);
      await redis.quit();
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
    workspace: new Workspace(t.redis, t.keys, userId),
    reportProgress: async (p, m) => {
      progress.push([p, m]);
    },
    ...over,
    progress,
  };
}
