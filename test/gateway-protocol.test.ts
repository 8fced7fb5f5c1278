/**
 * The gateway's edges as a client meets them: authentication, authorization, malformed input,
 * limits, health and Bull Board. Every refusal changes nothing and leaves the socket usable.
 */
import { TestClient, isType, tokenFor, workflowEnded } from './support/client';
import Redis from 'ioredis';
import { TEST_SECRET, redisUrl, useStack } from './support/processes';
import jwt from 'jsonwebtoken';

const stack = useStack({ gateway: { MAX_MESSAGE_BYTES: '4096' } });

const oneStepPlan = (title = 'Call mom') => ({
  plan: { steps: [{ id: 'task_1', type: 'task', action: 'create_task', description: title, params: { title } }] },
});

describe('authentication', () => {
  test('no token, a bad token, another algorithm, an expired token and an unknown timezone claim are refused with "unauthorized"', async () => {
    const none = jwt.sign({ sub: 'x', alg: 'none' }, '', { algorithm: 'none' as any });
    const hs512 = jwt.sign({ sub: 'x' }, TEST_SECRET, { algorithm: 'HS512' });
    const expired = jwt.sign({ sub: 'x', exp: Math.floor(Date.now() / 1000) - 10 }, TEST_SECRET, { algorithm: 'HS256' });
    const wrongSecret = jwt.sign({ sub: 'x' }, 'another-secret-entirely-123', { algorithm: 'HS256' });
    const noSub = jwt.sign({ roles: ['user'] }, TEST_SECRET, { algorithm: 'HS256' });
    const badZone = jwt.sign({ sub: 'x', timezone: 'Not/AZone' }, TEST_SECRET, { algorithm: 'HS256' });
    for (const token of [undefined, 'garbage', none, hs512, expired, wrongSecret, noSub, badZone]) {
      await expect(TestClient.connect(stack.gateway.url, token)).rejects.toThrow('unauthorized');
    }
  });
});

describe('authorization', () => {
  test("another user's workflow answers not_found, exactly like a missing one", async () => {
    const alice = await TestClient.connect(stack.gateway.url, tokenFor('alice-authz'));
    const bob = await TestClient.connect(stack.gateway.url, tokenFor('bob-authz'));
    try {
      const { sessionId } = await alice.sendOk('WORKFLOW_SUBMIT', oneStepPlan());
      for (const [type, payload] of [
        ['WORKFLOW_APPROVAL', { action: 'approve_all' }],
        ['WORKFLOW_APPROVAL', { action: 'cancel_all' }],
        ['WORKFLOW_EDIT', { operation: 'reject_step', stepId: 'task_1' }],
        ['WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'no_such_step' }],
        ['INTERVENTION_RESPONSE', { stepId: 'no_such_step', option: 'skip' }],
        ['FAILURE_RESOLUTION', { action: 'rollback_all' }],
        ['WORKFLOW_SUBSCRIBE', {}],
      ] as const) {
        const theirs = await bob.send(type, payload, sessionId);
        const missing = await bob.send(type, payload, 'wf_doesnotexist123');
        expect(theirs).toEqual({ ok: false, error: { code: 'not_found', message: `no workflow ${sessionId}` } });
        expect(missing.ok).toBe(false);
        if (!missing.ok && !theirs.ok) expect(missing.error.code).toBe(theirs.error.code);
      }
      // Not even the worker's bookkeeping changed: the refused rollback marked nothing active.
      const redis = new Redis(redisUrl());
      try {
        expect(await redis.smembers(`${stack.prefix}wfa:{active}:workflows`)).not.toEqual(expect.arrayContaining([sessionId]));
        expect(await redis.sismember(`${stack.prefix}wfa:{active}:workflows`, 'wf_doesnotexist123')).toBe(0);
      } finally {
        redis.disconnect();
      }
      // The owner learns which step is unknown; the workflow itself is there.
      const unknownStep = await alice.send('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'no_such_step' }, sessionId);
      expect(unknownStep).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringContaining('no_such_step') } });
      // Bob saw nothing of Alice's workflow and it is untouched.
      expect(bob.of(sessionId)).toHaveLength(0);
      const list = await alice.sendOk('WORKFLOW_LIST', {});
      expect(list['workflows'].find((w: any) => w.sessionId === sessionId)).toMatchObject({ approvalStatus: 'draft_pending', pendingStepIds: ['task_1'] });
      const bobList = await bob.sendOk('WORKFLOW_LIST', {});
      expect(bobList['workflows']).toEqual([]);
    } finally {
      alice.close();
      bob.close();
    }
  });
});

