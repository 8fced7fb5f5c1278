import Redis, { type RedisOptions } from 'ioredis';
import type { Writable } from 'node:stream';
import { coalesceWrites } from '@wfa/runtime';

/** A connection whose commands of one event-loop turn leave in two writes at most (coalesceWrites). */
function coalesced(redis: Redis): Redis {
  // ioredis makes a new socket on every (re)connect.
  redis.on('connect', () => {
    const stream = (redis as unknown as { stream?: Writable }).stream;
    if (stream) coalesceWrites(stream);
  });
  return redis;
}

/**
 * A command connection that fails fast while Redis is away (so clients get `unavailable` instead
 * of hanging) and reconnects by itself forever.
 */
export function createCommandConnection(url: string, name: string, extra: RedisOptions = {}): Redis {
  return coalesced(new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // No auto-pipelining (measured, docs/DECISIONS.md "Benchmark"): ioredis keeps one auto-pipeline
    // in flight per connection, so a command issued meanwhile waits a whole round trip first.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  }));
}

/** The connection BullMQ workers and pub/sub need: commands wait for a reconnect instead of failing. */
export function createBlockingConnection(url: string, name: string, extra: RedisOptions = {}): Redis {
  return coalesced(new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  }));
}

/** Resolve once the connection is ready (or reject after `timeoutMs`). */
export function waitForReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
