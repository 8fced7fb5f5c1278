import { SERVER_PAYLOADS, WorkflowDraftSchema } from '@wfa/protocol';
import type { ActionStepInput, WorkflowDraft } from '@wfa/protocol';
import { applyApproval } from './decisions';
import { beginStep, finishStep, readyToRun } from './execution';
import { completeRollback, resolveFailure, rollbackPlan } from './failures';
import { respondToIntervention } from './interventions';
import { toStatusPayload } from './views';
import { errorCode, T0, USER, approveAll, build, runStep, step, types } from './test-helpers';

const task = (id: string, extra: Partial<ActionStepInput> = {}): ActionStepInput => ({
  id,
  type: 'task',
  action: 'create_task',
  params: { title: id },
  description: `Task ${id}`,
  ...extra,
});

/**
 * event → done (fails for good) → follow; `opt` optionally depends on done; `indep` is independent.
 * `indep` has already started (running) when `done` fails.
 */
function pausedOnFailure(): WorkflowDraft {
  const steps: ActionStepInput[] = [
    { id: 'event', type: 'calendar', action: 'create_event', params: { title: 'Review' }, description: 'Create the review meeting' },
    task('done', { dependsOn: ['event'] }),
    task('follow', { dependsOn: ['done'] }),
    task('opt', { requires: [{ stepId: 'done', effect: 'optional', resolution: 'skip' }] }),
    task('after', { dependsOn: ['follow'] }),
    task('indep'),
  ];
  let d = approveAll(build({ steps }).draft).draft;
  d = runStep(d, 'event', { eventId: 'e1', title: 'Review' }, T0 + 10).done.draft;
  d = beginStep(d, 'done', 0, T0 + 20)!.transition!.draft;
  d = beginStep(d, 'indep', 0, T0 + 21)!.transition!.draft;
  const f = finishStep(d, 'done', 0, { kind: 'failed', error: 'no such task', retriable: false, finalAttempt: false }, T0 + 22)!;
  expect(f.draft.state).toBe('waiting_intervention');
  expect(f.draft.partialFailure?.failedStep).toBe('done');
  return f.draft;
}

const code = errorCode;

