import type { ActionStepInput } from '@wfa/protocol';
import { applyApproval, applyEdit, resolveConflict } from './decisions';
import { beginStep } from './execution';
import { toStatusPayload, toSummary } from './views';
import { JOHN, T0, USER, build, runStep, seedSteps, step, types } from './test-helpers';

const code = (c: string) => expect.objectContaining({ code: c });

function rejectedLookup() {
  let d = build().draft;
  d = applyApproval(d, { action: 'reject_step', stepId: 'contact_lookup_1' }, USER, T0).draft;
  d = applyApproval(d, { action: 'approve_step', stepId: 'email_draft_1' }, USER, T0).draft;
  return applyApproval(d, { action: 'approve_step', stepId: 'calendar_event_1' }, USER, T0).draft;
}

describe('resolveConflict', () => {
  it('provide_value stands in for the missing field; one conflict at a time', () => {
    const d = rejectedLookup();
    expect(d.state).toBe('created');
    const t1 = resolveConflict(d, { stepId: 'email_draft_1', option: 'provide_value', value: 'john@home.org' }, USER, T0 + 1);
    expect(t1.draft.conflicts.map((c) => c.stepId)).toEqual(['calendar_event_1']);
    expect(t1.draft.state).toBe('created');
    expect(types(t1.events)).toEqual(['WORKFLOW_STATUS']);
    const t2 = resolveConflict(t1.draft, { stepId: 'calendar_event_1', option: 'provide_value', value: { email: 'john@work.org' } }, USER, T0 + 2);
    expect(t2.draft.state).toBe('running');
    expect(t2.enqueue.map((r) => r.stepId)).toEqual(['email_draft_1', 'calendar_event_1']);
    expect(beginStep(t2.draft, 'email_draft_1', 0, T0 + 3)!.params['recipient']).toBe('john@home.org');
    expect(beginStep(t2.draft, 'calendar_event_1', 0, T0 + 3)!.params['attendees']).toEqual(['john@work.org']);
  });

  it('refuses a provided value that does not fit, an unknown option, a step without conflict', () => {
    const d = rejectedLookup();
    expect(() => resolveConflict(d, { stepId: 'email_draft_1', option: 'provide_value', value: 'not an email' }, USER, T0)).toThrow(code('invalid_message'));
    expect(() => resolveConflict(d, { stepId: 'email_draft_1', option: 'provide_value' }, USER, T0)).toThrow(code('invalid_message'));
    expect(() => resolveConflict(d, { stepId: 'email_draft_1', option: 'use_fallback' }, USER, T0)).toThrow(code('invalid_state'));
    expect(() => resolveConflict(d, { stepId: 'contact_lookup_1', option: 'skip_dependent' }, USER, T0)).toThrow(code('invalid_state'));
    expect(() => resolveConflict(d, { stepId: 'ghost', option: 'skip_dependent' }, USER, T0)).toThrow(code('not_found'));
    expect(() =>
      resolveConflict(d, { stepId: 'email_draft_1', option: 'provide_value', value: JSON.parse('{"__proto__":{"a":1}}') }, USER, T0),
    ).toThrow(code('invalid_message'));
    expect(() => resolveConflict(d, { stepId: 'email_draft_1', option: 'skip_dependent', expectedVersion: 1 }, USER, T0)).toThrow(code('conflict'));
  });

  it('skip_dependent skips the dependent; when nothing can run the workflow ends', () => {
    const d = rejectedLookup();
    const t1 = resolveConflict(d, { stepId: 'email_draft_1', option: 'skip_dependent' }, USER, T0);
    expect(step(t1.draft, 'email_draft_1').state).toBe('skipped');
    expect(step(t1.draft, 'email_draft_1').skippedBy).toBeUndefined();
    const t2 = resolveConflict(t1.draft, { stepId: 'calendar_event_1', option: 'skip_dependent' }, USER, T0);
    expect(t2.draft.state).toBe('cancelled');
    expect(types(t2.events)).toEqual(['WORKFLOW_STATUS']);
  });

  it('reapprove_dependency brings the dependency back and clears every conflict it caused', () => {
    const d = rejectedLookup();
    const t = resolveConflict(d, { stepId: 'calendar_event_1', option: 'reapprove_dependency' }, USER, T0);
    expect(step(t.draft, 'contact_lookup_1').approvalStatus).toBe('step_approved');
    expect(t.draft.conflicts).toEqual([]);
    expect(t.draft.state).toBe('running');
    expect(t.enqueue).toEqual([{ stepId: 'contact_lookup_1', run: 0 }]);
  });

  it('re-approving a rejected step by approve_step also clears its conflicts', () => {
    const d = rejectedLookup();
    const t = applyApproval(d, { action: 'approve_step', stepId: 'contact_lookup_1' }, USER, T0);
    expect(t.draft.conflicts).toEqual([]);
    expect(t.draft.state).toBe('running');
  });

  it('a skip cascade is undone when its cause comes back', () => {
    const steps: ActionStepInput[] = [
      ...seedSteps(),
      {
        id: 'task_1',
        type: 'task',
        action: 'create_task',
        params: { title: 'Follow up on {{email_draft_1.subject}}' },
        description: 'Follow-up task',
        requires: [{ stepId: 'email_draft_1', effect: 'blocks', resolution: 'skip' }],
      },
    ];
    steps[1] = { ...steps[1]!, requires: [{ stepId: 'contact_lookup_1', field: 'email', effect: 'blocks', resolution: 'skip' }] };
    const d = build({ steps }).draft;
    const r = applyEdit(d, { operation: 'reject_step', stepId: 'contact_lookup_1' }, USER, T0);
    expect(step(r.draft, 'email_draft_1')).toMatchObject({ state: 'skipped', skippedBy: 'contact_lookup_1' });
    expect(step(r.draft, 'task_1')).toMatchObject({ state: 'skipped', skippedBy: 'email_draft_1' });
    expect(r.draft.conflicts.map((c) => c.stepId)).toEqual(['calendar_event_1']);
    const a = applyEdit(r.draft, { operation: 'approve_step', stepId: 'contact_lookup_1' }, USER, T0);
    expect(step(a.draft, 'email_draft_1').state).toBe('pending');
    expect(step(a.draft, 'task_1').state).toBe('pending');
    expect(a.draft.conflicts).toEqual([]);
    // The conflict resolved by an edit is announced: a status without it, for every device.
    expect(types(a.events)).toContain('WORKFLOW_STATUS');
    expect(a.events.find((e) => e.type === 'WORKFLOW_STATUS')?.payload).not.toHaveProperty('conflicts');
  });

  it('an edit that resolves no conflict adds no status', () => {
    const d = rejectedLookup();
    const t = applyEdit(d, { operation: 'modify_params', stepId: 'email_draft_1', newParams: { subject: 'Hello' } }, USER, T0);
    expect(t.draft.conflicts).toHaveLength(d.conflicts.length);
    expect(types(t.events)).not.toContain('WORKFLOW_STATUS');
    const skipped = applyEdit(d, { operation: 'skip_step', stepId: 'email_draft_1' }, USER, T0);
    expect(skipped.draft.conflicts.map((c) => c.stepId)).toEqual(['calendar_event_1']);
    expect(types(skipped.events)).toContain('WORKFLOW_STATUS');
  });

  it('step_by_step: a conflict only holds its own step', () => {
    let d = build(undefined, { mode: 'step_by_step' }).draft;
    d = applyApproval(d, { action: 'approve_step', stepId: 'contact_lookup_1' }, USER, T0).draft;
    expect(d.state).toBe('running');
    d = runStep(d, 'contact_lookup_1', { name: 'John' }).done.draft; // no email: both dependents lose it
    expect(d.conflicts.map((c) => c.stepId)).toEqual(['email_draft_1', 'calendar_event_1']);
    const a = applyApproval(d, { action: 'approve_step', stepId: 'calendar_event_1' }, USER, T0 + 30);
    expect(a.enqueue).toEqual([]);
    const p = resolveConflict(a.draft, { stepId: 'calendar_event_1', option: 'provide_value', value: 'j@x.io' }, USER, T0 + 31);
    expect(p.enqueue).toEqual([{ stepId: 'calendar_event_1', run: 0 }]);
    expect(toSummary(p.draft)).toMatchObject({ pendingStepIds: ['email_draft_1'], conflicts: ['email_draft_1'] });
    expect(toStatusPayload(p.draft).conflicts?.map((c) => c.stepId)).toEqual(['email_draft_1']);
  });
});

