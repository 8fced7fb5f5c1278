/**
 * SPEC §6.11 against a real Redis: every committed change lands in the workflow's audit log, in
 * the same compare-and-set, and the verify call finds an edited, dropped, reordered, added or
 * cut-off entry. The tampering is done the way an intruder with Redis access would: on the list.
 */
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { applyApproval, systemActor, type AuditActor } from '@wfa/domain';
import { JOHN, USER, build, runStep } from '@wfa/domain/src/test-helpers';
import { createKeys } from './keys';
import { WorkflowStore } from './workflow-store';
import { AuditKeyError, AuditSigner, auditPage, chainRecords } from './audit-chain';

const url = process.env['REDIS_URL'];
if (!url) throw new Error('REDIS_URL is not set: run the tests through `npm test` (it starts a private redis-server)');
const redis = new Redis(url, { maxRetriesPerRequest: 1 });
afterAll(async () => {
  await redis.quit();
});

const alice: AuditActor = { userId: 'u1', kind: 'user', ipAddress: '10.0.0.7', userAgent: 'test-agent', cause: 'WORKFLOW_APPROVAL' };

/** A seed workflow approved and its lookup run: 4 commits, 1 + 3 + 2 + 2 entries or so. */
async function history(auditKey?: string) {
  const keys = createKeys(`au${randomBytes(4).toString('hex')}:`);
  const store = new WorkflowStore(redis, keys, Date.now, { auditKey });
  const sessionId = `wf_${randomBytes(6).toString('hex')}`;
  const t = build(undefined, { sessionId, userId: 'u1' });
  await store.commit(-1, t, { ...alice, cause: 'WORKFLOW_SUBMIT' });
  await store.mutate(sessionId, (d) => applyApproval(d, { action: 'approve_all' }, USER, Date.now()), { ...alice, cause: 'WORKFLOW_APPROVAL approve_all' });
  const approved = (await store.load(sessionId))!;
  const { begin, done } = runStep(approved, 'contact_lookup_1', { contacts: [JOHN] }, Date.now());
  await store.mutate(sessionId, () => begin, systemActor('step started'));
  await store.mutate(sessionId, () => ({ ...done, draft: { ...done.draft, version: begin.draft.version + 1 } }), systemActor('step finished'));
  return { store, keys, sessionId, list: keys.audit(sessionId) };
}

test('the log holds every change, who made it, and verifies', async () => {
  const { store, sessionId } = await history();
  const a = (await store.verifiedAudit(sessionId))!;
  expect(a.verification).toEqual({ valid: true, count: a.entries.length, keyed: false });
  expect(a.entries.map((e) => e.seq)).toEqual(a.entries.map((_, i) => i + 1));
  expect(a.entries[0]).toMatchObject({ action: 'created', userId: 'u1', ipAddress: '10.0.0.7', userAgent: 'test-agent', cause: 'WORKFLOW_SUBMIT' });
  const approvals = a.entries.filter((e) => e.action === 'approved');
  expect(approvals.map((e) => e.stepId).sort()).toEqual(['calendar_event_1', 'contact_lookup_1', 'email_draft_1']);
  expect(a.entries.filter((e) => e.userId === 'system' && e.stepId === 'contact_lookup_1').map((e) => e.after)).toEqual([
    expect.objectContaining({ state: 'running' }),
    expect.objectContaining({ state: 'completed' }),
  ]);
  expect(a.draft.audit).toEqual({ count: a.entries.length, hash: a.entries[a.entries.length - 1]!.hash, alg: 'sha256', seal: expect.stringMatching(/^[0-9a-f]{64}$/) });
  expect(a.entries[a.entries.length - 1]!.version).toBe(a.draft.version);
});

test('a refused compare-and-set writes no entry', async () => {
  const { store, sessionId, list } = await history();
  const before = await redis.llen(list);
  const d = (await store.load(sessionId))!;
  await expect(store.commit(d.version - 1, { draft: { ...d, version: d.version + 1 }, events: [] }, alice, d)).rejects.toThrow();
  expect(await redis.llen(list)).toBe(before);
  expect((await store.verifiedAudit(sessionId))!.verification.valid).toBe(true);
});