describe('malformed messages', () => {
  test('each is refused with a structured error and the socket stays usable', async () => {
    const c = await TestClient.connect(stack.gateway.url, tokenFor('mallory'));
    try {
      const cases: [string, unknown][] = [
        ['USER_MESSAGE', 'not an object'],
        ['USER_MESSAGE', { type: 'USER_MESSAGE', payload: { message: 42 } }],
        ['USER_MESSAGE', { type: 'WORKFLOW_LIST', payload: {} }],
        ['WORKFLOW_APPROVAL', { type: 'WORKFLOW_APPROVAL', payload: { action: 'approve_all' } }],
        ['WORKFLOW_APPROVAL', { type: 'WORKFLOW_APPROVAL', sessionId: 'wf_abcdefgh', payload: { action: 'explode' } }],
        ['WORKFLOW_SUBMIT', { type: 'WORKFLOW_SUBMIT', payload: { plan: { steps: [] } } }],
        ['WORKFLOW_SUBMIT', { type: 'WORKFLOW_SUBMIT', payload: { plan: { steps: [{ id: 'a' }] }, extra: 1 } }],
        ['WORKFLOW_LIST', JSON.parse('{"type":"WORKFLOW_LIST","payload":{"__proto__":{"polluted":true}},"timestamp":1}')],
        ['PREFERENCES_SET', JSON.parse('{"type":"PREFERENCES_SET","payload":{"preferences":{"constructor":{"prototype":{"polluted":true}}}}}')],
        ['WORKFLOW_LIST', { type: 'WORKFLOW_LIST', payload: { note: 'x'.repeat(10_000) } }],
      ];
      for (const [event, body] of cases) {
        const ack = (await c.socket.timeout(5000).emitWithAck(event, body)) as any;
        expect({ event, body, ok: ack.ok }).toEqual({ event, body, ok: false });
        expect(ack.error.code).toBe('invalid_message');
        expect(typeof ack.error.message).toBe('string');
      }
      const unknown = (await c.socket.timeout(5000).emitWithAck('DROP_TABLES', { type: 'DROP_TABLES', payload: {} })) as any;
      expect(unknown).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
      expect(({} as any).polluted).toBeUndefined();
      // Still usable, and nothing was created.
      const list = await c.sendOk('WORKFLOW_LIST', {});
      expect(list['workflows']).toEqual([]);
    } finally {
      c.close();
    }
  });

  test('a __proto__ key in params or modifications is refused, not silently left out', async () => {
    const c = await TestClient.connect(stack.gateway.url, tokenFor('proto-user'));
    try {
      const params = JSON.parse('{"title":"t","__proto__":{"notes":"INJECTED"}}');
      const submit = await c.send('WORKFLOW_SUBMIT', { plan: { steps: [{ id: 'a', type: 'task', action: 'create_task', description: 'a', params }] } });
      expect(submit).toMatchObject({ ok: false, error: { code: 'invalid_message', message: expect.stringContaining('__proto__') } });
      expect((await c.sendOk('WORKFLOW_LIST', {}))['workflows']).toEqual([]);

      const { sessionId, version } = await c.sendOk('WORKFLOW_SUBMIT', { plan: { steps: [{ id: 'a', type: 'task', action: 'create_task', description: 'a', params: { title: 't' } }] } });
      const newParams = JSON.parse('{"title":"T2","__proto__":{"notes":"INJECTED"}}');
      const edit = await c.send('WORKFLOW_EDIT', { operation: 'modify_params', stepId: 'a', newParams }, sessionId);
      expect(edit).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
      const snap = await c.sendOk('WORKFLOW_SUBSCRIBE', {}, sessionId);
      expect(snap['version']).toBe(version); // nothing changed
    } finally {
      c.close();
    }
  });

  test('a message without an acknowledgement callback gets an ERROR event', async () => {
    const c = await TestClient.connect(stack.gateway.url, tokenFor('noack'));
    try {
      c.socket.emit('WORKFLOW_APPROVAL', { type: 'WORKFLOW_APPROVAL', payload: {} });
      const err = await c.waitFor(isType('ERROR'));
      expect(err.payload.code).toBe('invalid_message');
    } finally {
      c.close();
    }
  });

  test('the acknowledgement is called whatever surrounds it: a callback alone, or extra arguments', async () => {
    const c = await TestClient.connect(stack.gateway.url, tokenFor('odd-arguments'));
    try {
      const alone = (await new Promise((resolve) => c.socket.emit('WORKFLOW_LIST', resolve))) as any;
      expect(alone).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
      const envelope = { type: 'WORKFLOW_LIST', payload: {}, timestamp: Date.now() };
      const extra = (await new Promise((resolve) => c.socket.emit('WORKFLOW_LIST', envelope, 'extra', resolve))) as any;
      expect(extra).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
      expect(extra.error.message).toMatch(/one envelope/);
      // A callback passed as undefined (it arrives as null) is no extra argument.
      c.socket.emit('WORKFLOW_LIST', envelope, undefined);
      c.socket.emit('WORKFLOW_LIST', { ...envelope, payload: { bogus: 1 } }, undefined);
      const refused = await c.waitFor(isType('ERROR'));
      expect(refused.payload.message).toMatch(/invalid WORKFLOW_LIST payload/);
      // Still usable.
      expect((await c.sendOk('WORKFLOW_LIST', {}))['workflows']).toEqual([]);
    } finally {
      c.close();
    }
  });

  test('plans that cannot run are refused with invalid_plan, naming the cycle', async () => {
    const c = await TestClient.connect(stack.gateway.url, tokenFor('planner-user'));
    try {
      const step = (id: string, dependsOn: string[]) => ({ id, type: 'task', action: 'create_task', description: id, params: { title: id }, dependsOn });
      const cycle = await c.send('WORKFLOW_SUBMIT', { plan: { steps: [step('a', ['c']), step('b', ['a']), step('c', ['b'])] } });
      expect(cycle.ok).toBe(false);
      if (!cycle.ok) {
        expect(cycle.error.code).toBe('invalid_plan');
        expect(cycle.error.message).toMatch(/a/);
        expect(cycle.error.message).toMatch(/->|→/);
      }
      const unknownDep = await c.send('WORKFLOW_SUBMIT', { plan: { steps: [step('a', ['nope'])] } });
      expect(unknownDep).toMatchObject({ ok: false, error: { code: 'invalid_plan' } });
      const self = await c.send('WORKFLOW_SUBMIT', { plan: { steps: [step('a', ['a'])] } });
      expect(self).toMatchObject({ ok: false, error: { code: 'invalid_plan' } });
      const unknownAction = await c.send('WORKFLOW_SUBMIT', { plan: { steps: [{ id: 'a', type: 'task', action: 'launch_rocket', description: 'x', params: {} }] } });
      expect(unknownAction).toMatchObject({ ok: false, error: { code: 'invalid_plan' } });
      const badParams = await c.send('WORKFLOW_SUBMIT', { plan: { steps: [{ id: 'a', type: 'task', action: 'create_task', description: 'x', params: { title: 'x', colour: 'red' } }] } });
      expect(badParams).toMatchObject({ ok: false, error: { code: 'invalid_plan' } });
      const missingParam = await c.send('WORKFLOW_SUBMIT', { plan: { steps: [{ id: 'a', type: 'email', action: 'send_email', description: 'x', params: { subject: 'hi' } }] } });
      expect(missingParam).toMatchObject({ ok: false, error: { code: 'invalid_plan' } });
      const unplannable = await c.send('USER_MESSAGE', { message: 'What is the meaning of life?' });
      expect(unplannable).toMatchObject({ ok: false, error: { code: 'invalid_plan' } });
      expect((await c.sendOk('WORKFLOW_LIST', {}))['workflows']).toEqual([]);
    } finally {
      c.close();
    }
  });
});

