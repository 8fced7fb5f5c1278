/**
 * Issue 3 through the public protocol: the seed's rejection-with-chain example, the matrix cells
 * as a user meets them, edits with their impacts, batch edits and undo.
 */
import { SEED_REQUEST, TestClient, isType, stepEvent, tokenFor, workflowEnded, workflowTerminal, type Envelope } from './support/client';
import { useStack } from './support/processes';

const stack = useStack();

const task = (id: string, title: string, extra: Record<string, unknown> = {}) => ({ id, type: 'task', action: 'create_task', description: id, params: { title }, ...extra });

test('seed: rejecting the contact lookup raises one conflict naming both dependents; a manual address lets them run', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor('chain-user'));
  try {
    const { sessionId } = await c.sendOk('USER_MESSAGE', { message: SEED_REQUEST });
    await c.sendOk('WORKFLOW_EDIT', { operation: 'reject_step', stepId: 'contact_lookup_1', reason: "I already know John's email" }, sessionId);
    const conflict = await c.waitFor(isType('DEPENDENCY_CONFLICT', sessionId));
    expect(conflict.payload.rejectedStep).toBe('contact_lookup_1');
    expect(conflict.payload.affectedSteps.map((s: any) => s.stepId).sort()).toEqual(['calendar_event_1', 'email_draft_1']);
    for (const s of conflict.payload.affectedSteps) {
      expect(s.resolution).toBe('ask_user');
      expect(s.issue).toEqual(expect.any(String));
    }
    const actions = conflict.payload.options.map((o: any) => o.action);
    expect(actions).toEqual(expect.arrayContaining(['provide_value', 'skip_dependent', 'reapprove_dependency']));
    for (const o of conflict.payload.options) expect(o.description).toEqual(expect.any(String));
    const edit = await c.waitFor(isType('EDIT_RESULT', sessionId));
    expect(edit.payload).toMatchObject({ success: true, updatedStep: { id: 'contact_lookup_1', approvalStatus: 'step_rejected' } });

    // Nothing runs while the user has not answered.
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    expect(c.of(sessionId, 'STEP_EXECUTION')).toHaveLength(0);

    for (const stepId of ['email_draft_1', 'calendar_event_1']) {
      await c.sendOk('CONFLICT_RESOLUTION', { stepId, option: 'provide_value', value: 'john@manual.example' }, sessionId);
    }
    const email = await c.waitFor(stepEvent(sessionId, 'email_draft_1', 'completed'));
    expect(email.payload.result.data.recipient).toBe('john@manual.example');
    const cal = await c.waitFor(stepEvent(sessionId, 'calendar_event_1', 'completed'));
    expect(cal.payload.result.data.attendees).toEqual(['john@manual.example']);
    const end = await c.waitFor(workflowTerminal(sessionId));
    const states = Object.fromEntries(end.payload.steps.map((s: any) => [s.id, [s.state, s.approvalStatus]]));
    expect(states).toMatchObject({ email_draft_1: ['completed', 'step_approved'], calendar_event_1: ['completed', 'step_approved'] });
    expect(states.contact_lookup_1[1]).toBe('step_rejected');
    expect(c.of(sessionId, 'STEP_EXECUTION').some((e) => e.payload.stepId === 'contact_lookup_1')).toBe(false);
  } finally {
    c.close();
  }
});

test('seed: re-approving the lookup instead clears the conflict and everything runs', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor('chain-reapprove'));
  try {
    await c.sendOk('WORKFLOW_SUBMIT', { plan: { steps: [{ id: 'add', type: 'contact', action: 'create_contact', description: 'Add John', params: { name: 'John Doe', email: 'john.doe@company.com' } }] } })
      .then(async (a) => { await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, a['sessionId']); await c.waitFor(workflowEnded(a['sessionId'])); });
    const { sessionId } = await c.sendOk('USER_MESSAGE', { message: SEED_REQUEST });
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 'contact_lookup_1' }, sessionId);
    await c.waitFor(isType('DEPENDENCY_CONFLICT', sessionId));
    await c.sendOk('CONFLICT_RESOLUTION', { stepId: 'email_draft_1', option: 'reapprove_dependency' }, sessionId);
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    const email = await c.waitFor(stepEvent(sessionId, 'email_draft_1', 'completed'));
    expect(email.payload.result.data.recipient).toBe('john.doe@company.com');
    await c.waitFor(workflowEnded(sessionId));
  } finally {
    c.close();
  }
});

