/** The seed's 3x4 matrix: every effect x resolution when the dependency is rejected, plus runtime losses. */
import type { DependencyEffect, DependencyResolution, StepDependency, WorkflowDraft } from '@wfa/protocol';
import type { PlanInput, Transition } from './api';
import { applyApproval, resolveConflict } from './decisions';
import { beginStep, expireIntervention, finishStep, skipFailed } from './execution';
import { JOHN, T0, USER, build, runStep, step, types } from './test-helpers';

function plan(effect: DependencyEffect, resolution: DependencyResolution, extra: Partial<StepDependency> = {}): PlanInput {
  return {
    steps: [
      { id: 'A', type: 'contact', action: 'search_contacts', params: { query: 'John' }, description: 'Look up John' },
      {
        id: 'B',
        type: 'task',
        action: 'create_task',
        params: { title: 'Follow up', notes: 'Call {{A.phone}}' },
        description: 'Create follow-up task',
        requires: [{ stepId: 'A', field: 'phone', effect, resolution, fallbackValue: '+100', ...extra }],
      },
      { id: 'C', type: 'task', action: 'list_tasks', params: {}, description: 'List tasks' },
    ],
  };
}

/** Reject A, approve B and C (review_all). */
function rejectA(p: PlanInput): Transition[] {
  const d0 = build(p).draft;
  const r = applyApproval(d0, { action: 'reject_step', stepId: 'A', reason: 'no' }, USER, T0 + 1);
  // (B may already be skipped by the rule: then there is nothing to approve.)
  const b = step(r.draft, 'B').state === 'pending' ? applyApproval(r.draft, { action: 'approve_step', stepId: 'B' }, USER, T0 + 2) : r;
  const c = applyApproval(b.draft, { action: 'approve_step', stepId: 'C' }, USER, T0 + 3);
  return [r, b, c];
}

function impactOf(t: Transition): string | undefined {
  const e = t.events.find((x) => x.type === 'EDIT_RESULT');
  return e?.type === 'EDIT_RESULT' ? e.payload.dependencyImpacts?.find((i) => i.stepId === 'B')?.impact : undefined;
}

function notesWhenRun(d: WorkflowDraft): unknown {
  const r = beginStep(d, 'B', step(d, 'B').run, T0 + 100);
  if (!r || !r.execute) throw new Error('B could not run');
  return r.params['notes'];
}

const effects: DependencyEffect[] = ['blocks', 'enhances', 'optional'];