describe('conditional dependencies', () => {
  const steps = (operator: 'equals' | 'exists' | 'greater_than', value: unknown): ActionStepInput[] => [
    { id: 'lookup', type: 'contact', action: 'search_contacts', params: { query: 'John' }, description: 'Look up John' },
    { id: 'extra', type: 'contact', action: 'search_contacts', params: { query: 'Assistant' }, description: 'Look up the assistant' },
    {
      id: 'mail',
      type: 'email',
      action: 'create_draft',
      params: { recipient: '{{lookup.email}}', subject: 'Hi', body: 'cc {{extra.email}}' },
      description: 'Draft',
      requires: [
        { stepId: 'extra', field: 'email', effect: 'blocks', resolution: 'ask_user', condition: { stepId: 'lookup', field: 'score', operator, value } },
      ],
    },
  ];

  it('false condition: the dependency is not needed and its value is dropped', () => {
    let d = applyApproval(build({ steps: steps('greater_than', 5) }).draft, { action: 'reject_step', stepId: 'extra' }, USER, T0).draft;
    expect(d.conflicts).toEqual([]); // not decided yet: the condition step has not run
    d = applyApproval(d, { action: 'approve_all' }, USER, T0).draft;
    expect(d.state).toBe('running');
    const done = runStep(d, 'lookup', { ...JOHN, score: 3 }).done;
    expect(done.enqueue).toEqual([{ stepId: 'mail', run: 0 }]);
    expect(beginStep(done.draft, 'mail', 0, T0 + 50)!.params).toEqual({ recipient: JOHN.email, subject: 'Hi', body: 'cc ' });
  });

  it('true condition: the dependency applies as declared', () => {
    let d = applyApproval(build({ steps: steps('greater_than', 5) }).draft, { action: 'reject_step', stepId: 'extra' }, USER, T0).draft;
    d = applyApproval(d, { action: 'approve_all' }, USER, T0).draft;
    const done = runStep(d, 'lookup', { ...JOHN, score: 9 }).done;
    expect(done.enqueue).toEqual([]);
    expect(done.draft.conflicts.map((c) => [c.stepId, c.missingDependency])).toEqual([['mail', 'extra']]);
  });

  it.each([
    ['equals', 'vip', { tier: 'vip' }, true],
    ['equals', 'vip', { tier: 'std' }, false],
    ['exists', undefined, { tier: 'x' }, true],
  ] as const)('%s %p on %p → needed %p', (operator, value, data, needed) => {
    const s = steps(operator, value);
    s[2]!.requires![0]!.condition!.field = 'tier';
    let d = build({ steps: s }).draft;
    d = applyApproval(d, { action: 'reject_step', stepId: 'extra' }, USER, T0).draft;
    d = applyApproval(d, { action: 'approve_all' }, USER, T0).draft;
    const done = runStep(d, 'lookup', { ...JOHN, ...data }).done;
    expect(done.draft.conflicts.length > 0).toBe(needed);
  });
});
