import Redis from 'ioredis';
import type { Envelope } from './client';

/**
 * Reads of the product's Redis state for assertions (keys as in packages/store/src/keys.ts and
 * the worker's built-in workspace), plus a bounded poll for the few places where no event exists.
 */
export const TERMINAL = ['completed', 'failed', 'cancelled'];

export function openRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

export async function readDraft(redis: Redis, prefix: string, sessionId: string): Promise<any | null> {
  const raw = await redis.get(`${prefix}workflow:draft:{${sessionId}}`);
  return raw === null ? null : JSON.parse(raw);
}

/** Every event id of a workflow's durable log, oldest first. */
export async function streamIds(redis: Redis, prefix: string, sessionId: string): Promise<string[]> {
  const rows = await redis.xrange(`${prefix}workflow:{${sessionId}}:events`, '-', '+');
  return rows.map(([id]) => id);
}

/** Every logged envelope of a workflow (type + payload), oldest first. */
export async function streamEvents(redis: Redis, prefix: string, sessionId: string): Promise<(Envelope & { eventId: string })[]> {
  const rows = await redis.xrange(`${prefix}workflow:{${sessionId}}:events`, '-', '+');
  return rows.map(([id, fields]) => ({ ...JSON.parse(fields[1] ?? '{}'), eventId: id }));
}

export type Collection = 'contacts' | 'events' | 'tasks' | 'drafts' | 'outbox';

/** Objects in one collection of a user's built-in workspace (hash of id → JSON). */
export async function workspace(redis: Redis, prefix: string, userId: string, collection: Collection): Promise<Record<string, any>> {
  const all = await redis.hgetall(`${prefix}ws:{${userId}}:${collection}`);
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, JSON.parse(v)]));
}

/**
 * Poll `check` until it returns a value other than undefined/false, at most `timeoutMs`. Only for
 * state that announces itself with no event (e.g. Redis after a restart, /health).
 */
export async function pollUntil<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function healthStatus(url: string): Promise<number> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), 3000);
  try {
    const res = await fetch(`${url}/health`, { signal: ctrl.signal });
    return res.status;
  } catch {
    return 0;
  } finally {
    clearTimeout(timer);
  }
}

/** Event ids in the order a client received them, for one workflow. */
export function idsOf(events: Envelope[], sessionId: string): string[] {
  return events.filter((e) => e.sessionId === sessionId).map((e) => e.eventId as string);
}

/**
 * What a client received after its WORKFLOW_SUBSCRIBE: the snapshot is the first WORKFLOW_STATUS
 * after `fromIndex` reflecting the acknowledged `lastEventId` (its `asOfEventId`); everything
 * after it is the replay followed by live events.
 */
export function afterSnapshot(events: Envelope[], fromIndex: number, sessionId: string, asOfEventId: string): Envelope[] {
  const rest = events.slice(fromIndex).filter((e) => e.sessionId === sessionId);
  const i = rest.findIndex((e) => e.type === 'WORKFLOW_STATUS' && e.payload?.asOfEventId === asOfEventId);
  if (i < 0) throw new Error('no WORKFLOW_STATUS snapshot after the subscribe');
  return rest.slice(i + 1);
}

export function strictlyIncreasing(ids: string[]): boolean {
  const cmp = (a: string, b: string) => {
    const [am, as] = a.split('-').map(Number);
    const [bm, bs] = b.split('-').map(Number);
    return am! - bm! || as! - bs!;
  };
  return ids.every((id, i) => i === 0 || cmp(ids[i - 1]!, id) < 0);
}

/**
 * Remove every key under a test's prefix, so a run against a caller's own Redis (REDIS_URL set)
 * leaves nothing behind. Returns how many keys went.
 */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) removed += await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  return removed;
}
