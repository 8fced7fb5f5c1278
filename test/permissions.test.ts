/**
 * SPEC §6.10 from outside: an operator sets a user's ApprovalPermissions over HTTP; the user's
 * plans refuse what they do not allow (`forbidden`, nothing changed); a step that needs a second
 * approval waits for a user holding the approver role (never the requester), who finds it in
 * WORKFLOW_LIST, sees its events live on another gateway, and approves it; then it runs, once.
 */
import { TestClient, isType, stepEvent, tokenFor, workflowEnded } from './support/client';
import { startGateway, useStack, type Proc } from './support/processes';
import { WorkspaceProbe } from './support/workspace';

const stack = useStack();
let gatewayB: Proc & { url: string };
beforeAll(async () => {
  gatewayB = await startGateway(stack.prefix);
});
afterAll(async () => {
  await gatewayB?.stop();
});

const ADMIN = tokenFor('perm-operator', { roles: ['admin'] });

async function permissionsApi(method: string, userId: string, body?: unknown, token = ADMIN): Promise<{ status: number; json: any }> {
  const res = await fetch(`${stack.gateway.url}/admin/permissions/${encodeURIComponent(userId)}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* plain text (401/403) */
  }
  return { status: res.status, json };
}

/** A calendar event and an email draft, independent of each other. */
const PLAN = {
  plan: {
    originalMessage: 'Book the sync and draft the note',
    steps: [
      { id: 'meet', type: 'calendar', action: 'create_event', description: 'Book the sync', params: { title: 'Sync' } },
      { id: 'mail', type: 'email', action: 'create_draft', description: 'Draft the note', params: { subject: 'Notes', recipient: 'ann@example.org' } },
      { id: 'follow', type: 'task', action: 'create_task', description: 'Follow up', params: { title: 'Follow up on {{mail.subject}}' } },
    ],
  },
};

test('the admin API: behind the admin role, validated, merged, and reset', async () => {
  expect(await permissionsApi('GET', 'perm-anyone', undefined, tokenFor('perm-anyone'))).toMatchObject({ status: 403, json: { error: { code: 'forbidden' } } });
  const none = await fetch(`${stack.gateway.url}/admin/permissions/perm-anyone`);
  expect(none.status).toBe(401);
  expect(await none.json()).toMatchObject({ error: { code: 'unauthorized' } });
  // Not JSON's content type, another method, another path: each a JSON error, not a page.
  const plain = await fetch(`${stack.gateway.url}/admin/permissions/perm-anyone`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'text/plain' }, body: '{}' });
  expect({ status: plain.status, body: await plain.json() }).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('Content-Type: application/json') } } });
  expect(await permissionsApi('POST', 'perm-anyone', {})).toMatchObject({ status: 405, json: { error: { code: 'invalid_message' } } });
  const deeper = await fetch(`${stack.gateway.url}/admin/permissions/perm-anyone/extra`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect({ status: deeper.status, body: await deeper.json() }).toMatchObject({ status: 404, body: { error: { code: 'invalid_message' } } });
  expect(await permissionsApi('GET', 'x'.repeat(201))).toMatchObject({ status: 400, json: { error: { code: 'invalid_message' } } });

  const fresh = await permissionsApi('GET', 'perm-anyone');
  expect(fresh).toMatchObject({ status: 200, json: { userId: 'perm-anyone', configured: false, permissions: { canModifyParams: ['*'], canSkipMandatorySteps: true } } });

  for (const bad of [{ canApproveSteps: ['rocket'] }, { requiresSecondaryApproval: { approverRole: 'has {braces}' } }, { surprise: true }, '{"__proto__":{"x":1}}', 'not json']) {
    const r = await permissionsApi('PUT', 'perm-anyone', bad);
    expect({ bad, status: r.status, code: r.json?.error?.code }).toEqual({ bad, status: 400, code: 'invalid_message' });
  }
  expect(({} as any).x).toBeUndefined();
  expect((await permissionsApi('GET', 'perm-anyone')).json.configured).toBe(false);

  const set = await permissionsApi('PUT', 'perm-anyone', { canSkipMandatorySteps: false });
  expect(set.json).toMatchObject({ configured: true, permissions: { canSkipMandatorySteps: false, canModifyParams: ['*'] } });
  const merged = await permissionsApi('PUT', 'perm-anyone', { requiresSecondaryApproval: { stepTypes: ['email'] } });
  expect(merged.json.permissions).toMatchObject({ canSkipMandatorySteps: false, requiresSecondaryApproval: { stepTypes: ['email'], approverRole: 'approver' } });
  const reset = await permissionsApi('DELETE', 'perm-anyone');
  expect(reset.json).toMatchObject({ configured: false, permissions: { canSkipMandatorySteps: true } });

  // Operators changing one user's permissions at once: every accepted change is kept.
  await Promise.all([
    permissionsApi('PUT', 'perm-anyone', { canSkipMandatorySteps: false }),
    permissionsApi('PUT', 'perm-anyone', { canModifyParams: ['title'] }),
    permissionsApi('PUT', 'perm-anyone', { canApproveSteps: ['task'] }),
    permissionsApi('PUT', 'perm-anyone', { requiresSecondaryApproval: { stepTypes: ['email'] } }),
  ]);
  expect((await permissionsApi('GET', 'perm-anyone')).json.permissions).toEqual({
    canApproveSteps: ['task'],
    canModifyParams: ['title'],
    canSkipMandatorySteps: false,
    requiresSecondaryApproval: { stepTypes: ['email'], approverRole: 'approver' },
  });
});

test("a user's permissions refuse what they do not allow, naming it, and change nothing", async () => {
  await permissionsApi('PUT', 'perm-limited', { canApproveSteps: ['calendar', 'task'], canModifyParams: ['title'], canSkipMandatorySteps: false });
  const c = await TestClient.connect(stack.gateway.url, tokenFor('perm-limited'));
  try {
    const { sessionId, version } = await c.sendOk('WORKFLOW_SUBMIT', PLAN);
    const all = await c.send('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    expect(all).toMatchObject({ ok: false, error: { code: 'forbidden', details: { stepIds: ['mail'], types: ['email'] } } });
    expect(await c.send('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'mail' }, sessionId)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const modify = await c.send('WORKFLOW_EDIT', { operation: 'modify_params', stepId: 'meet', newParams: { description: 'x', title: 'Sync 2' } }, sessionId);
    expect(modify).toMatchObject({ ok: false, error: { code: 'forbidden', details: { fields: ['description'] } } });
    // "follow" cannot run without "mail" (its template blocks on it): "mail" is mandatory.
    const skip = await c.send('WORKFLOW_EDIT', { operation: 'skip_step', stepId: 'mail' }, sessionId);
    expect(skip).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('follow cannot run without it') } });
    const list = await c.sendOk('WORKFLOW_LIST', {});
    expect(list['workflows'].find((w: any) => w.sessionId === sessionId)).toMatchObject({ version, pendingStepIds: ['meet', 'mail', 'follow'] });
    // What they may do still works: change a title, approve calendar and task steps, reject the email.
    await c.sendOk('WORKFLOW_EDIT', { operation: 'modify_params', stepId: 'meet', newParams: { title: 'Sync 2' } }, sessionId);
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 'mail', reason: 'not mine to send' }, sessionId);
    // "follow" needs mail's subject: the user is asked, and may skip it (nothing depends on it).
    await c.waitFor(isType('DEPENDENCY_CONFLICT', sessionId));
    await c.sendOk('CONFLICT_RESOLUTION', { stepId: 'follow', option: 'skip_dependent' }, sessionId);
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    const status = await c.waitFor(workflowEnded(sessionId));
    expect(status.payload.steps.find((s: any) => s.id === 'meet')).toMatchObject({ state: 'completed' });
  } finally {
    c.close();
  }
});

test('a step that needs a second approval waits for an approver on any gateway, who finds it, approves it, and it runs once', async () => {
  await permissionsApi('PUT', 'perm-owner', { requiresSecondaryApproval: { stepTypes: ['email'], approverRole: 'manager' } });
  // The owner holds the role too: still never the approver of their own plan.
  const owner = await TestClient.connect(stack.gateway.url, tokenFor('perm-owner', { roles: ['manager'] }));
  const manager = await TestClient.connect(gatewayB.url, tokenFor('perm-manager', { roles: ['manager'] }));
  const stranger = await TestClient.connect(stack.gateway.url, tokenFor('perm-stranger', { roles: ['user'] }));
  // Another holder of the role, who will not be the one to approve.
  const otherManager = await TestClient.connect(stack.gateway.url, tokenFor('perm-manager-b', { roles: ['manager'] }));
  const probe = new WorkspaceProbe(stack.prefix, 'perm-owner');
  try {
    const { sessionId } = await owner.sendOk('WORKFLOW_SUBMIT', PLAN);
    const draft = await owner.waitFor(isType('WORKFLOW_DRAFT', sessionId));
    expect(draft.payload.steps.find((s: any) => s.id === 'mail').secondApproval).toEqual({ approverRole: 'manager' });
    // Before the owner decided, nothing waits for the manager: they are not told of the plan.
    expect(await manager.send('WORKFLOW_SUBSCRIBE', {}, sessionId)).toMatchObject({ ok: false, error: { code: 'not_found' } });

    // Once a step waits for them, the approver's sockets hear of it (on another gateway than the owner's).
    const approved = await owner.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    const waiting = await manager.waitFor((e) => e.sessionId === sessionId && e.type === 'WORKFLOW_STATUS' && e.payload.version === approved['version']);
    expect(manager.of(sessionId, 'WORKFLOW_DRAFT')).toEqual([]);
    expect(waiting.payload.steps.find((s: any) => s.id === 'mail').approvalStatus).toBe('waiting_user_approval');
    expect(waiting.payload.planState).toBe('created');
    const again = await owner.send('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'mail' }, sessionId);
    expect(again).toMatchObject({ ok: false, error: { code: 'invalid_state', message: expect.stringContaining('second approval') } });
    // Nothing left for the owner to approve: refused, and the version the approver holds stays current.
    expect(await owner.send('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId)).toMatchObject({ ok: false, error: { code: 'invalid_state' } });

    const list = await manager.sendOk('WORKFLOW_LIST', {});
    expect(list['workflows'].find((w: any) => w.sessionId === sessionId)).toMatchObject({ userId: 'perm-owner', awaitingSecondApproval: ['mail'], pendingStepIds: [] });
    const strangerList = await stranger.sendOk('WORKFLOW_LIST', {});
    expect(strangerList['workflows'].map((w: any) => w.sessionId)).not.toContain(sessionId);

    // Someone without the role: exactly a workflow that does not exist.
    expect(await stranger.send('WORKFLOW_SUBSCRIBE', {}, sessionId)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await stranger.send('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'mail' }, sessionId)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // The approver: the steps waiting for them, nothing else.
    expect(await manager.send('WORKFLOW_APPROVAL', { action: 'cancel_all' }, sessionId)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await manager.send('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'meet' }, sessionId)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await manager.send('WORKFLOW_AUDIT', {}, sessionId)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const sub = await manager.sendOk('WORKFLOW_SUBSCRIBE', {}, sessionId);
    expect(sub['sessionId']).toBe(sessionId);

    await manager.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'mail', expectedVersion: approved['version'] }, sessionId);
    const done = await owner.waitFor(workflowEnded(sessionId));
    expect(done.payload.steps.find((s: any) => s.id === 'mail')).toMatchObject({ state: 'completed', approvalStatus: 'step_approved' });
    // The approver follows what they approved to its end; the user without the role never heard of
    // it; the other manager heard of it while it waited for a manager, and not of its results.
    await manager.waitFor(workflowEnded(sessionId));
    expect(stranger.of(sessionId)).toEqual([]);
    expect(otherManager.of(sessionId, 'WORKFLOW_STATUS').length).toBeGreaterThan(0);
    expect(otherManager.of(sessionId, 'STEP_EXECUTION')).toEqual([]);
    expect(await otherManager.send('WORKFLOW_SUBSCRIBE', {}, sessionId)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect((await probe.all('drafts')).filter((d) => d.subject === 'Notes')).toHaveLength(1);
    expect((await manager.sendOk('WORKFLOW_LIST', {}))['workflows'].map((w: any) => w.sessionId)).not.toContain(sessionId);

    const audit = await owner.sendOk('WORKFLOW_AUDIT', {}, sessionId);
    expect(audit['verification']).toMatchObject({ valid: true });
    expect(audit['entries'].find((e: any) => e.stepId === 'mail' && e.userId === 'perm-manager')).toMatchObject({ after: { approvalStatus: 'step_approved' } });
  } finally {
    probe.close();
    for (const c of [owner, manager, stranger, otherManager]) c.close();
  }
});

test('the approver may reject with a reason; dependents follow their rules', async () => {
  await permissionsApi('PUT', 'perm-owner2', { requiresSecondaryApproval: { stepTypes: ['email'], approverRole: 'manager' } });
  const owner = await TestClient.connect(stack.gateway.url, tokenFor('perm-owner2'));
  const manager = await TestClient.connect(gatewayB.url, tokenFor('perm-manager2', { roles: ['manager'] }));
  try {
    const { sessionId } = await owner.sendOk('WORKFLOW_SUBMIT', PLAN);
    await owner.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    await manager.sendOk('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 'mail', reason: 'not this week' }, sessionId);
    const edit = await owner.waitFor(isType('EDIT_RESULT', sessionId));
    expect(edit.payload.updatedStep).toMatchObject({ id: 'mail', approvalStatus: 'step_rejected', rejectionReason: 'not this week' });
    // "follow" needs mail's subject (ask_user): the owner is asked; skipping it lets "meet" finish the plan.
    await owner.waitFor(isType('DEPENDENCY_CONFLICT', sessionId));
    await owner.sendOk('CONFLICT_RESOLUTION', { stepId: 'follow', option: 'skip_dependent' }, sessionId);
    const done = await owner.waitFor(workflowEnded(sessionId));
    expect(done.payload.steps.map((s: any) => [s.id, s.state])).toEqual([
      ['meet', 'completed'],
      ['mail', 'pending'],
      ['follow', 'skipped'],
    ]);
    expect(owner.of(sessionId).filter(stepEvent(sessionId, 'mail', 'running'))).toEqual([]);
  } finally {
    owner.close();
    manager.close();
  }
});
