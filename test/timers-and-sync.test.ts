/**
 * Issue 4: durable timers that fire after every process restarted, reminders, resume after a
 * dropped connection with no gap and no duplicate, expectedVersion races and messageId resends.
 */
import { TestClient, isType, stepEvent, tokenFor, workflowEnded } from './support/client';
import { Queue, type Job } from 'bullmq';
import { TIMER_QUEUE } from '@wfa/queue';
import { newPrefix, redisUrl, startGateway, startWorker } from './support/processes';
import { openRedis, pollUntil } from './support/state';

const oneStep = (title: string) => ({ plan: { steps: [{ id: 't1', type: 'task', action: 'create_task', description: title, params: { title } }] } });
const sortIds = (ids: string[]) => [...ids].sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]));

test('a draft left alone is rejected by its timeout, even though every process restarted meanwhile', async () => {
  const prefix = newPrefix();
  let gateway = await startGateway(prefix);
  let worker = await startWorker(prefix);
  const user = 'walks-away';
  try {
    const c = await TestClient.connect(gateway.url, tokenFor(user));
    await c.sendOk('PREFERENCES_SET', { preferences: { timeout: { timeoutMs: 4000, defaultAction: 'auto_reject', reminderIntervals: [1500] } } });
    const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', oneStep('Forgotten task'));
    c.close();
    // Every process goes away before the timers are due, hard.
    await Promise.all([gateway.stop('SIGKILL'), worker.stop('SIGKILL')]);
    gateway = await startGateway(prefix);
    worker = await startWorker(prefix);

    const back = await TestClient.connect(gateway.url, tokenFor(user));
    await back.sendOk('WORKFLOW_SUBSCRIBE', {}, sessionId);
    const end = await back.waitFor(workflowEnded(sessionId, 'cancelled'), 30_000, 'timeout to reject the draft');
    expect(end.payload.steps).toEqual([expect.objectContaining({ id: 't1', approvalStatus: 'step_rejected' })]);
    const reminder = await back.waitFor(isType('WORKFLOW_REMINDER', sessionId));
    expect(reminder.payload).toMatchObject({ pendingStepIds: ['t1'], expiresAt: expect.any(Number) });
    expect(back.of(sessionId, 'STEP_EXECUTION')).toHaveLength(0);
    // Fired once: one reminder event (a reminder that reached this socket live before its
    // subscribe is replayed again by the full replay, with the same eventId; DECISIONS.md).
    expect(new Set(back.of(sessionId, 'WORKFLOW_REMINDER').map((e) => e.eventId)).size).toBe(1);
    back.close();
  } finally {
    await Promise.all([gateway.stop(), worker.stop()]);
  }
});

test('auto_approve at timeout approves only the low-risk steps', async () => {
  const prefix = newPrefix();
  const [gateway, worker] = await Promise.all([startGateway(prefix), startWorker(prefix)]);
  try {
    const c = await TestClient.connect(gateway.url, tokenFor('half-auto'));
    await c.sendOk('PREFERENCES_SET', { preferences: { timeout: { timeoutMs: 1500, defaultAction: 'auto_approve', reminderIntervals: [] } } });
    const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', {
      plan: {
        steps: [
          { id: 'low', type: 'task', action: 'create_task', description: 'low risk', params: { title: 'x' } },
          { id: 'high', type: 'email', action: 'send_email', description: 'high risk', params: { recipient: 'a@b.co', subject: 'hi' } },
        ],
      },
    });
    await c.waitFor(stepEvent(sessionId, 'low', 'completed'), 30_000);
    const end = await c.waitFor((e) => e.type === 'WORKFLOW_STATUS' && e.sessionId === sessionId && e.payload.planState === 'completed');
    expect(end.payload.steps.find((s: any) => s.id === 'high').approvalStatus).toBe('step_rejected');
    expect(c.of(sessionId, 'STEP_EXECUTION').some((e) => e.payload.stepId === 'high')).toBe(false);
    c.close();
  } finally {
    await Promise.all([gateway.stop(), worker.stop()]);
  }
});

