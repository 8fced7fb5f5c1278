import { WorkflowDraftSchema, SERVER_PAYLOADS } from '@wfa/protocol';
import type { WorkflowEvent } from '@wfa/protocol';
import { applyApproval } from './decisions';
import { beginStep, finishStep, readyToRun } from './execution';
import { toDraftPayload, toSummary } from './views';
import { JOHN, T0, USER, approveAll, build, runStep, step, types } from './test-helpers';

function expectEventsValid(events: WorkflowEvent[]) {
  for (const e of events) expect(SERVER_PAYLOADS[e.type].safeParse(e.payload).success).toBe(true);
}

describe('seed walk-through', () => {
  it('builds the seed draft', () => {
    const t = build();
    const d = t.draft;
    expect(WorkflowDraftSchema.safeParse(d).success).toBe(true);
    expect(d.version).toBe(1);
    expect(d.state).toBe('created');
    expect(d.approvalStatus).toBe('draft_pending');
    expect(d.totalSteps).toBe(3);
    expect(d.summary).toBe('3-step workflow: Contact lookup → Email composition → Calendar event creation');
    expect(d.estimatedDuration).toBe('1-2 minutes');
    expect(d.expiresAt).toBe(T0 + 2 * 3600 * 1000);
    expect(d.steps.map((s) => [s.id, s.order, s.riskLevel, s.estimatedTime])).toEqual([
      ['contact_lookup_1', 1, 'low', '10 seconds'],
      ['email_draft_1', 2, 'medium', '30 seconds'],
      ['calendar_event_1', 3, 'medium', '20 seconds'],
    ]);
    expect(step(d, 'contact_lookup_1').expectedOutcome).toBe("Find John's email address");
    expect(step(d, 'email_draft_1').requiredPermissions).toEqual(['email:write']);
    expect(step(d, 'email_draft_1').dependencies).toEqual(['contact_lookup_1']);
    expect(step(d, 'calendar_event_1').dependencies).toEqual(['contact_lookup_1']);
    expect(step(d, 'email_draft_1').userFriendlyDescription).toBe('Create an email draft to John: "About the meeting"');
    expect(d.dependencies['email_draft_1']).toEqual({
      dependsOn: ['contact_lookup_1'],
      reason: "Needs John's email address from contact lookup",
      isBlocking: true,
    });
    expect(d.dependencies['contact_lookup_1']).toBeUndefined();
    expect(d.risks).toEqual([
      { stepId: 'email_draft_1', level: 'medium', description: 'Will create a draft in your mailbox' },
      { stepId: 'calendar_event_1', level: 'medium', description: 'Will create an event in your calendar' },
    ]);
    for (const s of d.steps) {
      expect(s.state).toBe('pending');
      expect(s.approvalStatus).toBe('draft_pending');
      expect(s.run).toBe(0);
      expect(s.isModified).toBe(false);
    }
    expect(types(t.events)).toEqual(['WORKFLOW_DRAFT']);
    expectEventsValid(t.events);
    expect(t.enqueue).toEqual([]);
    expect(toDraftPayload(d).steps[1]!.params).toEqual({ subject: 'About the meeting', recipient: '{{contact_lookup_1.email}}' });
  });

  it('runs after approve_all: lookup first, then email and calendar in parallel', () => {
    const t0 = build();
    const t1 = approveAll(t0.draft);
    expect(t1.draft.version).toBe(2);
    expect(t1.draft.state).toBe('running');
    expect(t1.enqueue).toEqual([{ stepId: 'contact_lookup_1', run: 0 }]);
    expect(types(t1.events)).toEqual(['WORKFLOW_STATUS']);
    expect(t1.ack).toEqual({ version: 2 });

    // Dependents may not begin before the lookup completed.
    expect(beginStep(t1.draft, 'email_draft_1', 0, T0 + 2)).toBeNull();

    const { begin, done, params } = runStep(t1.draft, 'contact_lookup_1', JOHN);
    expect(params).toEqual({ query: 'John' });
    expect(begin.events[0]).toEqual({
      type: 'STEP_EXECUTION',
      payload: { stepId: 'contact_lookup_1', status: 'running', progress: 0, message: 'Running: Look up John in your Google Contacts', version: 3 },
    });
    expect(done.enqueue).toEqual([
      { stepId: 'email_draft_1', run: 0 },
      { stepId: 'calendar_event_1', run: 0 },
    ]);
    const ev = done.events[0]!;
    expect(ev.type).toBe('STEP_EXECUTION');
    if (ev.type === 'STEP_EXECUTION') {
      expect(ev.payload.nextStepId).toBe('email_draft_1');
      expect(ev.payload.result).toMatchObject({ success: true, data: JOHN, stepId: 'contact_lookup_1', state: 'completed', timestamp: T0 + 11 });
    }
    expect(done.draft.executionContext.stepResults['contact_lookup_1']).toEqual(JOHN);

    const e = beginStep(done.draft, 'email_draft_1', 0, T0 + 20)!;
    expect(e.params).toEqual({ subject: 'About the meeting', recipient: 'john.doe@company.com' });
    const c = beginStep(e.transition!.draft, 'calendar_event_1', 0, T0 + 20)!;
    expect(c.params).toEqual({ title: 'Meeting with John', attendees: ['john.doe@company.com'] });
    // A redelivered job for a running step gets the params again, no transition.
    expect(beginStep(c.transition!.draft, 'email_draft_1', 0, T0 + 21)).toEqual({ transition: null, params: e.params, execute: true });

    const f1 = finishStep(c.transition!.draft, 'email_draft_1', 0, { kind: 'completed', data: { draftId: 'd1' }, message: 'Draft created' }, T0 + 30)!;
    expect(f1.draft.state).toBe('running');
    expect(types(f1.events)).toEqual(['STEP_EXECUTION']);
    const f2 = finishStep(f1.draft, 'calendar_event_1', 0, { kind: 'completed', data: { eventId: 'e1' }, message: 'Event created' }, T0 + 31)!;
    expect(f2.draft.state).toBe('completed');
    expect(f2.draft.finishedAt).toBe(T0 + 31);
    expect(types(f2.events)).toEqual(['STEP_EXECUTION', 'WORKFLOW_STATUS']);
    expectEventsValid([...t1.events, ...begin.events, ...done.events, ...f1.events, ...f2.events]);
    // Finished: redelivery changes nothing; decisions are refused.
    expect(finishStep(f2.draft, 'calendar_event_1', 0, { kind: 'completed', data: {}, message: 'again' }, T0 + 40)).toBeNull();
    expect(() => applyApproval(f2.draft, { action: 'approve_all' }, USER, T0 + 50)).toThrow(expect.objectContaining({ code: 'invalid_state' }));
    expect(toSummary(f2.draft)).toMatchObject({ planState: 'completed', pendingStepIds: [], failedStepIds: [] });
    expect(readyToRun(f2.draft)).toEqual([]);
  });

  it('rejecting the lookup raises the seed rejection-chain conflict', () => {
    const t0 = build();
    const t1 = applyApproval(t0.draft, { action: 'reject_step', stepId: 'contact_lookup_1', reason: "I already know John's email" }, USER, T0 + 1);
    expect(types(t1.events)).toEqual(['EDIT_RESULT', 'DEPENDENCY_CONFLICT', 'WORKFLOW_STATUS']);
    expectEventsValid(t1.events);
    const conflict = t1.events[1]!;
    expect(conflict.payload).toEqual({
      version: 2,
      conflictType: 'missing_dependency',
      rejectedStep: 'contact_lookup_1',
      missingDependency: 'contact_lookup_1',
      affectedSteps: [
        { stepId: 'email_draft_1', issue: 'Needs email address from contact lookup', resolution: 'ask_user' },
        { stepId: 'calendar_event_1', issue: 'Needs email address from contact lookup', resolution: 'ask_user' },
      ],
      options: [
        expect.objectContaining({ action: 'provide_value', description: "Provide John's email address manually" }),
        expect.objectContaining({ action: 'skip_dependent', description: 'Skip email and calendar steps' }),
        expect.objectContaining({ action: 'reapprove_dependency', description: 'Re-approve contact lookup' }),
      ],
    });
    expect(step(t1.draft, 'contact_lookup_1').rejectionReason).toBe("I already know John's email");
    expect(t1.draft.conflicts.map((c) => c.stepId)).toEqual(['email_draft_1', 'calendar_event_1']);
    expect(toSummary(t1.draft).conflicts).toEqual(['email_draft_1', 'calendar_event_1']);
  });
});
