/**
 * Issue 6 §1: many gateways, many workers, one Redis. Two gateways and two workers share one key
 * prefix; a client on gateway A sees what the workers did and what the same user decided through
 * gateway B, and WORKFLOW_SUBSCRIBE { lastEventId } on the other gateway resumes with no gap and
 * no duplicate.
 */
import type Redis from 'ioredis';
import { TestClient, isType, stepEvent, tokenFor, workflowEnded, workflowTerminal } from './support/client';
import { newPrefix, redisUrl, startGateway, startWorker, type Proc } from './support/processes';
import { afterSnapshot, idsOf, openRedis, readDraft, streamIds, strictlyIncreasing, workspace } from './support/state';

let prefix: string;
let gwA: Awaited<ReturnType<typeof startGateway>>;
let gwB: Awaited<ReturnType<typeof startGateway>>;
let workers: Proc[] = [];
let redis: Redis;

beforeAll(async () => {
  prefix = newPrefix();
  const env = { HANDLER_LATENCY_MS: '50' };
  [gwA, gwB, ...workers] = await Promise.all([startGateway(prefix), startGateway(prefix), startWorker(prefix, env), startWorker(prefix, env)]);
  redis = openRedis(redisUrl());
});
afterAll(async () => {
  await Promise.all([gwA?.stop(), gwB?.stop(), ...workers.map((w) => w.stop())]);
  redis?.disconnect();
});

const task = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'task', action: 'create_task', description: id, params: { title: `task ${id}` }, ...extra });

test('a client on gateway A sees worker events and the decisions its user made through gateway B', async () => {
  const onA = await TestClient.connect(gwA.url, tokenFor('multi-1'));
  const onB = await TestClient.connect(gwB.url, tokenFor('multi-1'));
  try {
    // Fan-out of 8 independent tasks, then a fan-in: enough jobs for both workers.
    const fan = Array.from({ length: 8 }, (_, i) => task(`fan_${i}`));
    // A rejected dependency skips the join (blocks + skip), so the run ends by itself.
    const join = task('join', { requires: fan.map((s) => ({ stepId: s.id, effect: 'blocks', resolution: 'skip' })) });
    const { sessionId: sid } = await onA.sendOk('WORKFLOW_SUBMIT', { plan: { steps: [...fan, join] } });
    // The draft created through A reaches the socket on B.
    await onB.waitFor(isType('WORKFLOW_DRAFT', sid), 10_000, 'draft relayed to gateway B');

    // The same user decides through B; A sees the decision and every step the workers ran.
    await onB.sendOk('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 'fan_7', reason: 'not this one' }, sid);
    await onA.waitFor((e) => e.type === 'WORKFLOW_STATUS' && e.sessionId === sid && e.payload.steps.find((s: any) => s.id === 'fan_7')?.approvalStatus === 'step_rejected', 10_000, 'rejection made on B seen on A');
    await onB.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sid);
    const end = await onA.waitFor(workflowTerminal(sid), 30_000, 'terminal status on A');
    await onB.waitFor((e) => e.type === 'WORKFLOW_STATUS' && e.sessionId === sid && e.eventId === end.eventId, 10_000, 'terminal status on B');

    for (let i = 0; i < 7; i++) await onA.waitFor(stepEvent(sid, `fan_${i}`, 'completed'));
    const states = Object.fromEntries(end.payload.steps.map((s: any) => [s.id, s.state]));
    expect(states['fan_7']).not.toBe('completed');
    expect(states['join']).toBe('skipped');
    expect(Object.entries(states).filter(([id]) => id !== 'fan_7' && id !== 'join').every(([, s]) => s === 'completed')).toBe(true);

    // Both sockets saw exactly the durable log: same ids, same order, none twice, none missing.
    const log = await streamIds(redis, prefix, sid);
    expect(idsOf(onA.events, sid)).toEqual(log);
    expect(idsOf(onB.events, sid)).toEqual(log);
    // Effects: one task per completed step (7 fan steps + join if it ran).
    const completed = end.payload.steps.filter((s: any) => s.state === 'completed').length;
    expect(Object.keys(await workspace(redis, prefix, 'multi-1', 'tasks'))).toHaveLength(completed);
  } finally {
    onA.close();
    onB.close();
  }
});