describe('limits and resends', () => {
  test('a message nested too deeply to measure is refused as too deep, not let through as 0 bytes', async () => {
    const c = await TestClient.connect(stack.gateway.url, tokenFor('deep-nesting'));
    try {
      // Written as raw socket.io text: socket.io-client itself overflows its stack encoding such
      // a value, and JSON.stringify overflows on it too, which is what let it past the size limit.
      const deep = '['.repeat(20_000) + ']'.repeat(20_000);
      const frame = `2["WORKFLOW_SUBMIT",{"type":"WORKFLOW_SUBMIT","payload":{"plan":{"steps":[{"id":"a","type":"task","action":"create_task","description":"d","params":{"title":"t"},"extra":${deep}}]}}}]`;
      (c.socket.io.engine as unknown as { write(data: string): void }).write(frame);
      const refused = await c.waitFor(isType('ERROR'), 10_000, 'ERROR for the deep message');
      expect(refused.payload).toMatchObject({ code: 'invalid_message', message: expect.stringMatching(/nests deeper than 100 levels/) });
      // Still usable, nothing created.
      expect((await c.sendOk('WORKFLOW_LIST', {}))['workflows']).toEqual([]);
    } finally {
      c.close();
    }
  });

  test('a socket flooding made-up message names is rate limited like any other; other sockets are not', async () => {
    const flooder = await TestClient.connect(stack.gateway.url, tokenFor('flooder'));
    const other = await TestClient.connect(stack.gateway.url, tokenFor('flooder'));
    try {
      const acks = (await Promise.all(
        Array.from({ length: 200 }, (_, i) => flooder.socket.timeout(10_000).emitWithAck(`NOPE_${i}`, { type: `NOPE_${i}`, payload: {} })),
      )) as any[];
      const codes = acks.map((a) => a?.error?.code);
      expect(new Set(codes)).toEqual(new Set(['invalid_message', 'rate_limited']));
      // The bucket holds 40 at once (RATE_LIMIT_BURST): far fewer than 200 get past it.
      expect(codes.filter((code) => code === 'invalid_message').length).toBeLessThan(100);
      expect((await other.sendOk('WORKFLOW_LIST', {}))['workflows']).toEqual([]);
    } finally {
      flooder.close();
      other.close();
    }
  });

  test('concurrent creates cannot pass the live-workflow limit together', async () => {
    const c = await TestClient.connect(stack.gateway.url, tokenFor(`many-at-once-${Date.now()}`));
    try {
      const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => c.send('WORKFLOW_SUBMIT', oneStepPlan(`task ${i}`))));
      const ok = acks.filter((a) => a.ok);
      expect(ok).toHaveLength(20);
      for (const a of acks.filter((x) => !x.ok)) expect(a).toMatchObject({ ok: false, error: { code: 'limit_exceeded' } });
      expect((await c.sendOk('WORKFLOW_LIST', {}))['workflows']).toHaveLength(20);
      // A finished workflow frees its slot.
      const first = ok[0]?.['sessionId'] as string;
      await c.sendOk('WORKFLOW_APPROVAL', { action: 'cancel_all' }, first);
      await c.sendOk('WORKFLOW_SUBMIT', oneStepPlan('one more'));
      expect(await c.send('WORKFLOW_SUBMIT', oneStepPlan('too many'))).toMatchObject({ ok: false, error: { code: 'limit_exceeded' } });
    } finally {
      c.close();
    }
  });

  test('a messageId reused on another workflow is another message, applied on its own', async () => {
    const c = await TestClient.connect(stack.gateway.url, tokenFor(`reused-id-${Date.now()}`));
    try {
      const one = (await c.sendOk('WORKFLOW_SUBMIT', oneStepPlan('one')))['sessionId'] as string;
      const two = (await c.sendOk('WORKFLOW_SUBMIT', oneStepPlan('two')))['sessionId'] as string;
      const approve = await c.send('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'task_1' }, one, { messageId: 'm-1' });
      expect(approve).toMatchObject({ ok: true, version: 2 });
      // The same id on the same workflow is a resend: the first answer, applied once.
      expect(await c.send('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'task_1' }, one, { messageId: 'm-1' })).toEqual(approve);
      const cancel = await c.send('WORKFLOW_APPROVAL', { action: 'cancel_all' }, two, { messageId: 'm-1' });
      expect(cancel).toMatchObject({ ok: true });
      await c.waitFor(workflowEnded(two, 'cancelled'));
    } finally {
      c.close();
    }
  });

  test('a lastEventId after the end of the log is refused; the snapshot id a client last got is fine', async () => {
    const c = await TestClient.connect(stack.gateway.url, tokenFor(`ahead-${Date.now()}`));
    try {
      const sessionId = (await c.sendOk('WORKFLOW_SUBMIT', oneStepPlan('ahead')))['sessionId'] as string;
      const draft = await c.waitFor(isType('WORKFLOW_DRAFT', sessionId));
      const [ms] = draft.eventId!.split('-');
      const ahead = `${Number(ms) + 60_000}-0`;
      const refused = await c.send('WORKFLOW_SUBSCRIBE', { lastEventId: ahead }, sessionId);
      expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_message', details: { field: 'lastEventId', lastLoggedEventId: draft.eventId } } });
      expect(c.of(sessionId, 'WORKFLOW_STATUS')).toHaveLength(0); // nothing was sent for it
      // A subscribe at the end of the log answers with a snapshot whose id is just after it; that
      // id, sent back, is not "ahead".
      expect(await c.send('WORKFLOW_SUBSCRIBE', { lastEventId: draft.eventId }, sessionId)).toMatchObject({ ok: true, replayed: 0 });
      const snap = await c.waitFor(isType('WORKFLOW_STATUS', sessionId));
      expect(await c.send('WORKFLOW_SUBSCRIBE', { lastEventId: snap.eventId }, sessionId)).toMatchObject({ ok: true, replayed: 0 });
      // And the workflow still runs, its events reaching this socket.
      await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
      await c.waitFor(workflowEnded(sessionId, 'completed'));
    } finally {
      c.close();
    }
  });

  test('a connection ends when its token expires: told why, and no more events', async () => {
    const exp = Math.floor(Date.now() / 1000) + 8;
    const token = jwt.sign({ sub: `expiring-${Date.now()}`, exp }, TEST_SECRET, { algorithm: 'HS256' });
    const c = await TestClient.connect(stack.gateway.url, token);
    const closed = new Promise<string>((resolve) => c.socket.on('disconnect', (reason) => resolve(reason)));
    try {
      await c.sendOk('WORKFLOW_LIST', {});
      expect(await closed).toBe('io server disconnect');
      expect(c.events.filter(isType('ERROR')).map((e) => e.payload.code)).toEqual(['unauthorized']);
      await expect(TestClient.connect(stack.gateway.url, token)).rejects.toThrow('unauthorized');
    } finally {
      c.close();
    }
  });
});

describe('decisions', () => {
  test('a field the decision does not read is refused, not dropped while the rest is applied', async () => {
    const c = await TestClient.connect(stack.gateway.url, tokenFor('stray-fields'));
    try {
      const { sessionId, version } = await c.sendOk('WORKFLOW_SUBMIT', oneStepPlan('Original'));
      for (const [type, payload] of [
        ['WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'task_1', modifications: { title: 'Changed' } }],
        ['WORKFLOW_APPROVAL', { action: 'approve_all', stepId: 'no_such_step' }],
        ['WORKFLOW_APPROVAL', { action: 'cancel_all', stepId: 'task_1' }],
        ['WORKFLOW_EDIT', { operation: 'approve_step', stepId: 'task_1', newParams: { title: 'Changed' } }],
      ] as const) {
        const ack = await c.send(type, payload, sessionId);
        expect({ payload, ack }).toMatchObject({ payload, ack: { ok: false, error: { code: 'invalid_message' } } });
      }
      const snap = await c.sendOk('WORKFLOW_SUBSCRIBE', {}, sessionId);
      expect(snap['version']).toBe(version); // nothing changed
    } finally {
      c.close();
    }
  });

  test('cancel_all ends the workflow as cancelled and nothing can be decided afterwards', async () => {
    const c = await TestClient.connect(stack.gateway.url, tokenFor('canceller'));
    try {
      const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', oneStepPlan('Never run me'));
      const ack = await c.sendOk('WORKFLOW_APPROVAL', { action: 'cancel_all' }, sessionId);
      expect(ack['version']).toEqual(expect.any(Number));
      const status = await c.waitFor(workflowEnded(sessionId, 'cancelled'));
      expect(status.payload.approvalStatus).toBe('user_cancelled');
      const late = await c.send('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
      expect(late).toMatchObject({ ok: false, error: { code: 'invalid_state' } });
      expect(c.of(sessionId, 'STEP_EXECUTION')).toHaveLength(0);
    } finally {
      c.close();
    }
  });

  test('approving a step that already ran is invalid_state; a stale expectedVersion is a conflict', async () => {
    const c = await TestClient.connect(stack.gateway.url, tokenFor('decider'));
    try {
      const { sessionId, version } = await c.sendOk('WORKFLOW_SUBMIT', oneStepPlan('Water plants'));
      const first = await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'task_1', expectedVersion: version }, sessionId);
      await c.waitFor(workflowEnded(sessionId));
      const again = await c.send('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 'task_1' }, sessionId);
      expect(again).toMatchObject({ ok: false, error: { code: 'invalid_state' } });
      const stale = await c.send('WORKFLOW_APPROVAL', { action: 'approve_all', expectedVersion: first['version'] - 1 }, sessionId);
      expect(stale).toMatchObject({ ok: false, error: { code: 'conflict' } });
      const unknownStep = await c.send('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'nope' }, sessionId);
      expect(unknownStep.ok).toBe(false);
    } finally {
      c.close();
    }
  });

  test("USER_MESSAGE without a timezone plans in the zone of localDatetime's offset; the token's zone comes first", async () => {
    const c = await TestClient.connect(stack.gateway.url, tokenFor('wall-clock'));
    const zoned = await TestClient.connect(stack.gateway.url, tokenFor('wall-clock-paris', { timezone: 'Europe/Paris' }));
    try {
      const plannedFrom = async (client: TestClient, localDatetime: string) => {
        const { sessionId } = await client.sendOk('USER_MESSAGE', { message: 'What do I have today?', localDatetime });
        const draft = await client.waitFor(isType('WORKFLOW_DRAFT', sessionId));
        return String(draft.payload.steps[0].params.from);
      };
      // The client's wall clock, eight hours behind UTC (with and without the offset written).
      const la = new Date(Date.now() - 8 * 3600_000).toISOString().slice(0, 19);
      expect(await plannedFrom(c, `${la}-08:00`)).toMatch(/^\d{4}-\d\d-\d\dT00:00:00-08:00$/);
      expect(await plannedFrom(c, la)).toMatch(/T00:00:00-08:00$/);
      expect((await plannedFrom(c, la)).slice(0, 10)).toBe(la.slice(0, 10));
      expect(await plannedFrom(zoned, `${la}-08:00`)).toMatch(/T00:00:00\+01:00$|T00:00:00\+02:00$/);
    } finally {
      c.close();
      zoned.close();
    }
  });

  test('step_by_step: an approved step runs before the others are decided', async () => {
    const c = await TestClient.connect(stack.gateway.url, tokenFor('stepper'));
    try {
      const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', {
        mode: 'step_by_step',
        plan: {
          steps: [
            { id: 'first', type: 'task', action: 'create_task', description: 'first', params: { title: 'first' } },
            { id: 'second', type: 'task', action: 'create_task', description: 'second', params: { title: 'second' }, dependsOn: ['first'] },
          ],
        },
      });
      await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'first' }, sessionId);
      await c.waitFor((e) => e.type === 'STEP_EXECUTION' && e.sessionId === sessionId && e.payload.stepId === 'first' && e.payload.status === 'completed');
      expect(c.of(sessionId, 'STEP_EXECUTION').some((e) => e.payload.stepId === 'second')).toBe(false);
      await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'second' }, sessionId);
      await c.waitFor(workflowEnded(sessionId));
    } finally {
      c.close();
    }
  });

  test("every event reaches every socket of the owner, and only the owner's", async () => {
    const a1 = await TestClient.connect(stack.gateway.url, tokenFor('twotabs'));
    const a2 = await TestClient.connect(stack.gateway.url, tokenFor('twotabs'));
    const other = await TestClient.connect(stack.gateway.url, tokenFor('stranger'));
    try {
      const { sessionId } = await a1.sendOk('WORKFLOW_SUBMIT', oneStepPlan('Both tabs'));
      await a2.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
      await a1.waitFor(workflowEnded(sessionId));
      await a2.waitFor(workflowEnded(sessionId));
      expect(a1.of(sessionId).map((e) => e.eventId)).toEqual(a2.of(sessionId).map((e) => e.eventId));
      expect(other.of(sessionId)).toHaveLength(0);
    } finally {
      a1.close();
      a2.close();
      other.close();
    }
  });
});