test('matrix: blocks+skip skips the dependent (transitively), enhances+fallback runs with the fallback, optional+skip drops the value', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor('matrix-user'));
  try {
    const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', {
      plan: {
        steps: [
          task('meeting', 'Quarterly review'),
          task('blocked', 'Prepare {{meeting.title}}', { requires: [{ stepId: 'meeting', field: 'title', effect: 'blocks', resolution: 'skip' }] }),
          task('after_blocked', 'Share notes', { requires: [{ stepId: 'blocked', effect: 'blocks', resolution: 'skip' }] }),
          task('followup', '{{meeting.title}}', { requires: [{ stepId: 'meeting', field: 'title', effect: 'enhances', resolution: 'fallback', fallbackValue: 'Follow up on meeting' }] }),
          task('extra', 'Call John {{meeting.title}}', { requires: [{ stepId: 'meeting', field: 'title', effect: 'optional', resolution: 'skip' }] }),
        ],
      },
    });
    const edit = await c.sendOk('WORKFLOW_EDIT', { operation: 'reject_step', stepId: 'meeting' }, sessionId);
    expect(edit['version']).toEqual(expect.any(Number));
    const result = await c.waitFor(isType('EDIT_RESULT', sessionId));
    const impacts = Object.fromEntries(result.payload.dependencyImpacts.map((i: any) => [i.stepId, i.impact]));
    expect(impacts).toMatchObject({ blocked: 'will_be_skipped', followup: 'will_use_fallback' });
    for (const i of result.payload.dependencyImpacts) expect(i.message).toEqual(expect.any(String));
    expect(c.of(sessionId, 'DEPENDENCY_CONFLICT')).toHaveLength(0);

    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    const follow = await c.waitFor(stepEvent(sessionId, 'followup', 'completed'));
    expect(follow.payload.result.data.title).toBe('Follow up on meeting');
    const extra = await c.waitFor(stepEvent(sessionId, 'extra', 'completed'));
    expect(extra.payload.result.data.title.trim()).toBe('Call John');
    const end = await c.waitFor(workflowTerminal(sessionId));
    const states = Object.fromEntries(end.payload.steps.map((s: any) => [s.id, s.state]));
    expect(states).toMatchObject({ blocked: 'skipped', after_blocked: 'skipped', followup: 'completed', extra: 'completed' });
    const ran = c.of(sessionId, 'STEP_EXECUTION').filter((e) => e.payload.status === 'running').map((e) => e.payload.stepId);
    expect(ran).not.toContain('meeting');
    expect(ran).not.toContain('blocked');
    expect(ran).not.toContain('after_blocked');
  } finally {
    c.close();
  }
});

test('matrix: blocks+wait holds the dependent until the dependency is re-approved', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor('wait-user'));
  try {
    const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', {
      plan: {
        steps: [
          task('source', 'Budget'),
          task('waiter', 'Review {{source.title}}', { requires: [{ stepId: 'source', field: 'title', effect: 'blocks', resolution: 'wait' }] }),
          task('free', 'Independent'),
        ],
      },
    });
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 'source' }, sessionId);
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    await c.waitFor(stepEvent(sessionId, 'free', 'completed'));
    expect(c.of(sessionId, 'STEP_EXECUTION').some((e) => e.payload.stepId === 'waiter')).toBe(false);
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'source' }, sessionId);
    const waiter = await c.waitFor(stepEvent(sessionId, 'waiter', 'completed'));
    expect(waiter.payload.result.data.title).toBe('Review Budget');
    const idx = (pred: (e: Envelope) => boolean) => c.events.findIndex(pred);
    expect(idx(stepEvent(sessionId, 'waiter', 'running'))).toBeGreaterThan(idx(stepEvent(sessionId, 'source', 'completed')));
    await c.waitFor(workflowEnded(sessionId));
  } finally {
    c.close();
  }
});

test('seed scenario 2: modifying a step reports its dependents; batch edits are all-or-nothing; undo restores', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor('edit-user'));
  try {
    const { sessionId, version } = await c.sendOk('WORKFLOW_SUBMIT', {
      plan: {
        steps: [
          { id: 'calendar_event_1', type: 'calendar', action: 'create_event', description: 'Create the meeting', params: { title: 'Meeting with John' } },
          task('task_creation_1', '{{calendar_event_1.title}}', {
            requires: [{ stepId: 'calendar_event_1', field: 'title', effect: 'enhances', resolution: 'fallback', fallbackValue: 'Meeting follow-up task' }],
          }),
        ],
      },
    });
    await c.sendOk('WORKFLOW_EDIT', { operation: 'modify_params', stepId: 'calendar_event_1', newParams: { title: 'Updated meeting' } }, sessionId);
    const modified = await c.waitFor(isType('EDIT_RESULT', sessionId));
    expect(modified.payload.updatedStep).toMatchObject({ id: 'calendar_event_1', isModified: true, approvalStatus: 'step_modified', params: { title: 'Updated meeting' }, originalParams: { title: 'Meeting with John' } });
    expect(modified.payload.dependencyImpacts.map((i: any) => i.stepId)).toEqual(['task_creation_1']);
    expect(modified.payload.validationResult).toMatchObject({ isValid: expect.any(Boolean), errors: expect.any(Array), warnings: expect.any(Array) });

    // A batch with one bad edit changes nothing.
    const before = await c.sendOk('WORKFLOW_SUBSCRIBE', {}, sessionId);
    const bad = await c.send('WORKFLOW_EDIT', { edits: [{ operation: 'approve_step', stepId: 'task_creation_1' }, { operation: 'modify_params', stepId: 'calendar_event_1', newParams: { colour: 'red' } }] }, sessionId);
    expect(bad.ok).toBe(false);
    const afterBad = await c.sendOk('WORKFLOW_SUBSCRIBE', {}, sessionId);
    expect(afterBad['version']).toBe(before['version']);

    // Undo, then a good batch approves both and the original title is used.
    await c.sendOk('WORKFLOW_EDIT', { operation: 'restore_params', stepId: 'calendar_event_1' }, sessionId);
    const good = await c.sendOk('WORKFLOW_EDIT', { edits: [{ operation: 'approve_step', stepId: 'calendar_event_1' }, { operation: 'approve_step', stepId: 'task_creation_1' }] }, sessionId);
    expect(good['version']).toBeGreaterThan(version);
    const t = await c.waitFor(stepEvent(sessionId, 'task_creation_1', 'completed'));
    expect(t.payload.result.data.title).toBe('Meeting with John');
  } finally {
    c.close();
  }
});

