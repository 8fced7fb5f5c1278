/**
 * Issue 4: the seed's unknown-contact scenario end to end, the generic user_intervention action,
 * and interventions that time out.
 */
import Redis from 'ioredis';
import { SEED_REQUEST, TestClient, isType, stepEvent, tokenFor, workflowEnded } from './support/client';
import { redisUrl, startStack, useStack } from './support/processes';

const stack = useStack();

test('a user without John is asked for his address; the answer flows into the email draft', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor('no-john-user'));
  const redis = new Redis(redisUrl());
  try {
    const { sessionId } = await c.sendOk('USER_MESSAGE', { message: SEED_REQUEST });
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    const asked = await c.waitFor(stepEvent(sessionId, 'contact_lookup_1', 'waiting_intervention'));
    const ir = asked.payload.interventionRequired;
    expect(ir.reason).toMatch(/John/);
    expect(ir.options).toEqual(['Enter email address', 'Skip this step', 'Search with different name']);
    expect(ir.timeout).toBe(300);
    expect(ir.params).toMatchObject({ entityToResolve: { type: 'PERSON', value: 'John' }, timeout: 300, state: 'waiting_intervention' });
    // Stored under the seed's key.
    const stored = await redis.get(`${stack.prefix}intervention:{${sessionId}}:step:{contact_lookup_1}`);
    expect(stored).not.toBeNull();
    // The plan waits on the user; the inbox says so.
    const list = await c.sendOk('WORKFLOW_LIST', {});
    expect(list['workflows'].find((w: any) => w.sessionId === sessionId)).toMatchObject({ interventions: ['contact_lookup_1'] });

    // Answered with one of the options it offered (SPEC §5); one it did not offer is refused.
    const notOffered = await c.send('INTERVENTION_RESPONSE', { stepId: 'contact_lookup_1', option: 'Call John' }, sessionId);
    expect(notOffered).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    await c.sendOk('INTERVENTION_RESPONSE', { stepId: 'contact_lookup_1', option: 'Enter email address', value: 'john.smith@example.org' }, sessionId);
    const email = await c.waitFor(stepEvent(sessionId, 'email_draft_1', 'completed'));
    expect(email.payload.result.data.recipient).toBe('john.smith@example.org');
    const cal = await c.waitFor(stepEvent(sessionId, 'calendar_event_1', 'completed'));
    expect(cal.payload.result.data.attendees).toEqual(['john.smith@example.org']);
    await c.waitFor(workflowEnded(sessionId));
  } finally {
    c.close();
    redis.disconnect();
  }
});

test('"search with a different name" re-runs the lookup with the new input', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor('retry-user'));
  try {
    await c.sendOk('WORKFLOW_SUBMIT', {
      plan: { steps: [{ id: 'add', type: 'contact', action: 'create_contact', description: 'Add Jon', params: { name: 'Jonathan Smith', email: 'jon@example.org' } }] },
    }).then((a) => c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, a['sessionId']).then(() => c.waitFor(workflowEnded(a['sessionId']))));
    const { sessionId } = await c.sendOk('USER_MESSAGE', { message: 'Send email to Johnny about the budget' });
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    await c.waitFor(stepEvent(sessionId, 'contact_lookup_1', 'waiting_intervention'));
    await c.sendOk('INTERVENTION_RESPONSE', { stepId: 'contact_lookup_1', option: 'retry', value: 'Jonathan' }, sessionId);
    const found = await c.waitFor(stepEvent(sessionId, 'contact_lookup_1', 'completed'));
    expect(found.payload.result.data.email).toBe('jon@example.org');
    const email = await c.waitFor(stepEvent(sessionId, 'email_draft_1', 'completed'));
    expect(email.payload.result.data.recipient).toBe('jon@example.org');
  } finally {
    c.close();
  }
});