describe('resolveFailure', () => {
  it('refuses unless paused on a failure, and checks expectedVersion', () => {
    const d = build().draft;
    expect(code(() => resolveFailure(d, { action: 'retry_failed' }, USER, T0))).toBe('invalid_state');
    const p = pausedOnFailure();
    expect(code(() => resolveFailure(p, { action: 'skip_failed', expectedVersion: p.version + 1 }, USER, T0))).toBe('conflict');
  });

  it('retry_failed runs the failed step again under a new run and records the answer', () => {
    const p = pausedOnFailure();
    const t = resolveFailure(p, { action: 'retry_failed' }, USER, T0 + 30);
    expect(t.draft.version).toBe(p.version + 1);
    expect(t.enqueue).toEqual([{ stepId: 'done', run: 1 }]);
    expect(step(t.draft, 'done').state).toBe('pending');
    expect(t.draft.partialFailure).toBeUndefined();
    expect(t.draft.failureResolutions).toEqual([{ stepId: 'done', action: 'retry_failed', at: T0 + 30, by: 'u1' }]);
    expect(t.ack).toEqual({ version: t.draft.version });
  });

  it('skip_failed resolves dependents by their rules (optional+skip runs without the value)', () => {
    const p = pausedOnFailure();
    const t = resolveFailure(p, { action: 'skip_failed' }, USER, T0 + 30);
    expect(t.enqueue.map((e) => e.stepId)).toEqual(['opt']);
    expect(t.draft.conflicts.map((c) => c.stepId)).toEqual(['follow']); // bare dependsOn = ask_user
  });

  it('continue_remaining: what would ask for the failed value is skipped, the rest follows its rule, the workflow ends failed', () => {
    const p = pausedOnFailure();
    const t = resolveFailure(p, { action: 'continue_remaining' }, USER, T0 + 30);
    expect(step(t.draft, 'done').state).toBe('failed');
    // A bare dependsOn (ask_user) would ask for the failed value: skipped, and its own dependent too.
    expect(step(t.draft, 'follow')).toMatchObject({ state: 'skipped', skippedBy: 'done' });
    expect(step(t.draft, 'after')).toMatchObject({ state: 'skipped', skippedBy: 'follow' });
    // optional + skip drops the value and runs (SPEC §6.4, "fails").
    expect(step(t.draft, 'opt')).toMatchObject({ state: 'pending', droppedDependencies: ['done'] });
    expect(t.enqueue).toEqual([{ stepId: 'opt', run: 0 }]);
    expect(t.draft.conflicts).toEqual([]);
    expect(t.draft.state).toBe('running');
    expect(types(t.events)).toEqual(['STEP_EXECUTION', 'STEP_EXECUTION', 'WORKFLOW_STATUS']);
    for (const e of t.events) expect(SERVER_PAYLOADS[e.type].safeParse(e.payload).success).toBe(true);
    let d = runStep(t.draft, 'opt', { taskId: 'O' }, T0 + 31).done.draft;
    const end = finishStep(d, 'indep', 0, { kind: 'completed', data: {}, message: 'ok' }, T0 + 40)!;
    expect(end.draft.state).toBe('failed');
    expect(types(end.events)).toEqual(['STEP_EXECUTION', 'WORKFLOW_STATUS']);
    d = end.draft;
    expect(d.steps.filter((s) => s.state === 'completed').map((s) => s.id).sort()).toEqual(['event', 'indep', 'opt']);
  });

  it('continue_remaining: each rule of a failed dependency, with asking replaced by skipping', () => {
    const rules: Array<[string, Record<string, unknown>, 'runs' | 'skipped']> = [
      ['blocks_skip', { effect: 'blocks', resolution: 'skip' }, 'skipped'],
      ['blocks_ask', { effect: 'blocks', resolution: 'ask_user' }, 'skipped'],
      ['blocks_wait', { effect: 'blocks', resolution: 'wait' }, 'skipped'],
      ['blocks_fallback', { effect: 'blocks', resolution: 'fallback', fallbackValue: 'FB' }, 'runs'],
      ['enh_skip', { effect: 'enhances', resolution: 'skip' }, 'runs'],
      ['enh_fallback_none', { effect: 'enhances', resolution: 'fallback' }, 'runs'],
      ['opt_ask', { effect: 'optional', resolution: 'ask_user' }, 'skipped'],
    ];
    const steps: ActionStepInput[] = [
      task('done'),
      ...rules.map(([id, r]) => task(id, { params: { title: id, notes: 'n={{done.taskId}}' }, requires: [{ stepId: 'done', ...r } as never] })),
    ];
    let d = approveAll(build({ steps }).draft).draft;
    d = beginStep(d, 'done', 0, T0 + 1)!.transition!.draft;
    d = finishStep(d, 'done', 0, { kind: 'failed', error: 'x', retriable: false, finalAttempt: true }, T0 + 2)!.draft;
    const t = resolveFailure(d, { action: 'continue_remaining' }, USER, T0 + 3);
    expect(t.draft.conflicts).toEqual([]);
    for (const [id, , outcome] of rules) {
      expect([id, step(t.draft, id).state]).toEqual([id, outcome === 'runs' ? 'pending' : 'skipped']);
    }
    expect(t.enqueue.map((r) => r.stepId).sort()).toEqual(rules.filter(([, , o]) => o === 'runs').map(([id]) => id).sort());
    expect(beginStep(t.draft, 'blocks_fallback', 0, T0 + 4)!.params['notes']).toBe('n=FB');
    expect(beginStep(t.draft, 'enh_skip', 0, T0 + 4)!.params['notes']).toBe('n=');
  });

  it('continue_remaining with nothing else to run ends the workflow failed at once', () => {
    const steps = [task('a'), task('b', { dependsOn: ['a'] })];
    let d = approveAll(build({ steps }).draft).draft;
    d = beginStep(d, 'a', 0, T0 + 1)!.transition!.draft;
    d = finishStep(d, 'a', 0, { kind: 'failed', error: 'x', retriable: false, finalAttempt: true }, T0 + 2)!.draft;
    const t = resolveFailure(d, { action: 'continue_remaining' }, USER, T0 + 3);
    expect(t.draft.state).toBe('failed');
    expect(step(t.draft, 'b').state).toBe('skipped');
  });

  it('rollback_all: nothing else runs, the plan waits for the rollback, decisions are refused', () => {
    const p = pausedOnFailure();
    // A job queued meanwhile in step_by_step would be cancelled; here every remaining step is skipped.
    const t = resolveFailure(p, { action: 'rollback_all' }, USER, T0 + 30);
    expect(t.ack).toEqual({ version: t.draft.version, rollback: true });
    expect(t.draft.rollback).toEqual({ requestedAt: T0 + 30, status: 'requested' });
    expect(t.draft.partialFailure).toBeUndefined();
    expect(t.draft.state).toBe('running');
    for (const id of ['follow', 'opt', 'after']) expect(step(t.draft, id)).toMatchObject({ state: 'skipped', approvalStatus: 'user_cancelled' });
    expect(step(t.draft, 'indep').state).toBe('running');
    expect(readyToRun(t.draft)).toEqual([]);
    const status = t.events[t.events.length - 1]!;
    expect(status.type).toBe('WORKFLOW_STATUS');
    expect(status.payload).toMatchObject({ planState: 'running', rollback: { status: 'requested' } });
    for (const e of t.events) expect(SERVER_PAYLOADS[e.type].safeParse(e.payload).success).toBe(true);
    expect(WorkflowDraftSchema.safeParse(t.draft).success).toBe(true);
    expect(code(() => applyApproval(t.draft, { action: 'cancel_all' }, USER, T0))).toBe('invalid_state');
    expect(code(() => resolveFailure(t.draft, { action: 'rollback_all' }, USER, T0))).toBe('invalid_state');
  });

  it('rollbackPlan lists completed steps newest first (finishedAt desc, then order desc)', () => {
    const steps = [task('a'), task('b'), task('c'), task('d', { dependsOn: ['a'] })];
    let d = approveAll(build({ steps }).draft).draft;
    d = runStep(d, 'a', { taskId: 'A' }, T0 + 10).done.draft; // finishes T0+11
    d = runStep(d, 'c', { taskId: 'C' }, T0 + 10).done.draft; // same finishedAt, later order
    d = runStep(d, 'b', { taskId: 'B' }, T0 + 20).done.draft; // newest
    expect(rollbackPlan(d)).toEqual([
      { stepId: 'b', action: 'create_task', data: { taskId: 'B' }, description: 'Task b' },
      { stepId: 'c', action: 'create_task', data: { taskId: 'C' }, description: 'Task c' },
      { stepId: 'a', action: 'create_task', data: { taskId: 'A' }, description: 'Task a' },
    ]);
  });

  it('completeRollback records the report, names what could not be undone and ends the plan failed', () => {
    const p = pausedOnFailure();
    const r = resolveFailure(p, { action: 'rollback_all' }, USER, T0 + 30).draft;
    expect(completeRollback(p, { compensated: [], notCompensated: [] }, T0)).toBeNull(); // none pending
    expect(rollbackPlan(r).map((x) => x.stepId)).toEqual(['event']);
    const t = completeRollback(r, { compensated: ['event', 'ghost'], notCompensated: [] }, T0 + 40)!;
    expect(t.draft.state).toBe('failed');
    expect(t.draft.version).toBe(r.version + 1);
    expect(t.draft.rollback).toEqual({
      requestedAt: T0 + 30,
      status: 'done',
      compensated: ['event'],
      notCompensated: [{ stepId: 'indep', description: 'Task indep', reason: expect.stringMatching(/still running/) }],
    });
    expect(types(t.events)).toEqual(['STEP_EXECUTION', 'WORKFLOW_STATUS']);
    expect(t.events[0]!.payload).toMatchObject({ stepId: 'event', status: 'completed', message: 'Undone: Create the review meeting' });
    expect(t.events[1]!.payload).toMatchObject({ planState: 'failed', rollback: { status: 'done' } });
    for (const e of t.events) expect(SERVER_PAYLOADS[e.type].safeParse(e.payload).success).toBe(true);
    expect(completeRollback(t.draft, { compensated: [], notCompensated: [] }, T0 + 41)).toBeNull();
    // The running step's outcome is still recorded (its effect happened); nothing restarts.
    const late = finishStep(t.draft, 'indep', 0, { kind: 'completed', data: { taskId: 'I' }, message: 'ok' }, T0 + 42)!;
    expect(step(late.draft, 'indep').state).toBe('completed');
    expect(late.draft.state).toBe('failed');
    expect(late.enqueue).toEqual([]);
  });

  it('completeRollback names steps without compensation by description (seed order: newest first)', () => {
    const steps: ActionStepInput[] = [
      { id: 'event', type: 'calendar', action: 'create_event', params: { title: 'Review' }, description: 'Create the review meeting' },
      { id: 'mail', type: 'email', action: 'send_email', params: { recipient: 'ann@example.org', subject: 'Review' }, description: 'Tell Ann', dependsOn: ['event'] },
      task('done', { dependsOn: ['mail'] }),
      task('follow', { dependsOn: ['done'] }),
    ];
    let d = approveAll(build({ steps }).draft).draft;
    d = runStep(d, 'event', { eventId: 'e' }, T0 + 10).done.draft;
    d = runStep(d, 'mail', { messageId: 'm' }, T0 + 20).done.draft;
    d = beginStep(d, 'done', 0, T0 + 30)!.transition!.draft;
    d = finishStep(d, 'done', 0, { kind: 'failed', error: 'x', retriable: false, finalAttempt: true }, T0 + 31)!.draft;
    const r = resolveFailure(d, { action: 'rollback_all' }, USER, T0 + 32).draft;
    expect(rollbackPlan(r).map((x) => x.stepId)).toEqual(['mail', 'event']);
    const t = completeRollback(r, { compensated: ['event'], notCompensated: [{ stepId: 'mail', reason: '"Tell Ann" cannot be undone' }] }, T0 + 40)!;
    expect(t.draft.rollback?.notCompensated).toEqual([{ stepId: 'mail', description: 'Tell Ann', reason: '"Tell Ann" cannot be undone' }]);
    const status = t.events.find((e) => e.type === 'WORKFLOW_STATUS')!;
    expect(JSON.stringify(status.payload)).toMatch(/Tell Ann/);
    expect(step(t.draft, 'follow').state).toBe('skipped');
  });

  it('an intervention answered during a pause still resumes its step, but nothing starts until the failure is resolved', () => {
    const steps = [task('a'), { id: 'b', type: 'contact', action: 'search_contacts', params: { query: 'B' }, description: 'B' } as ActionStepInput, task('c', { dependsOn: ['b'] })];
    let d = approveAll(build({ steps }).draft).draft;
    d = beginStep(d, 'a', 0, T0 + 1)!.transition!.draft;
    d = beginStep(d, 'b', 0, T0 + 1)!.transition!.draft;
    d = finishStep(d, 'b', 0, { kind: 'intervention', reason: '?', options: ['x'], timeoutSec: 9 }, T0 + 2)!.draft;
    d = finishStep(d, 'a', 0, { kind: 'failed', error: 'x', retriable: false, finalAttempt: true }, T0 + 3)!.draft;
    expect(d.partialFailure).toBeDefined();
    const t = respondToIntervention(d, { stepId: 'b', option: 'provide_value', value: 'v' }, USER, T0 + 4);
    expect(t.enqueue).toEqual([]);
    const r = resolveFailure(t.draft, { action: 'continue_remaining' }, USER, T0 + 5);
    expect(r.enqueue).toEqual([{ stepId: 'c', run: 0 }]);
  });
});