describe.each(effects)('%s dependency, A rejected', (effect) => {
  it('wait: B is held until A is re-approved, other steps run', () => {
    const [r, , c] = rejectA(plan(effect, 'wait'));
    expect(impactOf(r!)).toBe('will_wait');
    expect(c!.draft.state).toBe('running'); // a held step counts as decided
    expect(c!.enqueue).toEqual([{ stepId: 'C', run: 0 }]);
    expect(beginStep(c!.draft, 'B', 0, T0 + 4)).toBeNull();
    let d = runStep(c!.draft, 'C', { tasks: [] }).done.draft;
    expect(d.state).toBe('running'); // B still waits
    const re = applyApproval(d, { action: 'approve_step', stepId: 'A' }, USER, T0 + 20);
    expect(re.enqueue).toEqual([{ stepId: 'A', run: 0 }]);
    const a = runStep(re.draft, 'A', JOHN);
    expect(a.done.enqueue).toEqual([{ stepId: 'B', run: 0 }]);
    d = a.done.draft;
    expect(notesWhenRun(d)).toBe('Call +1234567890');
  });

  it('skip', () => {
    const [r, , c] = rejectA(plan(effect, 'skip'));
    if (effect === 'blocks') {
      expect(impactOf(r!)).toBe('will_be_skipped');
      expect(step(r!.draft, 'B')).toMatchObject({ state: 'skipped', skippedBy: 'A' });
      expect(c!.enqueue).toEqual([{ stepId: 'C', run: 0 }]);
      const done = runStep(c!.draft, 'C', { tasks: [] }).done;
      expect(done.draft.state).toBe('completed');
      expect(step(done.draft, 'B').state).toBe('skipped');
    } else {
      expect(impactOf(r!)).toBe('value_dropped');
      expect(step(c!.draft, 'B').droppedDependencies).toEqual(['A']);
      expect(c!.enqueue).toEqual([
        { stepId: 'B', run: 0 },
        { stepId: 'C', run: 0 },
      ]);
      expect(notesWhenRun(c!.draft)).toBe('Call ');
    }
  });

  it('fallback: B uses fallbackValue', () => {
    const [r, , c] = rejectA(plan(effect, 'fallback'));
    expect(impactOf(r!)).toBe('will_use_fallback');
    expect(step(c!.draft, 'B').providedValues).toEqual({ A: '+100' });
    expect(c!.enqueue.map((x) => x.stepId)).toEqual(['B', 'C']);
    expect(notesWhenRun(c!.draft)).toBe('Call +100');
  });

  it('ask_user: a conflict holds the start until the user answers', () => {
    const [r, , c] = rejectA(plan(effect, 'ask_user'));
    expect(impactOf(r!)).toBe('will_ask_user');
    expect(types(r!.events)).toEqual(['EDIT_RESULT', 'DEPENDENCY_CONFLICT', 'WORKFLOW_STATUS']);
    const ev = r!.events[1]!;
    if (ev.type === 'DEPENDENCY_CONFLICT') {
      expect(ev.payload.blockedStep).toBe('B');
      expect(ev.payload.options.map((o) => o.action)).toEqual(['provide_value', 'skip_dependent', 'reapprove_dependency', 'use_fallback']);
      expect(ev.payload.options[0]!.description).toBe("Provide John's phone number manually");
      expect(ev.payload.options[1]!.description).toBe('Skip task step');
    }
    expect(c!.draft.state).toBe('created');
    const t = resolveConflict(c!.draft, { stepId: 'B', option: 'provide_value', value: '+555' }, USER, T0 + 10);
    expect(t.draft.conflicts).toEqual([]);
    expect(t.draft.state).toBe('running');
    expect(t.enqueue.map((x) => x.stepId)).toEqual(['B', 'C']);
    expect(notesWhenRun(t.draft)).toBe('Call +555');
  });
});