/** The delayed "retire" check of a workflow that has not run yet. */
async function pendingRetireCheck(timers: Queue, sessionId: string): Promise<Job> {
  return pollUntil(
    async () => (await timers.getDelayed()).find((j) => j.id?.startsWith(`${sessionId}__retire__`)),
    10_000,
    'a delayed retire check',
  );
}

test("a workflow whose records expired leaves its owner's index by a durable timer, without anyone listing", async () => {
  const prefix = newPrefix();
  const [gateway, worker] = await Promise.all([startGateway(prefix), startWorker(prefix)]);
  const redis = openRedis(redisUrl());
  // BullMQ leaves a connection it is given open on close: this one is the test's own, closed below.
  const timers = new Queue(TIMER_QUEUE, { connection: redis, prefix: `${prefix}{wfa}` });
  const user = 'left-behind';
  const index = `${prefix}approvals:{${user}}:active`;
  try {
    const c = await TestClient.connect(gateway.url, tokenFor(user));
    await c.sendOk('PREFERENCES_SET', { preferences: { timeout: { timeoutMs: 3_600_000, defaultAction: 'save_draft', reminderIntervals: [] } } });
    const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', oneStep('Never decided'));
    c.close();
    const draftKey = `${prefix}workflow:draft:{${sessionId}}`;
    expect(await redis.zscore(index, sessionId)).not.toBeNull();

    // The first check is due a minute after the draft's keys would go (here 2 h: the window is 1 h).
    const first = await pendingRetireCheck(timers, sessionId);
    const dueIn = first.timestamp + first.opts.delay! - Date.now();
    const ttl = await redis.pttl(draftKey);
    expect(Math.abs(dueIn - (ttl + 60_000))).toBeLessThan(10_000);

    // Due while the records still live (they were refreshed): it looks again later, and keeps the entry.
    await first.promote();
    const second = await pollUntil(
      async () => (await timers.getDelayed()).find((j) => j.id?.startsWith(`${sessionId}__retire__`) && j.id !== first.id),
      10_000,
      'the next retire check',
    );
    expect(await timers.getJob(first.id!).then((j) => j?.returnvalue)).toBe('rescheduled');
    expect(await redis.zscore(index, sessionId)).not.toBeNull();

    // The records expire (as Redis does after their TTL); the next check takes the entry out by itself.
    const keys = await redis.keys(`${prefix}workflow:*{${sessionId}}*`);
    expect(keys).toContain(draftKey);
    await redis.del(...keys);
    await second.promote();
    await pollUntil(async () => (await redis.zscore(index, sessionId)) === null, 10_000, 'the entry to leave the index');
    expect(await timers.getJob(second.id!).then((j) => j?.returnvalue)).toBe('retired');
  } finally {
    await timers.close();
    redis.disconnect();
    await Promise.all([gateway.stop(), worker.stop()]);
  }
});