test('WORKFLOW_SUBSCRIBE { lastEventId } on the other gateway replays with no gap or duplicate, then goes live', async () => {
  const onA = await TestClient.connect(gwA.url, tokenFor('multi-2'));
  try {
    const { sessionId: sid } = await onA.sendOk('WORKFLOW_SUBMIT', {
      mode: 'step_by_step',
      plan: { steps: [task('s1'), task('s2', { dependsOn: ['s1'] }), task('s3', { dependsOn: ['s2'] }), task('s4', { dependsOn: ['s3'] })] },
    });
    const draft = await onA.waitFor(isType('WORKFLOW_DRAFT', sid));
    await onA.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 's1' }, sid);
    await onA.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 's2' }, sid);
    // step_by_step: s3 is not approved, so the workflow is quiet once s2 completed.
    await onA.waitFor(stepEvent(sid, 's2', 'completed'), 20_000);
    expect((await readDraft(redis, prefix, sid)).steps.map((s: any) => s.state)).toEqual(['completed', 'completed', 'pending', 'pending']);

    // A second tab on gateway B resumes from the draft event (it had only seen the draft).
    const onB = await TestClient.connect(gwB.url, tokenFor('multi-2'));
    try {
      const from = onB.events.length;
      const ack = await onB.sendOk('WORKFLOW_SUBSCRIBE', { lastEventId: draft.eventId }, sid);
      // The replay arrived before the acknowledgement, then live events follow: approve the rest.
      await onB.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 's3' }, sid);
      await onB.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 's4' }, sid);
      await onB.waitFor(workflowEnded(sid), 20_000, 'completed on B');
      await onA.waitFor(workflowEnded(sid), 20_000, 'completed on A');

      const log = await streamIds(redis, prefix, sid);
      const resumed = idsOf(afterSnapshot(onB.events, from, sid, ack['lastEventId']), sid);
      expect(ack['replayed']).toBe(log.indexOf(ack['lastEventId']) - log.indexOf(draft.eventId as string));
      expect(strictlyIncreasing(resumed)).toBe(true);
      expect(resumed).toEqual(log.slice(log.indexOf(draft.eventId as string) + 1));
      expect(idsOf(onA.events, sid)).toEqual(log);
      // SPEC §5 read literally: every id this socket got after its subscribe, the snapshot's
      // included, increases and none comes twice.
      const wire = idsOf(onB.events.slice(from), sid);
      expect(strictlyIncreasing(wire)).toBe(true);
      expect(onB.events.slice(from).find((e) => e.type === 'WORKFLOW_STATUS')?.payload.asOfEventId).toBe(ack['lastEventId']);

      // Replay from the very start on gateway A as well: same log again, on a fresh socket.
      const onA2 = await TestClient.connect(gwA.url, tokenFor('multi-2'));
      try {
        const from2 = onA2.events.length;
        const ack2 = await onA2.sendOk('WORKFLOW_SUBSCRIBE', {}, sid);
        expect(idsOf(afterSnapshot(onA2.events, from2, sid, ack2['lastEventId']), sid)).toEqual(log);
        expect(strictlyIncreasing(idsOf(onA2.events.slice(from2), sid))).toBe(true);
      } finally {
        onA2.close();
      }
      expect(Object.keys(await workspace(redis, prefix, 'multi-2', 'tasks'))).toHaveLength(4);
    } finally {
      onB.close();
    }
  } finally {
    onA.close();
  }
});

test('decisions through a gateway whose remembered version is stale lose nothing and refuse nothing valid', async () => {
  // Each gateway starts a decision from the version it last wrote (docs/DECISIONS.md). Gateway A
  // created the draft; B then changes it, so A's memory is stale for A's next decisions.
  const onA = await TestClient.connect(gwA.url, tokenFor('multi-3'));
  const onB = await TestClient.connect(gwB.url, tokenFor('multi-3'));
  try {
    const steps = [task('t1'), task('t2'), task('t3'), task('t4')];
    const { sessionId: sid, version: v1 } = await onA.sendOk('WORKFLOW_SUBMIT', { mode: 'step_by_step', plan: { steps } });
    const onB1 = await onB.sendOk('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 't1', reason: 'no' }, sid);
    expect(onB1['version']).toBeGreaterThan(v1);

    // A decision carrying the version B's acknowledgement gave is current, not a conflict.
    const onA1 = await onA.sendOk('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 't2', reason: 'no', expectedVersion: onB1['version'] }, sid);
    // One without a version is applied on top of B's change, not over it.
    const onB2 = await onB.sendOk('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 't3', reason: 'no' }, sid);
    const onA2 = await onA.sendOk('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 't4', reason: 'no' }, sid);
    expect([onA1['version'], onB2['version'], onA2['version']]).toEqual([onB1['version'] + 1, onB1['version'] + 2, onB1['version'] + 3]);
    // A version that really is stale is still refused, whichever gateway remembers what.
    const stale = await onA.send('WORKFLOW_APPROVAL', { action: 'approve_all', expectedVersion: onB2['version'] }, sid);
    expect(stale).toMatchObject({ ok: false, error: { code: 'conflict' } });

    const stored = await readDraft(redis, prefix, sid);
    expect(stored.version).toBe(onA2['version']);
    expect(stored.steps.map((s: any) => s.approvalStatus)).toEqual(['step_rejected', 'step_rejected', 'step_rejected', 'step_rejected']);
  } finally {
    onA.close();
    onB.close();
  }
});