describe('several failures', () => {
  const steps: ActionStepInput[] = [
    { id: 'X', type: 'task', action: 'complete_task', params: { taskId: 't1' }, description: 'Complete t1' },
    { id: 'Y', type: 'task', action: 'complete_task', params: { taskId: 't2' }, description: 'Complete t2' },
  ];
  const fail = { kind: 'failed' as const, error: 'no such task', retriable: false, finalAttempt: true };
  function bothFailed() {
    let d = approveAll(build({ steps }).draft).draft;
    d = beginStep(d, 'X', 0, T0 + 1)!.transition!.draft;
    d = beginStep(d, 'Y', 0, T0 + 2)!.transition!.draft;
    d = finishStep(d, 'X', 0, fail, T0 + 3)!.draft;
    return finishStep(d, 'Y', 0, fail, T0 + 4)!;
  }

  it('are put to the user one at a time: the first stays open, the next once it is answered', () => {
    const y = bothFailed();
    expect(toStatusPayload(y.draft).partialFailure!.failedStep).toBe('X');
    const ev = y.events.find((e) => e.type === 'STEP_EXECUTION');
    expect(ev?.payload).not.toHaveProperty('partialFailure'); // Y's event does not claim X's pause
    const skipX = resolveFailure(y.draft, { action: 'skip_failed' }, USER, T0 + 5);
    expect(skipX.draft.state).toBe('waiting_intervention');
    expect(toStatusPayload(skipX.draft).partialFailure!.failedStep).toBe('Y');
    // Y retried and done: X was released, so the plan completes.
    const r = resolveFailure(skipX.draft, { action: 'retry_failed' }, USER, T0 + 6);
    expect(r.enqueue).toEqual([{ stepId: 'Y', run: 1 }]);
    const b = beginStep(r.draft, 'Y', 1, T0 + 7)!.transition!.draft;
    expect(finishStep(b, 'Y', 1, { kind: 'completed', data: { taskId: 't2' }, message: 'ok' }, T0 + 8)!.draft.state).toBe('completed');
  });

  it('a failure left behind still ends the plan failed when the other one is answered', () => {
    const y = bothFailed();
    const leaveX = resolveFailure(y.draft, { action: 'continue_remaining' }, USER, T0 + 5);
    expect(toStatusPayload(leaveX.draft).partialFailure!.failedStep).toBe('Y');
    expect(resolveFailure(leaveX.draft, { action: 'skip_failed' }, USER, T0 + 6).draft.state).toBe('failed');
  });
});