test('two processes changing one workflow at once keep one unbroken chain, an entry per version', async () => {
  const keys = createKeys(`au${randomBytes(4).toString('hex')}:`);
  const a = new WorkflowStore(redis, keys, Date.now, { cacheDrafts: true });
  const b = new WorkflowStore(redis, keys, Date.now, { cacheDrafts: true });
  const sessionId = `wf_${randomBytes(6).toString('hex')}`;
  await a.commit(-1, build(undefined, { sessionId, userId: 'u1' }), alice);
  const touch = (tag: string) => (d: Parameters<Parameters<WorkflowStore['mutate']>[1]>[0]) => ({ draft: { ...d, version: d.version + 1, summary: d.summary + tag }, events: [] });
  await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).mutate(sessionId, touch(String(i % 10)), systemActor(`writer ${i % 2}`))));
  const audit = (await a.verifiedAudit(sessionId))!;
  expect(audit.verification).toMatchObject({ valid: true, count: 21 });
  expect(audit.entries.slice(1).map((e) => e.version)).toEqual(Array.from({ length: 20 }, (_, i) => audit.entries[0]!.version + i + 1));
  expect(audit.entries.slice(1).every((e) => e.action === 'changed')).toBe(true);
});

test('a commit at the same version (a draft reminder) adds no entry and leaves the chain whole', async () => {
  const { store, sessionId, list } = await history();
  const before = await redis.llen(list);
  await store.mutate(sessionId, (d) => ({ draft: structuredClone(d), events: [] }), systemActor('timer reminder'));
  expect(await redis.llen(list)).toBe(before);
  await store.mutate(sessionId, (d) => ({ draft: { ...d, version: d.version + 1, summary: 'after the reminder' }, events: [] }), alice);
  expect((await store.verifiedAudit(sessionId))!.verification).toMatchObject({ valid: true, count: before + 1 });
});

test('a process without the key, or with another, refuses to extend a keyed log; turning the key on extends an unkeyed one', async () => {
  const { store, sessionId, keys } = await history('k'.repeat(32));
  const change = (d: Parameters<Parameters<WorkflowStore['mutate']>[1]>[0]) => ({ draft: { ...d, version: d.version + 1, summary: 'y' }, events: [] });
  await expect(new WorkflowStore(redis, keys).mutate(sessionId, change, alice)).rejects.toBeInstanceOf(AuditKeyError);
  await expect(new WorkflowStore(redis, keys, Date.now, { auditKey: 'z'.repeat(32) }).mutate(sessionId, change, alice)).rejects.toThrow(/another AUDIT_KEY/);
  expect((await store.verifiedAudit(sessionId))!.verification.valid).toBe(true);

  const old = await history();
  const keyed = new WorkflowStore(redis, old.keys, Date.now, { auditKey: 'k'.repeat(32) });
  await keyed.mutate(old.sessionId, change, alice);
  const a = (await keyed.verifiedAudit(old.sessionId))!;
  expect(a.verification).toMatchObject({ valid: true, keyed: true });
  expect(a.entries.map((e) => e.alg).slice(-2)).toEqual(['sha256', 'hmac-sha256']);
});

test('an answer carries the newest entries, a page at a time', async () => {
  const { store, sessionId } = await history();
  const a = (await store.verifiedAudit(sessionId))!;
  const n = a.entries.length;
  const first = auditPage(a.entries, a.lines, undefined, 3);
  expect([first.entries.map((e) => e.seq), first.hasOlder]).toEqual([[n - 2, n - 1, n], true]);
  const rest = auditPage(a.entries, a.lines, n - 2, 100);
  expect([rest.entries.map((e) => e.seq), rest.hasOlder]).toEqual([Array.from({ length: n - 3 }, (_, i) => i + 1), false]);
});