describe('http', () => {
  test('/health answers ok while Redis answers', async () => {
    const res = await fetch(`${stack.gateway.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('Bull Board needs an admin token', async () => {
    expect((await fetch(`${stack.gateway.url}/admin/queues`)).status).toBe(401);
    const user = tokenFor('plain-user');
    expect((await fetch(`${stack.gateway.url}/admin/queues`, { headers: { authorization: `Bearer ${user}` } })).status).toBe(403);
    const admin = tokenFor('ops', { roles: ['admin'] });
    const ok = await fetch(`${stack.gateway.url}/admin/queues`, { headers: { authorization: `Bearer ${admin}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/<html/i);
  });

  test('/metrics: an admin token reads counters that move with the traffic, and the queues by state', async () => {
    const url = `${stack.gateway.url}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(`${url}?token=${tokenFor('ops', { roles: ['admin'] })}`)).status).toBe(401); // a header only
    expect((await fetch(url, { headers: { authorization: `Bearer ${tokenFor('plain-user')}` } })).status).toBe(403);
    const admin = { headers: { authorization: `Bearer ${tokenFor('ops', { roles: ['admin'] })}` } };
    const scrape = async () => {
      const res = await fetch(url, admin);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.text();
    };
    const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}".+]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    const before = await scrape();
    const c = await TestClient.connect(stack.gateway.url, tokenFor('metrics-user'));
    try {
      const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', oneStepPlan('Metered'));
      await c.send('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'no_such_step' }, sessionId);
      await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
      await c.waitFor(workflowEnded(sessionId, 'completed'));
      const after = await scrape();
      const ok = 'wfa_gateway_messages_total{type="WORKFLOW_APPROVAL",outcome="ok"}';
      const refused = 'wfa_gateway_messages_total{type="WORKFLOW_APPROVAL",outcome="not_found"}';
      expect(value(after, ok) - value(before, ok)).toBe(1);
      expect(value(after, refused) - value(before, refused)).toBe(1);
      expect(value(after, 'wfa_gateway_message_seconds_count{type="WORKFLOW_SUBMIT"}')).toBeGreaterThan(value(before, 'wfa_gateway_message_seconds_count{type="WORKFLOW_SUBMIT"}'));
      // The draft, the approval's status, the step's start and end, the plan's end: at least 5.
      expect(value(after, 'wfa_gateway_events_delivered_total') - value(before, 'wfa_gateway_events_delivered_total')).toBeGreaterThanOrEqual(5);
      expect(value(after, 'wfa_gateway_sockets')).toBeGreaterThanOrEqual(1);
      expect(value(after, 'wfa_redis_up')).toBe(1);
      expect(value(after, 'wfa_gateway_relay_up')).toBe(1);
      // The step's job is there in some state (BullMQ may record it completed just after the event).
      const stepJobs = ['active', 'completed'].reduce((n, state) => n + value(after, `wfa_queue_jobs{queue="steps",state="${state}"}`), 0);
      expect(stepJobs).toBeGreaterThanOrEqual(1);
      expect(after).toMatch(/^wfa_queue_jobs\{queue="timers",state="delayed"\} \d+$/m);
      expect(after).toMatch(/^wfa_workflows_active \d+$/m);
      expect(after).toMatch(/^process_resident_memory_bytes \d+$/m);
    } finally {
      c.close();
    }
  });
});