test('plan limits create nothing: over 50 steps is limit_exceeded, over depth 10 invalid_plan', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor(`plan-limits-${Date.now()}`));
  try {
    const step = (i: number, dependsOn: string[] = []) => ({ id: `s${i}`, type: 'task', action: 'create_task', description: 'd', params: { title: 't' }, dependsOn });
    const flat = (n: number) => ({ plan: { steps: Array.from({ length: n }, (_, i) => step(i)) } });
    await c.sendOk('WORKFLOW_SUBMIT', flat(50));
    for (const n of [51, 501]) {
      const ack = await c.send('WORKFLOW_SUBMIT', flat(n));
      expect({ n, ack }).toMatchObject({ n, ack: { ok: false, error: { code: 'limit_exceeded' } } });
    }
    const chain = (n: number) => ({ plan: { steps: Array.from({ length: n }, (_, i) => step(i, i ? [`s${i - 1}`] : [])) } });
    await c.sendOk('WORKFLOW_SUBMIT', chain(11)); // ten dependencies deep
    // SPEC §6.4: depth over the limit is invalid_plan.
    expect(await c.send('WORKFLOW_SUBMIT', chain(12))).toMatchObject({ ok: false, error: { code: 'invalid_plan' } });
    expect((await c.sendOk('WORKFLOW_LIST', {}))['workflows']).toHaveLength(2);
  } finally {
    c.close();
  }
});

test('step_by_step: an approved step runs once its blocking dependencies are done; an optional one does not hold it', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor(`sbs-optional-${Date.now()}`));
  try {
    const task = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'task', action: 'create_task', description: id, params: { title: id }, ...extra });
    const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', {
      mode: 'step_by_step',
      plan: { steps: [task('A'), task('B', { requires: [{ stepId: 'A', effect: 'optional', resolution: 'skip' }] }), task('C', { dependsOn: ['A'] })] },
    });
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'B' }, sessionId);
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'C' }, sessionId);
    await c.waitFor(stepEvent(sessionId, 'B', 'completed'));
    // C depends on A by `blocks` (a bare dependsOn): it waits for A.
    expect(c.of(sessionId, 'STEP_EXECUTION').some((e) => e.payload.stepId === 'C')).toBe(false);
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'A' }, sessionId);
    await c.waitFor(stepEvent(sessionId, 'C', 'completed'));
    await c.waitFor(workflowEnded(sessionId));
  } finally {
    c.close();
  }
});

test("an edit of the lookup tells the user's other device what every step now says", async () => {
  const token = tokenFor('redescribe-user');
  const a = await TestClient.connect(stack.gateway.url, token);
  const b = await TestClient.connect(stack.gateway.url, token);
  try {
    const { sessionId } = await a.sendOk('USER_MESSAGE', { message: SEED_REQUEST });
    await b.sendOk('WORKFLOW_SUBSCRIBE', {}, sessionId);
    const draft = await a.waitFor(isType('WORKFLOW_DRAFT', sessionId));
    const before = Object.fromEntries(draft.payload.steps.map((s: any) => [s.id, s.userFriendlyDescription]));
    expect(before.email_draft_1).toMatch(/John/);
    await a.sendOk('WORKFLOW_EDIT', { operation: 'modify_params', stepId: 'contact_lookup_1', newParams: { query: 'Sarah' } }, sessionId);
    const seen = await b.waitFor(isType('EDIT_RESULT', sessionId));
    expect(seen.payload.updatedStep).toMatchObject({ id: 'contact_lookup_1', params: { query: 'Sarah' } });
    const now = Object.fromEntries(seen.payload.updatedSteps.map((s: any) => [s.id, s.userFriendlyDescription]));
    expect(now.contact_lookup_1).toMatch(/Sarah/);
    expect(now.email_draft_1).toMatch(/Sarah/);
    expect(now.email_draft_1).not.toBe(before.email_draft_1);
  } finally {
    a.close();
    b.close();
  }
});
