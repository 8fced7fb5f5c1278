/**
 * WorkflowStore against a real Redis: compare-and-set, and the worker's draft cache, which must
 * never make a process act on a stale version (two stores stand for two processes).
 */
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { WorkflowDraft } from '@wfa/protocol';
import { build } from '@wfa/domain/src/test-helpers';
import { systemActor } from '@wfa/domain';
import { createKeys } from './keys';
import { VersionConflictError } from './errors';
import { WorkflowStore } from './workflow-store';
import { DraftCache, KeyedSerializer } from './draft-cache';

/** Who the test's changes are audited as. */
const by = systemActor('store test');

const url = process.env['REDIS_URL'];
if (!url) throw new Error('REDIS_URL is not set: run the tests through `npm test` (it starts a private redis-server)');
const redis = new Redis(url, { maxRetriesPerRequest: 1 });
afterAll(async () => {
  await redis.quit();
});

/** A fresh seed draft under its own prefix and session id. */
async function setup() {
  const keys = createKeys(`st${randomBytes(4).toString('hex')}:`);
  const plain = new WorkflowStore(redis, keys); // the gateway
  const cached = new WorkflowStore(redis, keys, Date.now, { cacheDrafts: true }); // a worker
  const sessionId = `wf_${randomBytes(6).toString('hex')}`;
  const t = build(undefined, { sessionId });
  await plain.commit(-1, t, by);
  return { plain, cached, sessionId, keys };
}

/** A change that appends `tag` to the summary (a stand-in for any transition). */
const append = (tag: string) => (d: WorkflowDraft) => ({ draft: { ...d, version: d.version + 1, summary: `${d.summary}${tag}` }, events: [] });

test('a commit with a stale version is refused and writes nothing', async () => {
  const { plain, sessionId } = await setup();
  const d = (await plain.load(sessionId))!;
  await plain.commit(d.version, append('a')(d), by, d);
  await expect(plain.commit(d.version, append('b')(d), by, d)).rejects.toBeInstanceOf(VersionConflictError);
  expect((await plain.load(sessionId))!.summary).toBe(`${d.summary}a`);
});

test('a cached store never overwrites a change another process made meanwhile', async () => {
  const { plain, cached, sessionId } = await setup();
  const base = (await plain.load(sessionId))!.summary;
  await cached.mutate(sessionId, append('1'), by); // the worker now remembers this version
  await plain.mutate(sessionId, append('2'), by); // another process changes it
  const r = await cached.mutate(sessionId, append('3'), by); // starts from a stale memory
  expect(r.result?.draft.summary).toBe(`${base}123`);
  const stored = (await plain.load(sessionId))!;
  expect(stored.summary).toBe(`${base}123`);
  expect(stored.version).toBe(4);
});

test('"nothing to do" or a refusal on a remembered version is decided again on a fresh read', async () => {
  const { plain, cached, sessionId } = await setup();
  await cached.mutate(sessionId, append('-'), by);
  await plain.mutate(sessionId, (d) => ({ draft: { ...d, version: d.version + 1, summary: 'go' }, events: [] }), by);
  // Only acts when the summary says "go": the remembered version says otherwise.
  const r = await cached.mutate(sessionId, (d) => (d.summary === 'go' ? append('!')(d) : null), by);
  expect(r.result?.draft.summary).toBe('go!');
  await plain.mutate(sessionId, (d) => ({ draft: { ...d, version: d.version + 1, summary: 'ok' }, events: [] }), by);
  const thrown = await cached.mutate(sessionId, (d) => {
    if (d.summary !== 'ok') throw new Error('refused on a stale version');
    return append('?')(d);
  }, by);
  expect(thrown.result?.draft.summary).toBe('ok?');
});

test('concurrent mutations of one workflow in one process all apply, in turn', async () => {
  const { cached, plain, sessionId } = await setup();
  const before = (await plain.load(sessionId))!;
  await Promise.all(Array.from({ length: 10 }, (_, i) => cached.mutate(sessionId, append(String(i)), by)));
  const after = (await plain.load(sessionId))!;
  expect(after.version).toBe(before.version + 10);
  expect(after.summary).toBe(`${before.summary}0123456789`);
});

test('a workflow that is gone is not_found, even when remembered', async () => {
  const { cached, keys, sessionId } = await setup();
  await cached.mutate(sessionId, append('x'), by);
  await redis.del(keys.draft(sessionId));
  await expect(cached.mutate(sessionId, append('y'), by)).rejects.toMatchObject({ code: 'not_found' });
});

test('DraftCache forgets the least recently used entry first', () => {
  const c = new DraftCache(2);
  const d = (sessionId: string) => ({ sessionId }) as WorkflowDraft;
  c.set(d('a'), 10);
  c.set(d('b'), 10);
  c.get('a');
  c.set(d('c'), 10);
  expect([c.get('a')?.sessionId, c.get('b'), c.get('c')?.sessionId]).toEqual(['a', undefined, 'c']);
  expect(c.size).toBe(2);
});

test('DraftCache keeps the JSON size of its entries under its byte budget', () => {
  const c = new DraftCache(100, 1000);
  const d = (sessionId: string) => ({ sessionId }) as WorkflowDraft;
  c.set(d('a'), 400);
  c.set(d('b'), 400);
  c.set(d('a'), 300); // replaced, not counted twice
  expect(c.bytes).toBe(700);
  c.set(d('c'), 500); // over budget: the least recently used (b) goes
  expect([c.get('a')?.sessionId, c.get('b'), c.get('c')?.sessionId]).toEqual(['a', undefined, 'c']);
  expect(c.bytes).toBe(800);
  c.set(d('huge'), 1001); // larger than the whole budget: not kept, nothing evicted for it
  expect([c.get('huge'), c.size, c.bytes]).toEqual([undefined, 2, 800]);
  c.delete('a');
  expect([c.size, c.bytes]).toEqual([1, 500]);
});

test('KeyedSerializer runs one key in order, survives failures, and forgets idle keys', async () => {
  const s = new KeyedSerializer();
  const order: string[] = [];
  const task = (name: string, ms: number, fail = false) => () =>
    new Promise<string>((resolve, reject) => setTimeout(() => (order.push(name), fail ? reject(new Error(name)) : resolve(name)), ms));
  const results = await Promise.allSettled([s.run('k', task('a', 30)), s.run('k', task('b', 1, true)), s.run('k', task('c', 1)), s.run('other', task('x', 5))]);
  expect(order).toEqual(['x', 'a', 'b', 'c']);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  await new Promise((r) => setTimeout(r, 0));
  expect(s.pending).toBe(0);
});