test('a client that lost its connection mid-run catches up with exactly the events it missed', async () => {
  const prefix = newPrefix();
  const [gateway, worker] = await Promise.all([startGateway(prefix), startWorker(prefix, { HANDLER_LATENCY_MS: '400' })]);
  const user = 'flaky-wifi';
  try {
    const steady = await TestClient.connect(gateway.url, tokenFor(user));
    const flaky = await TestClient.connect(gateway.url, tokenFor(user));
    const { sessionId } = await steady.sendOk('WORKFLOW_SUBMIT', {
      plan: {
        steps: [
          { id: 'a', type: 'task', action: 'create_task', description: 'a', params: { title: 'a' } },
          { id: 'b', type: 'task', action: 'create_task', description: 'b', params: { title: 'b' }, dependsOn: ['a'] },
          { id: 'c', type: 'task', action: 'create_task', description: 'c', params: { title: 'c' }, dependsOn: ['b'] },
        ],
      },
    });
    await steady.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    await flaky.waitFor(stepEvent(sessionId, 'a', 'running'));
    const seen = flaky.of(sessionId).map((e) => e.eventId as string);
    flaky.close();

    await steady.waitFor(workflowEnded(sessionId));
    const all = steady.of(sessionId).map((e) => e.eventId as string);

    const back = await TestClient.connect(gateway.url, tokenFor(user));
    const lastEventId = seen[seen.length - 1];
    await back.sendOk('WORKFLOW_SUBSCRIBE', { lastEventId }, sessionId);
    // First the status snapshot, then exactly the events the flaky client missed, in order.
    const [snapshot, ...rest] = back.of(sessionId);
    expect(snapshot?.type).toBe('WORKFLOW_STATUS');
    const replayed = rest.map((e) => e.eventId as string);
    expect(replayed.length).toBeGreaterThan(0);
    expect([...seen, ...replayed]).toEqual(all);
    expect(new Set(replayed).size).toBe(replayed.length);
    expect(sortIds(replayed)).toEqual(replayed);
    steady.close();
    back.close();
  } finally {
    await Promise.all([gateway.stop(), worker.stop()]);
  }
});

test('a client that reconnects mid-run, gets live events, then resumes, sees every event exactly once', async () => {
  const prefix = newPrefix();
  const [gateway, worker] = await Promise.all([startGateway(prefix), startWorker(prefix, { HANDLER_LATENCY_MS: '500' })]);
  const user = 'reconnects-early';
  try {
    const steady = await TestClient.connect(gateway.url, tokenFor(user));
    const flaky = await TestClient.connect(gateway.url, tokenFor(user));
    const chain = ['a', 'b', 'c'].map((id, i, ids) => ({ id, type: 'task', action: 'create_task', description: id, params: { title: id }, ...(i ? { dependsOn: [ids[i - 1]] } : {}) }));
    // step_by_step: b and c are approved only after the new socket is connected, so it is certain
    // to receive live events before it resumes, however slow the machine.
    const { sessionId } = await steady.sendOk('WORKFLOW_SUBMIT', { mode: 'step_by_step', plan: { steps: chain } });
    await steady.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'a' }, sessionId);
    await flaky.waitFor(stepEvent(sessionId, 'a', 'running'));
    const seen = flaky.of(sessionId).map((e) => e.eventId as string);
    flaky.close();

    const back = await TestClient.connect(gateway.url, tokenFor(user));
    await steady.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'b' }, sessionId);
    await steady.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'c' }, sessionId);
    await back.waitFor(stepEvent(sessionId, 'b', 'running'));
    const liveBefore = back.of(sessionId).length;
    await back.sendOk('WORKFLOW_SUBSCRIBE', { lastEventId: seen[seen.length - 1] }, sessionId);
    await back.waitFor(workflowEnded(sessionId));
    await steady.waitFor(workflowEnded(sessionId));

    const all = steady.of(sessionId).map((e) => e.eventId as string);
    // Everything the new socket got, minus the subscribe's status snapshot (not a log event).
    const received = back.of(sessionId);
    const snapshot = received.findIndex((e, i) => i >= liveBefore && e.type === 'WORKFLOW_STATUS');
    const logged = received.filter((_, i) => i !== snapshot).map((e) => e.eventId as string);
    expect(logged.length).toBeGreaterThan(0);
    expect(new Set(logged).size).toBe(logged.length); // none twice on the new socket
    expect([...seen, ...logged].sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]))).toEqual(all); // no gap, no overlap
    steady.close();
    back.close();
  } finally {
    await Promise.all([gateway.stop(), worker.stop()]);
  }
});