describe('the verify call finds', () => {
  const problem = async (store: WorkflowStore, sessionId: string) => (await store.verifiedAudit(sessionId))!.verification;

  test('an edited entry', async () => {
    const { store, sessionId, list } = await history();
    const e = JSON.parse((await redis.lindex(list, 1))!);
    await redis.lset(list, 1, JSON.stringify({ ...e, userId: 'mallory' }));
    expect(await problem(store, sessionId)).toMatchObject({ valid: false, problem: { position: 2, reason: expect.stringContaining('changed') } });
    // Still read whole, so a reader sees what came after the problem.
    expect((await store.verifiedAudit(sessionId))!.entries.map((x) => x.userId)[1]).toBe('mallory');
    expect((await store.verifiedAudit(sessionId))!.entries).toHaveLength(await redis.llen(list));
  });

  test('a dropped entry (middle)', async () => {
    const { store, sessionId, list } = await history();
    const second = (await redis.lindex(list, 1))!;
    await redis.lrem(list, 1, second);
    expect(await problem(store, sessionId)).toMatchObject({ valid: false, problem: { position: 2, reason: expect.stringContaining('sequence') } });
  });

  test('two entries swapped', async () => {
    const { store, sessionId, list } = await history();
    const [x, y] = [(await redis.lindex(list, 2))!, (await redis.lindex(list, 3))!];
    await redis.lset(list, 2, y);
    await redis.lset(list, 3, x);
    expect(await problem(store, sessionId)).toMatchObject({ valid: false, problem: { position: 3 } });
  });

  test('a log cut short together with a head rewritten to match it (the head is sealed)', async () => {
    const { store, sessionId, list, keys } = await history('k'.repeat(32));
    // A last change that wrote two entries: the cut stays within one version.
    await store.mutate(sessionId, (d) => ({
      draft: { ...d, version: d.version + 1, steps: d.steps.map((st, i) => (i > 0 ? { ...st, params: { ...st.params, subject: 'two at once' } } : st)) },
      events: [],
    }), alice);
    await redis.rpop(list);
    const last = JSON.parse((await redis.lindex(list, -1))!);
    const draft = JSON.parse((await redis.get(keys.draft(sessionId)))!);
    await redis.set(keys.draft(sessionId), JSON.stringify({ ...draft, audit: { ...draft.audit, count: draft.audit.count - 1, hash: last.hash } }));
    expect(await problem(store, sessionId)).toMatchObject({ valid: false, problem: { reason: expect.stringContaining('seal') } });
  });

  test('a log wiped with its head, and one that no longer starts at the creation', async () => {
    const { store, sessionId, list, keys } = await history();
    const draft = JSON.parse((await redis.get(keys.draft(sessionId)))!);
    await redis.del(list);
    const { audit: _gone, ...headless } = draft;
    await redis.set(keys.draft(sessionId), JSON.stringify(headless));
    expect(await problem(store, sessionId)).toMatchObject({ valid: false, problem: { reason: expect.stringContaining('keeps no record') } });
    // The next change starts a fresh chain, which does not begin with the workflow's creation.
    await store.mutate(sessionId, (d) => ({ draft: { ...d, version: d.version + 1, summary: 'x' }, events: [] }), alice);
    expect(await problem(store, sessionId)).toMatchObject({ valid: false, problem: { position: 1, reason: expect.stringContaining('creation') } });
  });

  test('a log cut short, or an entry added at its end', async () => {
    const { store, sessionId, list } = await history();
    const last = (await redis.rpop(list))!;
    expect(await problem(store, sessionId)).toMatchObject({ valid: false, problem: { reason: expect.stringContaining('records') } });
    await redis.rpush(list, last, last);
    expect(await problem(store, sessionId)).toMatchObject({ valid: false });
  });

  test('an edit whose chain was rebuilt without the key, once AUDIT_KEY is set', async () => {
    const key = 'k'.repeat(32);
    const { store, sessionId, list, keys } = await history(key);
    expect((await store.verifiedAudit(sessionId))!.verification).toMatchObject({ valid: true, keyed: true });
    // The intruder rewrites the whole chain with plain SHA-256 and fixes the draft's head.
    const lines = await redis.lrange(list, 0, -1);
    const records = lines.map((l) => {
      const { seq: _s, sessionId: _i, version: _v, alg: _a, prevHash: _p, hash: _h, ...r } = JSON.parse(l);
      return { ...r, userId: 'mallory' };
    });
    const forged = chainRecords(new AuditSigner(), sessionId, JSON.parse(lines[lines.length - 1]!).version, undefined, records);
    await redis.del(list);
    await redis.rpush(list, ...forged.lines);
    const draft = JSON.parse((await redis.get(keys.draft(sessionId)))!);
    await redis.set(keys.draft(sessionId), JSON.stringify({ ...draft, audit: forged.head }));
    expect(await problem(store, sessionId)).toMatchObject({ valid: false, problem: { code: 'tampered', reason: expect.stringContaining('not sealed with AUDIT_KEY') } });
    // A process without the key cannot vouch for a keyed log, and says it cannot check it.
    const { store: keyed, sessionId: sid2 } = await history(key);
    const unkeyed = new WorkflowStore(redis, keyed.keys);
    expect(await problem(unkeyed, sid2)).toMatchObject({ valid: false, problem: { code: 'unverifiable', position: 1, reason: expect.stringContaining('AUDIT_KEY') } });
  });
});

test('a line rewritten with the same content in another key order counts as changed: the stored bytes are what is sealed', async () => {
  const { store, sessionId, list } = await history();
  const e = JSON.parse((await redis.lindex(list, 0))!);
  const reordered = Object.fromEntries(Object.entries(e).reverse());
  await redis.lset(list, 0, JSON.stringify(reordered));
  expect((await store.verifiedAudit(sessionId))!.verification).toMatchObject({ valid: false, problem: { position: 1 } });
});