describe('losses at run time', () => {
  function started(p: PlanInput): WorkflowDraft {
    return applyApproval(build(p).draft, { action: 'approve_all' }, USER, T0 + 1).draft;
  }

  it('a dependency that completes without the required field counts as lost for the dependent', () => {
    const d = started(plan('blocks', 'ask_user'));
    const { done } = runStep(d, 'A', { name: 'John', email: 'j@x.io' });
    expect(done.enqueue).toEqual([]);
    expect(types(done.events)).toEqual(['STEP_EXECUTION', 'DEPENDENCY_CONFLICT']);
    expect(done.draft.conflicts[0]!.options.map((o) => o.action)).toEqual(['provide_value', 'skip_dependent', 'use_fallback']);
    const t = resolveConflict(done.draft, { stepId: 'B', option: 'use_fallback' }, USER, T0 + 50);
    expect(t.enqueue).toEqual([{ stepId: 'B', run: 0 }]);
    expect(notesWhenRun(t.draft)).toBe('Call +100');
  });

  it('a completed dependency without one of the fields asks for that field, and the answer fills only it', () => {
    const p: PlanInput = {
      steps: [
        { id: 'c', type: 'contact', action: 'search_contacts', description: 'Find Sarah', params: { query: 'Sarah' } },
        { id: 't', type: 'task', action: 'create_task', description: 'Call her', params: { title: 'Call {{c.name}} at {{c.phone}}' } },
      ],
    };
    const d = started(p);
    const { done } = runStep(d, 'c', { name: 'Sarah Connor', email: 's@x.io' });
    const conflict = done.draft.conflicts[0]!;
    expect(conflict).toMatchObject({ stepId: 't', missingDependency: 'c', field: 'phone' });
    expect(conflict.issue).toMatch(/phone number/);
    expect(conflict.options.find((o) => o.action === 'provide_value')?.description).toBe("Provide Sarah's phone number manually");
    const ev = done.events.find((e) => e.type === 'DEPENDENCY_CONFLICT');
    if (ev?.type !== 'DEPENDENCY_CONFLICT') throw new Error('no DEPENDENCY_CONFLICT');
    expect(ev.payload.options[0]?.description).toBe("Provide Sarah's phone number manually");
    expect(ev.payload.missingDependency).toBe('c');
    expect(ev.payload.rejectedStep).toBeUndefined(); // it completed; nobody rejected it
    const t = resolveConflict(done.draft, { stepId: 't', option: 'provide_value', value: '+1 555 0100' }, USER, T0 + 50);
    expect(beginStep(t.draft, 't', 0, T0 + 60)!.params['title']).toBe('Call Sarah Connor at +1 555 0100');
  });

  it('multi-field conflicts ask for what is missing: all of them, or any one of them', () => {
    const all = started(plan('blocks', 'ask_user', { field: undefined, requiredFields: ['phone', 'email'] }));
    const a = runStep(all, 'A', { name: 'John' }).done.draft.conflicts[0]!;
    expect(a.options[0]!.description).toBe("Provide John's phone number and email address manually");
    const any = started(plan('blocks', 'ask_user', { field: undefined, requiredFields: ['phone', 'email'], requireAll: false }));
    const b = runStep(any, 'A', { name: 'John' }).done.draft.conflicts[0]!;
    expect(b.options[0]!.description).toBe("Provide John's phone number or email address manually");
    expect(b.issue).toBe('Needs phone number or email address from contact lookup');
  });

  it('multi-field: requireAll false accepts any field; true needs all', () => {
    const any = started(plan('blocks', 'skip', { field: undefined, requiredFields: ['phone', 'email'], requireAll: false }));
    expect(runStep(any, 'A', { email: 'j@x.io' }).done.enqueue.map((x) => x.stepId)).toEqual(['B']);
    const all = started(plan('blocks', 'skip', { field: undefined, requiredFields: ['phone', 'email'] }));
    const d = runStep(all, 'A', { email: 'j@x.io' }).done.draft;
    expect(step(d, 'B')).toMatchObject({ state: 'skipped', skippedBy: 'A' });
  });

  it('requireAll false, met by another field: a template field the result lacks reads empty, and the step runs', () => {
    const any = started(plan('blocks', 'ask_user', { field: undefined, requiredFields: ['phone', 'email'], requireAll: false }));
    const { done } = runStep(any, 'A', { name: 'John', email: 'j@x.io' });
    expect(done.draft.conflicts).toEqual([]);
    expect(done.enqueue.map((x) => x.stepId)).toEqual(['B']);
    // Before, B was enqueued and then failed for good on the template it could not resolve.
    expect(notesWhenRun(done.draft)).toBe('Call ');
  });

  it('a template field the result holds as null is dropped like a missing one when the declared fields are met', () => {
    const p: PlanInput = {
      steps: [
        { id: 'A', type: 'contact', action: 'search_contacts', params: { query: 'John' }, description: 'Look up John' },
        {
          id: 'B',
          type: 'task',
          action: 'create_task',
          params: { title: 'Call {{A.phone}}', due: '{{A.due}}' },
          description: 'Call John',
          requires: [{ stepId: 'A', effect: 'blocks', resolution: 'ask_user', requiredFields: ['phone'] }],
        },
      ],
    };
    const { done } = runStep(started(p), 'A', { phone: '+1', due: null });
    expect(done.enqueue.map((x) => x.stepId)).toEqual(['B']);
    const b = beginStep(done.draft, 'B', 0, T0 + 60)!;
    expect(b.execute).toBe(true);
    expect(b.params).toEqual({ title: 'Call +1' });
  });

  it('requireAll false, met by another field: a param the step cannot run without is asked for, per the rule', () => {
    const mail = (resolution: DependencyResolution): PlanInput => ({
      steps: [
        { id: 'A', type: 'contact', action: 'search_contacts', params: { query: 'John' }, description: 'Look up John' },
        {
          id: 'B',
          type: 'email',
          action: 'create_draft',
          params: { subject: 'Hi', recipient: '{{A.email}}' },
          description: 'Draft to John',
          requires: [{ stepId: 'A', effect: 'blocks', resolution, requiredFields: ['email', 'phone'], requireAll: false }],
        },
      ],
    });
    const asked = runStep(started(mail('ask_user')), 'A', { name: 'John', phone: '+1 555' }).done;
    expect(asked.enqueue).toEqual([]);
    expect(asked.draft.conflicts[0]).toMatchObject({ stepId: 'B', missingDependency: 'A', field: 'email' });
    expect(types(asked.events)).toContain('DEPENDENCY_CONFLICT');
    const t = resolveConflict(asked.draft, { stepId: 'B', option: 'provide_value', value: 'john@home.org' }, USER, T0 + 50);
    expect(beginStep(t.draft, 'B', 0, T0 + 60)!.params['recipient']).toBe('john@home.org');
    const skipped = runStep(started(mail('skip')), 'A', { name: 'John', phone: '+1 555' }).done.draft;
    expect(step(skipped, 'B')).toMatchObject({ state: 'skipped', skippedBy: 'A' });
    // With the field there, it runs on it.
    const ok = runStep(started(mail('ask_user')), 'A', { name: 'John', email: 'j@x.io' }).done;
    expect(beginStep(ok.draft, 'B', 0, T0 + 60)!.params['recipient']).toBe('j@x.io');
  });

  it('a timeout resolves dependents by their rules', () => {
    const d = started(plan('enhances', 'fallback'));
    const b = beginStep(d, 'A', 0, T0 + 2)!.transition!.draft;
    const i = finishStep(b, 'A', 0, { kind: 'intervention', reason: 'Who is John?', options: ['Enter email'], timeoutSec: 300 }, T0 + 3)!;
    expect(i.draft.state).toBe('waiting_intervention');
    const t = expireIntervention(i.draft, 'A', 0, T0 + 400)!;
    expect(step(t.draft, 'A').state).toBe('timeout');
    expect(t.draft.state).toBe('running');
    expect(t.enqueue).toEqual([{ stepId: 'B', run: 0 }]);
    expect(notesWhenRun(t.draft)).toBe('Call +100');
  });

  it('a failure freezes dependents until the user releases it (skip_failed)', () => {
    const d = started(plan('blocks', 'skip'));
    const b = beginStep(d, 'A', 0, T0 + 2)!.transition!.draft;
    expect(finishStep(b, 'A', 0, { kind: 'failed', error: 'boom', retriable: true, finalAttempt: false }, T0 + 3)).toBeNull();
    const f = finishStep(b, 'A', 0, { kind: 'failed', error: 'boom', retriable: true, finalAttempt: true }, T0 + 3)!;
    expect(f.draft.state).toBe('waiting_intervention');
    expect(f.draft.partialFailure).toEqual({
      completedSteps: [],
      failedStep: 'A',
      remainingSteps: ['B', 'C'],
      userOptions: ['retry_failed', 'skip_failed', 'rollback_all', 'continue_remaining'],
    });
    expect(f.cancel).toEqual([{ stepId: 'C', run: 0 }]); // the queued independent step is paused
    expect(step(f.draft, 'B').state).toBe('pending');
    const s = skipFailed(f.draft, T0 + 10);
    expect(step(s.draft, 'B').state).toBe('skipped');
    expect(s.enqueue).toEqual([{ stepId: 'C', run: 1 }]);
    const end = runStep(s.draft, 'C', { tasks: [] }).done;
    expect(end.draft.state).toBe('completed');
  });
});

