import { SERVER_PAYLOADS } from '@wfa/protocol';
import type { ActionStepInput } from '@wfa/protocol';
import { applyApproval, applyEdit, resolveConflict } from './decisions';
import { resolveFailure } from './failures';
import { beginStep, finishStep, readyToRun, reportProgress, retryFailed } from './execution';
import { isFinished, toStatusPayload, toSummary } from './views';
import { JOHN, T0, USER, approveAll, build, runStep, step, types } from './test-helpers';

const one = (over: Partial<ActionStepInput> = {}): ActionStepInput[] => [
  { id: 'only', type: 'task', action: 'create_task', params: { title: 'T' }, description: 'Create T', ...over },
];

describe('execution', () => {
  it('step_by_step: a plan that ends on its last decision says every step was approved', () => {
    const two: ActionStepInput[] = [...one(), { id: 'second', type: 'task', action: 'create_task', params: { title: 'U' }, description: 'Create U' }];
    let d = build({ steps: two }, { mode: 'step_by_step' }).draft;
    d = applyApproval(d, { action: 'approve_step', stepId: 'only' }, USER, T0 + 1).draft;
    d = runStep(d, 'only', {}).done.draft;
    expect(d.approvalStatus).toBe('draft_pending'); // 'second' still waits on the user
    d = applyApproval(d, { action: 'reject_step', stepId: 'second' }, USER, T0 + 20).draft;
    expect(d.state).toBe('completed');
    expect(toStatusPayload(d).approvalStatus).toBe('step_approved');
  });

  it('refuses stale runs, unapproved steps and workflows that have not started', () => {
    const d = build().draft;
    expect(beginStep(d, 'contact_lookup_1', 0, T0)).toBeNull(); // not started (review_all)
    const r = approveAll(d).draft;
    expect(beginStep(r, 'contact_lookup_1', 1, T0)).toBeNull();
    expect(beginStep(r, 'ghost', 0, T0)).toBeNull();
    expect(finishStep(r, 'contact_lookup_1', 0, { kind: 'completed', data: {}, message: 'x' }, T0)).toBeNull(); // not running
    expect(reportProgress(r, 'contact_lookup_1', 0, 10, 'x', T0)).toBeNull();
  });

  it('reports progress for the running step', () => {
    const r = approveAll(build().draft).draft;
    const b = beginStep(r, 'contact_lookup_1', 0, T0 + 1)!.transition!;
    const p = reportProgress(b.draft, 'contact_lookup_1', 0, 140, 'Searching', T0 + 2)!;
    expect(p.events).toEqual([{ type: 'STEP_EXECUTION', payload: { stepId: 'contact_lookup_1', status: 'running', progress: 100, message: 'Searching', version: b.draft.version + 1 } }]);
    expect(p.draft.version).toBe(b.draft.version + 1);
    expect(step(p.draft, 'contact_lookup_1').progress).toBe(100);
  });

  it('an intervention pauses the step with the seed shape; other steps keep going', () => {
    const steps: ActionStepInput[] = [
      { id: 'lookup', type: 'contact', action: 'search_contacts', params: { query: 'John' }, description: 'Look up John' },
      { id: 'tasks', type: 'task', action: 'list_tasks', params: {}, description: 'List tasks' },
    ];
    const r = approveAll(build({ steps }).draft);
    expect(r.enqueue.map((x) => x.stepId)).toEqual(['lookup', 'tasks']);
    const b = beginStep(r.draft, 'lookup', 0, T0 + 1)!.transition!;
    const i = finishStep(
      b.draft,
      'lookup',
      0,
      {
        kind: 'intervention',
        reason: 'Contact not found. Please provide John\'s email address:',
        options: ['Enter email address', 'Skip this step', 'Search with different name'],
        timeoutSec: 300,
        entityToResolve: { type: 'PERSON', value: 'John' },
      },
      T0 + 2,
    )!;
    expect(i.draft.state).toBe('waiting_intervention');
    expect(types(i.events)).toEqual(['STEP_EXECUTION', 'WORKFLOW_STATUS']);
    const ev = i.events[0]!;
    expect(SERVER_PAYLOADS.STEP_EXECUTION.safeParse(ev.payload).success).toBe(true);
    if (ev.type === 'STEP_EXECUTION') {
      expect(ev.payload.status).toBe('waiting_intervention');
      expect(ev.payload.interventionRequired).toEqual({
        reason: "Contact not found. Please provide John's email address:",
        options: ['Enter email address', 'Skip this step', 'Search with different name'],
        timeout: 300,
        params: {
          reason: "Contact not found. Please provide John's email address:",
          entityToResolve: { type: 'PERSON', value: 'John' },
          timeout: 300,
          state: 'waiting_intervention',
          timestamp: T0 + 2,
        },
      });
    }
    expect(toSummary(i.draft).interventions).toEqual(['lookup']);
    expect(beginStep(i.draft, 'tasks', 0, T0 + 3)).not.toBeNull();
    expect(() => applyApproval(i.draft, { action: 'reject_step', stepId: 'lookup' }, USER, T0)).toThrow(expect.objectContaining({ code: 'invalid_state' }));
  });

  it('a final failure of the last step pauses too (SPEC §6.7); each offered option is then accepted', () => {
    const r = approveAll(build({ steps: one() }).draft).draft;
    const b = beginStep(r, 'only', 0, T0 + 1)!.transition!.draft;
    const f = finishStep(b, 'only', 0, { kind: 'failed', error: 'no such task', retriable: false, finalAttempt: false }, T0 + 2)!;
    expect(step(f.draft, 'only').state).toBe('failed');
    expect(step(f.draft, 'only').result).toMatchObject({ success: false, error: 'no such task', state: 'failed' });
    expect(f.draft.state).toBe('waiting_intervention');
    expect(toStatusPayload(f.draft).partialFailure).toMatchObject({ failedStep: 'only', remainingSteps: [] });
    expect(types(f.events)).toEqual(['STEP_EXECUTION', 'WORKFLOW_STATUS']);
    expect(isFinished(f.draft)).toBe(false);
    expect(toSummary(f.draft).failedStepIds).toEqual(['only']);
    const options = toStatusPayload(f.draft).partialFailure!.userOptions;
    for (const action of options) expect(() => resolveFailure(f.draft, { action }, USER, T0 + 3)).not.toThrow();
    // Leaving the failure behind ends the workflow failed; releasing it ends it completed.
    expect(resolveFailure(f.draft, { action: 'continue_remaining' }, USER, T0 + 3).draft.state).toBe('failed');
    expect(resolveFailure(f.draft, { action: 'skip_failed' }, USER, T0 + 3).draft.state).toBe('completed');
    expect(resolveFailure(f.draft, { action: 'retry_failed' }, USER, T0 + 3).enqueue).toEqual([{ stepId: 'only', run: 1 }]);
  });

  it('a final failure with work remaining pauses; retry_failed runs it again with a new run', () => {
    const r = approveAll(build().draft).draft;
    const b = beginStep(r, 'contact_lookup_1', 0, T0 + 1)!.transition!.draft;
    const f = finishStep(b, 'contact_lookup_1', 0, { kind: 'failed', error: 'down', retriable: true, finalAttempt: true }, T0 + 2)!;
    expect(f.draft.state).toBe('waiting_intervention');
    expect(toStatusPayload(f.draft).partialFailure?.remainingSteps).toEqual(['email_draft_1', 'calendar_event_1']);
    const ev = f.events[0]!;
    if (ev.type === 'STEP_EXECUTION') expect(ev.payload.partialFailure?.failedStep).toBe('contact_lookup_1');
    const rt = retryFailed(f.draft, T0 + 3);
    expect(rt.enqueue).toEqual([{ stepId: 'contact_lookup_1', run: 1 }]);
    expect(beginStep(rt.draft, 'contact_lookup_1', 0, T0 + 4)).toBeNull();
    const done = runStep(rt.draft, 'contact_lookup_1', JOHN).done;
    expect(done.enqueue.map((x) => x.stepId)).toEqual(['email_draft_1', 'calendar_event_1']);
  });

  it('never hands an unusable param to a handler: the step fails before running', () => {
    const steps: ActionStepInput[] = [
      { id: 'A', type: 'contact', action: 'search_contacts', params: { query: 'John' }, description: 'Look up John' },
      { id: 'B', type: 'email', action: 'create_draft', params: { recipient: '{{A.email}}', subject: 'Hi' }, description: 'Draft to John' },
    ];
    const d = applyApproval(build({ steps }).draft, { action: 'approve_all' }, USER, T0).draft;
    // A returns something that is no email address: B's recipient would be invalid.
    const done = runStep(d, 'A', { name: 'John', email: 'not an address' }).done;
    expect(done.enqueue).toEqual([{ stepId: 'B', run: 0 }]);
    const b = beginStep(done.draft, 'B', 0, T0 + 20)!;
    expect(b.execute).toBe(false);
    expect(b.params).toEqual({});
    expect(step(b.transition!.draft, 'B').state).toBe('failed');
    expect(step(b.transition!.draft, 'B').result?.error).toMatch(/recipient/);
    expect(b.transition!.draft.state).toBe('waiting_intervention');
  });

  it.each(['review_all', 'step_by_step'] as const)(
    '%s: a dropped value the step cannot run without is asked for instead (it never waits forever)',
    (mode) => {
      // B's required recipient is nothing but A's email; "optional + skip" would drop it.
      const steps: ActionStepInput[] = [
        { id: 'A', type: 'contact', action: 'search_contacts', params: { query: 'John' }, description: 'Look up John' },
        {
          id: 'B',
          type: 'email',
          action: 'create_draft',
          params: { recipient: '{{A.email}}', subject: 'Hi' },
          description: 'Draft to John',
          requires: [{ stepId: 'A', effect: 'optional', resolution: 'skip' }],
        },
      ];
      const rejected = applyEdit(build({ steps }, { mode }).draft, { operation: 'reject_step', stepId: 'A' }, USER, T0);
      const er = rejected.events.find((e) => e.type === 'EDIT_RESULT');
      if (er?.type !== 'EDIT_RESULT') throw new Error('no EDIT_RESULT');
      expect(er.payload.dependencyImpacts?.map((i) => [i.stepId, i.impact])).toEqual([['B', 'will_ask_user']]);
      expect(types(rejected.events)).toContain('DEPENDENCY_CONFLICT');
      expect(rejected.draft.conflicts.map((c) => [c.stepId, c.missingDependency])).toEqual([['B', 'A']]);
      const a = applyApproval(rejected.draft, { action: 'approve_step', stepId: 'B' }, USER, T0 + 1);
      expect(a.enqueue).toEqual([]);
      const r = resolveConflict(a.draft, { stepId: 'B', option: 'provide_value', value: 'john@home.org' }, USER, T0 + 2);
      expect(r.enqueue).toEqual([{ stepId: 'B', run: 0 }]);
      expect(beginStep(r.draft, 'B', 0, T0 + 3)!.params).toEqual({ recipient: 'john@home.org', subject: 'Hi' });
    },
  );

  it('a value that only fills part of a text is still dropped: the step runs without it', () => {
    const steps: ActionStepInput[] = [
      { id: 'A', type: 'contact', action: 'search_contacts', params: { query: 'John' }, description: 'Look up John' },
      {
        id: 'B',
        type: 'task',
        action: 'create_task',
        params: { title: 'Call John {{A.phone}}' },
        description: 'Call John',
        requires: [{ stepId: 'A', field: 'phone', effect: 'enhances', resolution: 'skip' }],
      },
    ];
    const rejected = applyEdit(build({ steps }).draft, { operation: 'reject_step', stepId: 'A' }, USER, T0);
    expect(rejected.draft.conflicts).toEqual([]);
    const a = applyApproval(rejected.draft, { action: 'approve_step', stepId: 'B' }, USER, T0 + 1);
    expect(a.enqueue).toEqual([{ stepId: 'B', run: 0 }]);
    expect(beginStep(a.draft, 'B', 0, T0 + 2)!.params['title']).toBe('Call John ');
  });

  it('readyToRun lists what should have a job', () => {
    const r = approveAll(build().draft).draft;
    expect(readyToRun(r)).toEqual([{ stepId: 'contact_lookup_1', run: 0 }]);
    const done = runStep(r, 'contact_lookup_1', JOHN).done.draft;
    expect(readyToRun(done)).toEqual([
      { stepId: 'email_draft_1', run: 0 },
      { stepId: 'calendar_event_1', run: 0 },
    ]);
  });

  it('inline templates interpolate; objects become JSON', () => {
    const steps: ActionStepInput[] = [
      { id: 'A', type: 'contact', action: 'search_contacts', params: { query: 'John' }, description: 'Look up John' },
      { id: 'B', type: 'task', action: 'create_task', params: { title: 'Call {{A.name}} ({{A.phone}})', notes: 'Contact: {{A}}' }, description: 'Task' },
    ];
    const d = runStep(approveAll(build({ steps }).draft).draft, 'A', JOHN).done.draft;
    const b = beginStep(d, 'B', 0, T0 + 50)!;
    expect(b.params).toEqual({ title: 'Call John Doe (+1234567890)', notes: `Contact: ${JSON.stringify(JOHN)}` });
    expect(b.execute).toBe(true);
  });
});
