/**
 * Issue 4: a step that fails for good pauses the workflow with the seed's PartialFailureHandling,
 * and each of the four FAILURE_RESOLUTION answers does what its name says.
 */
import { TestClient, isType, stepEvent, tokenFor, workflowTerminal } from './support/client';
import { redisUrl, startStack, useStack } from './support/processes';
import { openRedis } from './support/state';
import { WorkspaceProbe } from './support/workspace';

const stack = useStack({ worker: { STEP_ATTEMPTS: '2', STEP_BACKOFF_MS: '50' } });


/** A: create an event; B: complete a task that does not exist (fails for good); then `tail`. */
function failingPlan(taskId: string, tail: Record<string, unknown>[]) {
  return {
    plan: {
      steps: [
        { id: 'event', type: 'calendar', action: 'create_event', description: 'Create the review meeting', params: { title: 'Review' } },
        { id: 'done', type: 'task', action: 'complete_task', description: 'Complete the prep task', params: { taskId }, dependsOn: ['event'] },
        ...tail,
      ],
    },
  };
}
const after = (id: string, dep: Record<string, unknown>) => ({ id, type: 'task', action: 'create_task', description: `Then ${id}`, params: { title: id }, ...dep });

async function runUntilFailure(c: TestClient, body: unknown) {
  const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', body);
  await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
  const failed = await c.waitFor(stepEvent(sessionId, 'done', 'failed'));
  return { sessionId, failed };
}

test('a failed step pauses the plan with the completed, failed and remaining steps and four options', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor('fail-pause'));
  try {
    const { sessionId, failed } = await runUntilFailure(c, failingPlan('task_missing', [after('follow', { dependsOn: ['done'] })]));
    expect(failed.payload.result).toMatchObject({ success: false, state: 'failed' });
    expect(failed.payload.result.error).toMatch(/task_missing/);
    expect(failed.payload.partialFailure).toEqual({
      completedSteps: ['event'],
      failedStep: 'done',
      remainingSteps: ['follow'],
      userOptions: ['retry_failed', 'skip_failed', 'rollback_all', 'continue_remaining'],
    });
    const list = await c.sendOk('WORKFLOW_LIST', {});
    const listed = list['workflows'].find((w: any) => w.sessionId === sessionId);
    expect(listed).toMatchObject({ planState: 'waiting_intervention', failedStepIds: ['done'] });
    // "When it expires": a paused run's records live 24 h from its last change, as Redis says,
    // not the approval window of the draft it was (2 h after creation).
    const redis = openRedis(redisUrl());
    try {
      const pttl = await redis.pttl(`${stack.prefix}workflow:draft:{${sessionId}}`);
      expect(pttl).toBeGreaterThan(23 * 3600_000);
      expect(Math.abs(listed.expiresAt - (Date.now() + pttl))).toBeLessThan(60_000);
    } finally {
      redis.disconnect();
    }
  } finally {
    c.close();
  }
});

test('retry_failed runs the step again, and it succeeds once the task exists', async () => {
  const user = 'fail-retry';
  const c = await TestClient.connect(stack.gateway.url, tokenFor(user));
  const ws = new WorkspaceProbe(stack.prefix, user);
  try {
    const { sessionId } = await runUntilFailure(c, failingPlan('task_later', [after('follow', { dependsOn: ['done'] })]));
    // The user creates the task elsewhere, then retries.
    const at = new Date().toISOString();
    await ws.put('tasks', 'task_later', { taskId: 'task_later', title: 'Prep', status: 'open', createdAt: at, updatedAt: at });
    await c.sendOk('FAILURE_RESOLUTION', { action: 'retry_failed' }, sessionId);
    await c.waitFor(stepEvent(sessionId, 'done', 'completed'));
    await c.waitFor(stepEvent(sessionId, 'follow', 'completed'));
    const end = await c.waitFor(workflowTerminal(sessionId));
    expect(end.payload.planState).toBe('completed');
  } finally {
    c.close();
    ws.close();
  }
});