describe('step_by_step: an approved step starts once its blocking dependencies are done (SPEC §6.3)', () => {
  const resolutions: DependencyResolution[] = ['ask_user', 'skip', 'fallback', 'wait'];
  it.each(resolutions)('enhances and optional (%s) do not hold it: the value is dropped, or the fallback stands in', (resolution) => {
    for (const effect of ['enhances', 'optional'] as const) {
      const d0 = build(plan(effect, resolution), { mode: 'step_by_step' }).draft;
      const t = applyApproval(d0, { action: 'approve_step', stepId: 'B' }, USER, T0 + 1);
      expect(t.enqueue).toEqual([{ stepId: 'B', run: 0 }]);
      expect(t.draft.state).toBe('running');
      const notes = notesWhenRun(t.draft);
      expect(notes).toBe(resolution === 'fallback' ? 'Call +100' : 'Call ');
    }
  });

  it('blocks holds it until the dependency completed', () => {
    const d0 = build(plan('blocks', 'skip'), { mode: 'step_by_step' }).draft;
    const t = applyApproval(d0, { action: 'approve_step', stepId: 'B' }, USER, T0 + 1);
    expect(t.enqueue).toEqual([]);
    const a = applyApproval(t.draft, { action: 'approve_step', stepId: 'A' }, USER, T0 + 2);
    expect(a.enqueue).toEqual([{ stepId: 'A', run: 0 }]);
    const done = runStep(a.draft, 'A', { ...JOHN, phone: '+1 555' }).done;
    expect(done.enqueue).toEqual([{ stepId: 'B', run: 0 }]);
    expect(notesWhenRun(done.draft)).toBe('Call +1 555');
  });

  it('review_all still waits for an enhancing dependency that will run, to use its value', () => {
    let d = build(plan('enhances', 'skip')).draft;
    for (const id of ['A', 'B', 'C']) d = applyApproval(d, { action: 'approve_step', stepId: id }, USER, T0 + 1).draft;
    expect(step(d, 'B').state).toBe('pending');
    expect(beginStep(d, 'B', 0, T0 + 2)).toBeNull();
  });
});