test('a socket that asks again for what followed an event it was sent gets every later event, each time it asks', async () => {
  const prefix = newPrefix();
  const [gateway, worker] = await Promise.all([startGateway(prefix), startWorker(prefix)]);
  try {
    const c = await TestClient.connect(gateway.url, tokenFor('asks-again'));
    const chain = ['a', 'b'].map((id, i, ids) => ({ id, type: 'task', action: 'create_task', description: id, params: { title: id }, ...(i ? { dependsOn: [ids[i - 1]] } : {}) }));
    const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', { plan: { steps: chain } });
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    await c.waitFor(workflowEnded(sessionId, 'completed'));
    // This socket got the whole log live (every socket of the owner does, SPEC §5).
    const live = c.of(sessionId).map((e) => e.eventId as string);
    const from = live[2] as string;
    const after = live.slice(3);
    expect(after.length).toBeGreaterThan(2);
    for (let round = 0; round < 2; round++) {
      const mark = c.events.length;
      const ack = await c.sendOk('WORKFLOW_SUBSCRIBE', { lastEventId: from }, sessionId);
      const [snapshot, ...rest] = c.events.slice(mark).filter((e) => e.sessionId === sessionId);
      expect(snapshot?.type).toBe('WORKFLOW_STATUS');
      // SPEC §5: "WORKFLOW_STATUS now, then every event after lastEventId, in order, none twice".
      expect(rest.map((e) => e.eventId)).toEqual(after);
      expect(ack['replayed']).toBe(after.length);
    }
    c.close();
  } finally {
    await Promise.all([gateway.stop(), worker.stop()]);
  }
});

test('two clients racing on one step with the same expectedVersion: exactly one wins', async () => {
  const prefix = newPrefix();
  const gateway = await startGateway(prefix);
  try {
    const one = await TestClient.connect(gateway.url, tokenFor('racer'));
    const two = await TestClient.connect(gateway.url, tokenFor('racer'));
    for (let round = 0; round < 5; round++) {
      const { sessionId, version } = await one.sendOk('WORKFLOW_SUBMIT', oneStep(`race ${round}`));
      const [a, b] = await Promise.all([
        one.send('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 't1', expectedVersion: version }, sessionId),
        two.send('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 't1', reason: 'no', expectedVersion: version }, sessionId),
      ]);
      const oks = [a, b].filter((r) => r.ok);
      const losers = [a, b].filter((r) => !r.ok);
      expect(oks).toHaveLength(1);
      expect(losers).toEqual([{ ok: false, error: expect.objectContaining({ code: 'conflict' }) }]);
      expect((oks[0] as any).version).toBe(version + 1);
      await one.sendOk('WORKFLOW_APPROVAL', { action: 'cancel_all' }, sessionId).catch(() => undefined);
    }
    one.close();
    two.close();
  } finally {
    await gateway.stop();
  }
});

test('a resend with the same messageId is applied once and answered with the first answer', async () => {
  const prefix = newPrefix();
  const gateway = await startGateway(prefix);
  try {
    const c = await TestClient.connect(gateway.url, tokenFor('resender'));
    const { sessionId, version } = await c.sendOk('WORKFLOW_SUBMIT', oneStep('Once'));
    const extra = { messageId: 'msg-approve-1' };
    const first = await c.send('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 't1', reason: 'once' }, sessionId, extra);
    const second = await c.send('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 't1', reason: 'once' }, sessionId, extra);
    expect(first).toMatchObject({ ok: true, version: version + 1 });
    expect(second).toEqual(first);
    const sub = await c.sendOk('WORKFLOW_SUBSCRIBE', {}, sessionId);
    expect(sub['version']).toBe(version + 1);
    // A create with a messageId makes one workflow, however often it is resent.
    const make = { messageId: 'msg-create-1' };
    const [x, y] = await Promise.all([
      c.send('WORKFLOW_SUBMIT', oneStep('Exactly one'), undefined, make),
      c.send('WORKFLOW_SUBMIT', oneStep('Exactly one'), undefined, make),
    ]);
    expect(x).toEqual(y);
    // (The first workflow ended when its only step was rejected, so the inbox holds just this one.)
    const list = await c.sendOk('WORKFLOW_LIST', {});
    expect(list['workflows'].map((w: any) => w.sessionId)).toEqual([(x as any).sessionId]);
    c.close();
  } finally {
    await gateway.stop();
  }
});