test('skip_failed resolves dependents by their rules and the rest runs', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor('fail-skip'));
  try {
    const { sessionId } = await runUntilFailure(
      c,
      failingPlan('task_never', [after('follow', { requires: [{ stepId: 'done', effect: 'optional', resolution: 'skip' }] })]),
    );
    await c.sendOk('FAILURE_RESOLUTION', { action: 'skip_failed' }, sessionId);
    await c.waitFor(stepEvent(sessionId, 'follow', 'completed'));
    const end = await c.waitFor(workflowTerminal(sessionId));
    expect(end.payload.steps.find((s: any) => s.id === 'follow').state).toBe('completed');
  } finally {
    c.close();
  }
});

test('continue_remaining lets independent branches and optional dependents go on; what needs the failed step does not run', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor('fail-continue'));
  try {
    const optional = after('optional', { requires: [{ stepId: 'done', effect: 'optional', resolution: 'skip' }] });
    const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', {
      mode: 'step_by_step',
      ...failingPlan('task_gone', [after('follow', { dependsOn: ['done'] }), after('independent', {}), optional]),
    });
    for (const stepId of ['event', 'done', 'follow', 'optional']) await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId }, sessionId);
    await c.waitFor(stepEvent(sessionId, 'done', 'failed'));
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'independent' }, sessionId);
    await c.sendOk('FAILURE_RESOLUTION', { action: 'continue_remaining' }, sessionId);
    await c.waitFor(stepEvent(sessionId, 'independent', 'completed'));
    // SPEC §6.4: an optional dependency that failed drops its value and the step runs.
    await c.waitFor(stepEvent(sessionId, 'optional', 'completed'));
    const end = await c.waitFor(workflowTerminal(sessionId));
    expect(end.payload.planState).toBe('failed');
    expect(c.of(sessionId, 'STEP_EXECUTION').some((e) => e.payload.stepId === 'follow' && e.payload.status === 'running')).toBe(false);
    expect(end.payload.steps.find((s: { id: string }) => s.id === 'follow')).toMatchObject({ state: 'skipped' });
  } finally {
    c.close();
  }
});

test('rollback_all undoes what completed steps created, newest first, and names what cannot be undone', async () => {
  const user = 'fail-rollback';
  const c = await TestClient.connect(stack.gateway.url, tokenFor(user));
  const ws = new WorkspaceProbe(stack.prefix, user);
  try {
    const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', {
      plan: {
        steps: [
          { id: 'event', type: 'calendar', action: 'create_event', description: 'Create the review meeting', params: { title: 'Review' } },
          { id: 'mail', type: 'email', action: 'send_email', description: 'Tell Ann about the review', params: { recipient: 'ann@example.org', subject: 'Review' }, dependsOn: ['event'] },
          { id: 'look', type: 'task', action: 'list_tasks', description: 'List my tasks', params: {}, dependsOn: ['mail'] },
          { id: 'done', type: 'task', action: 'complete_task', description: 'Complete the prep task', params: { taskId: 'task_nowhere' }, dependsOn: ['look'] },
          after('follow', { dependsOn: ['done'] }),
        ],
      },
    });
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    await c.waitFor(stepEvent(sessionId, 'done', 'failed'));
    expect((await ws.all('events')).map((e) => e.title)).toEqual(['Review']);

    await c.sendOk('FAILURE_RESOLUTION', { action: 'rollback_all' }, sessionId);
    const end = await c.waitFor(workflowTerminal(sessionId));
    expect(await ws.all('events')).toEqual([]);
    expect(end.payload.rollback).toMatchObject({ status: 'done', compensated: ['event'] });
    // Every step without a compensation is reported (SPEC §6.7), saying which kind it is.
    const reasons = Object.fromEntries(end.payload.rollback.notCompensated.map((n: any) => [n.stepId, n.reason]));
    expect(Object.keys(reasons)).toEqual(['look', 'mail']);
    expect(reasons['mail']).toMatch(/Tell Ann about the review" cannot be undone/);
    expect(reasons['look']).toMatch(/List my tasks" only read data: there is nothing to undo/);
    expect(c.of(sessionId, 'STEP_EXECUTION').some((e) => e.payload.stepId === 'follow' && e.payload.status === 'running')).toBe(false);
  } finally {
    c.close();
    ws.close();
  }
});