describe('step_by_step waits for a non-blocking dependency that was approved', () => {
  it('so a template never races its source: B runs with the value once A completed', () => {
    let d = build(plan('enhances', 'skip'), { mode: 'step_by_step' }).draft;
    d = applyApproval(d, { action: 'approve_step', stepId: 'A' }, USER, T0 + 1).draft; // queued, not started
    const b = applyApproval(d, { action: 'approve_step', stepId: 'B' }, USER, T0 + 3);
    expect(b.enqueue).toEqual([]);
    expect(beginStep(b.draft, 'B', 0, T0 + 4)).toBeNull();
    const done = runStep(b.draft, 'A', { ...JOHN, phone: '+1 555' }).done;
    expect(done.enqueue).toEqual([{ stepId: 'B', run: 0 }]);
    expect(notesWhenRun(done.draft)).toBe('Call +1 555');
  });

  it('a rejected one brought back (wait, or reapprove_dependency) is waited for again', () => {
    let d = build(plan('optional', 'wait'), { mode: 'step_by_step' }).draft;
    d = applyApproval(d, { action: 'reject_step', stepId: 'A' }, USER, T0 + 1).draft;
    d = applyApproval(d, { action: 'approve_step', stepId: 'B' }, USER, T0 + 2).draft;
    const back = applyApproval(d, { action: 'approve_step', stepId: 'A' }, USER, T0 + 3);
    expect(back.enqueue).toEqual([{ stepId: 'A', run: 0 }]);
    const done = runStep(back.draft, 'A', { ...JOHN, phone: '+1 555' }).done;
    expect(notesWhenRun(done.draft)).toBe('Call +1 555');
  });
});