test('skipping the intervention resolves dependents by their rules (ask_user → conflict)', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor('skip-user'));
  try {
    const { sessionId } = await c.sendOk('USER_MESSAGE', { message: 'Send email to Zed about the launch' });
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    await c.waitFor(stepEvent(sessionId, 'contact_lookup_1', 'waiting_intervention'));
    await c.sendOk('INTERVENTION_RESPONSE', { stepId: 'contact_lookup_1', option: 'skip' }, sessionId);
    const conflict = await c.waitFor(isType('DEPENDENCY_CONFLICT', sessionId));
    expect(conflict.payload.affectedSteps.map((s: any) => s.stepId)).toEqual(['email_draft_1']);
    await c.sendOk('CONFLICT_RESOLUTION', { stepId: 'email_draft_1', option: 'skip_dependent' }, sessionId);
    const end = await c.waitFor((e) => e.type === 'WORKFLOW_STATUS' && e.sessionId === sessionId && ['completed', 'cancelled', 'failed'].includes(e.payload.planState));
    expect(end.payload.steps.map((s: any) => s.state)).toEqual(['skipped', 'skipped']);
  } finally {
    c.close();
  }
});

test('the generic user_intervention action asks, and the answer becomes its result', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor('ask-user'));
  try {
    const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', {
      plan: {
        steps: [
          { id: 'ask', type: 'system', action: 'user_intervention', description: 'Which room?', params: { reason: 'Which room should I book?', options: ['Blue', 'Red'] } },
          { id: 'note', type: 'task', action: 'create_task', description: 'Book the room', params: { title: 'Book room {{ask.value}}' } },
        ],
      },
    });
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    const asked = await c.waitFor(stepEvent(sessionId, 'ask', 'waiting_intervention'));
    expect(asked.payload.interventionRequired).toMatchObject({ reason: 'Which room should I book?', options: ['Blue', 'Red'] });
    await c.sendOk('INTERVENTION_RESPONSE', { stepId: 'ask', option: 'provide_value', value: 'Blue' }, sessionId);
    const task = await c.waitFor(stepEvent(sessionId, 'note', 'completed'));
    expect(task.payload.result.data.title).toBe('Book room Blue');
  } finally {
    c.close();
  }
});

test('answering an intervention that is not waiting is invalid_state and changes nothing', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor('eager-user'));
  try {
    const { sessionId, version } = await c.sendOk('WORKFLOW_SUBMIT', {
      plan: { steps: [{ id: 't', type: 'task', action: 'create_task', description: 't', params: { title: 't' } }] },
    });
    const r = await c.send('INTERVENTION_RESPONSE', { stepId: 't', option: 'provide_value', value: 'x' }, sessionId);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_state' } });
    const sub = await c.sendOk('WORKFLOW_SUBSCRIBE', {}, sessionId);
    expect(sub['version']).toBe(version);
  } finally {
    c.close();
  }
});

test('an intervention nobody answers times out, and its dependents are resolved by their rules', async () => {
  const quick = await startStack({ worker: { INTERVENTION_TIMEOUT_SEC: '2' } });
  const c = await TestClient.connect(quick.gateway.url, tokenFor('silent-user'));
  try {
    const { sessionId } = await c.sendOk('USER_MESSAGE', { message: 'Send email to Quentin about the offsite' });
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    const asked = await c.waitFor(stepEvent(sessionId, 'contact_lookup_1', 'waiting_intervention'));
    expect(asked.payload.interventionRequired.timeout).toBe(2);
    await c.waitFor(stepEvent(sessionId, 'contact_lookup_1', 'timeout'), 30_000, 'the intervention to time out');
    // The email draft needs the address (blocks + ask_user): the user is asked what to do.
    const conflict = await c.waitFor(isType('DEPENDENCY_CONFLICT', sessionId));
    expect(conflict.payload.affectedSteps.map((s: any) => s.stepId)).toEqual(['email_draft_1']);
    const late = await c.send('INTERVENTION_RESPONSE', { stepId: 'contact_lookup_1', option: 'provide_value', value: 'q@example.org' }, sessionId);
    expect(late).toMatchObject({ ok: false, error: { code: 'invalid_state' } });
  } finally {
    c.close();
    await quick.stop();
  }
});