test('when the last step fails the plan still pauses, and rolling back undoes what the others created', async () => {
  const user = 'fail-last';
  const c = await TestClient.connect(stack.gateway.url, tokenFor(user));
  const ws = new WorkspaceProbe(stack.prefix, user);
  try {
    // Nothing remains after `done`: SPEC §6.7 still pauses with the four options.
    const { sessionId, failed } = await runUntilFailure(c, failingPlan('task_never', []));
    expect(failed.payload.partialFailure).toMatchObject({ completedSteps: ['event'], failedStep: 'done', remainingSteps: [] });
    const paused = await c.waitFor((e) => isType('WORKFLOW_STATUS', sessionId)(e) && e.payload.planState === 'waiting_intervention');
    expect(paused.payload.partialFailure.failedStep).toBe('done');
    expect((await ws.all('events')).map((e) => e.title)).toEqual(['Review']);

    await c.sendOk('FAILURE_RESOLUTION', { action: 'rollback_all' }, sessionId);
    const end = await c.waitFor(workflowTerminal(sessionId));
    expect(end.payload).toMatchObject({ planState: 'failed', rollback: { status: 'done', compensated: ['event'] } });
    expect(await ws.all('events')).toEqual([]);
  } finally {
    c.close();
    ws.close();
  }
});

test('a resolution when nothing failed is invalid_state', async () => {
  const c = await TestClient.connect(stack.gateway.url, tokenFor('fail-none'));
  try {
    const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', { plan: { steps: [after('x', {})] } });
    const r = await c.send('FAILURE_RESOLUTION', { action: 'retry_failed' }, sessionId);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_state' } });
    expect(c.of(sessionId, 'STEP_EXECUTION')).toHaveLength(0);
    expect(c.of(sessionId).some(isType('DEPENDENCY_CONFLICT'))).toBe(false);
  } finally {
    c.close();
  }
});

test('a step that overruns STEP_TIMEOUT_MS fails without leaving its effect behind, so "failed" and rollback tell the truth', async () => {
  // Each attempt reaches its midway report, then takes 1.5 s more: well past its 0.5 s limit.
  const slow = await startStack({ worker: { HANDLER_LATENCY_MS: '1500', STEP_TIMEOUT_MS: '500', STEP_ATTEMPTS: '2', STEP_BACKOFF_MS: '50' } });
  const user = 'fail-overrun';
  const c = await TestClient.connect(slow.gateway.url, tokenFor(user));
  const ws = new WorkspaceProbe(slow.prefix, user);
  try {
    const { sessionId } = await c.sendOk('WORKFLOW_SUBMIT', { plan: { steps: [{ id: 'slow', type: 'task', action: 'create_task', description: 'slow', params: { title: 'slow' } }] } });
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    const failed = await c.waitFor(stepEvent(sessionId, 'slow', 'failed'), 20_000);
    expect(failed.payload.error ?? failed.payload.result?.error).toMatch(/took longer than 500 ms/);
    // Long enough for an attempt that was not stopped to have written its task.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await ws.all('tasks')).toEqual([]);
    await c.sendOk('FAILURE_RESOLUTION', { action: 'rollback_all' }, sessionId);
    const end = await c.waitFor(workflowTerminal(sessionId));
    expect(end.payload.rollback).toMatchObject({ status: 'done', compensated: [], notCompensated: [] });
    expect(await ws.all('tasks')).toEqual([]);
  } finally {
    c.close();
    ws.close();
    await slow.stop();
  }
});
