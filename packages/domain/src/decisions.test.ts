import { ProtocolError, WorkflowDraftSchema } from '@wfa/protocol';
import type { WorkflowDraft } from '@wfa/protocol';
import { applyApproval, applyEdit } from './decisions';
import { beginStep, finishStep } from './execution';
import { JOHN, T0, USER, approveAll, build, runStep, step, types } from './test-helpers';

const code = (c: string) => expect.objectContaining({ code: c });

function frozen(d: WorkflowDraft): string {
  return JSON.stringify(d);
}

describe('applyApproval', () => {
  it('approve_step approves one step, bumps version, emits a status snapshot, never mutates its input', () => {
    const d = build().draft;
    const before = frozen(d);
    const t = applyApproval(d, { action: 'approve_step', stepId: 'contact_lookup_1' }, USER, T0 + 5);
    expect(frozen(d)).toBe(before);
    expect(step(t.draft, 'contact_lookup_1').approvalStatus).toBe('step_approved');
    expect(t.draft.version).toBe(d.version + 1);
    expect(t.draft.lastInteraction).toBe(T0 + 5);
    expect(t.draft.approvedSteps).toEqual(['contact_lookup_1']);
    expect(types(t.events)).toEqual(['WORKFLOW_STATUS']);
    expect(t.draft.state).toBe('created'); // review_all waits for every decision
    expect(t.enqueue).toEqual([]);
    expect(t.ack).toEqual({ version: 2 });
    expect(WorkflowDraftSchema.safeParse(t.draft).success).toBe(true);
  });

  it('starts in review_all only once every step has a decision', () => {
    let d = build().draft;
    d = applyApproval(d, { action: 'approve_step', stepId: 'contact_lookup_1' }, USER, T0).draft;
    d = applyApproval(d, { action: 'approve_step', stepId: 'email_draft_1' }, USER, T0).draft;
    expect(d.state).toBe('created');
    const t = applyApproval(d, { action: 'approve_step', stepId: 'calendar_event_1' }, USER, T0);
    expect(t.draft.state).toBe('running');
    expect(t.draft.approvalStatus).toBe('step_approved');
    expect(t.enqueue).toEqual([{ stepId: 'contact_lookup_1', run: 0 }]);
  });

  it('reject_step keeps the reason; modify_step merges, keeps originals and needs approval again', () => {
    const d = build().draft;
    const r = applyApproval(d, { action: 'reject_step', stepId: 'calendar_event_1', reason: 'not now' }, USER, T0);
    expect(step(r.draft, 'calendar_event_1')).toMatchObject({ approvalStatus: 'step_rejected', rejectionReason: 'not now' });
    expect(r.draft.rejectedSteps).toEqual(['calendar_event_1']);

    const m1 = applyApproval(d, { action: 'modify_step', stepId: 'email_draft_1', modifications: { subject: 'Updated Meeting Subject' } }, USER, T0);
    const m2 = applyApproval(m1.draft, { action: 'modify_step', stepId: 'email_draft_1', modifications: { body: 'Custom email body here' } }, USER, T0);
    const s = step(m2.draft, 'email_draft_1');
    expect(s.params).toEqual({ subject: 'Updated Meeting Subject', recipient: '{{contact_lookup_1.email}}', body: 'Custom email body here' });
    expect(s.originalParams).toEqual({ subject: 'About the meeting', recipient: '{{contact_lookup_1.email}}' });
    expect(s.userModifications).toEqual({ subject: 'Updated Meeting Subject', body: 'Custom email body here' });
    expect(s).toMatchObject({ isModified: true, approvalStatus: 'step_modified' });
    expect(types(m1.events)).toEqual(['EDIT_RESULT', 'WORKFLOW_STATUS']);
    expect(m2.draft.version).toBe(3);
    // A modified step needs approval again: approve_all covers it.
    const all = approveAll(m2.draft);
    expect(step(all.draft, 'email_draft_1').approvalStatus).toBe('step_approved');
    expect(all.draft.state).toBe('running');
  });

  it('refuses bad input with the right codes and changes nothing', () => {
    const d = build().draft;
    const cases: Array<[Parameters<typeof applyApproval>[1], string]> = [
      [{ action: 'approve_step' }, 'invalid_message'],
      [{ action: 'approve_step', stepId: 'nope' }, 'not_found'],
      [{ action: 'modify_step', stepId: 'email_draft_1' }, 'invalid_message'],
      [{ action: 'modify_step', stepId: 'email_draft_1', modifications: {} }, 'invalid_message'],
      [{ action: 'modify_step', stepId: 'email_draft_1', modifications: JSON.parse('{"__proto__":{"polluted":1}}') }, 'invalid_message'],
      [{ action: 'modify_step', stepId: 'email_draft_1', modifications: { constructor: 'x' } }, 'invalid_message'],
      [{ action: 'modify_step', stepId: 'email_draft_1', modifications: { nested: { prototype: 1 } } }, 'invalid_message'],
      [{ action: 'modify_step', stepId: 'email_draft_1', modifications: { unknownParam: 1 } }, 'invalid_plan'],
      [{ action: 'modify_step', stepId: 'email_draft_1', modifications: { recipient: 'not-an-email' } }, 'invalid_plan'],
      [{ action: 'modify_step', stepId: 'email_draft_1', modifications: { recipient: '{{email_draft_1.email}}' } }, 'invalid_plan'],
      [{ action: 'modify_step', stepId: 'contact_lookup_1', modifications: { query: '{{email_draft_1.x}}' } }, 'invalid_plan'],
      [{ action: 'approve_all', expectedVersion: 7 }, 'conflict'],
    ];
    const before = frozen(d);
    for (const [payload, c] of cases) {
      expect(() => applyApproval(d, payload, USER, T0)).toThrow(code(c));
    }
    expect(frozen(d)).toBe(before);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    // A matching expectedVersion is fine.
    expect(applyApproval(d, { action: 'approve_all', expectedVersion: 1 }, USER, T0).draft.version).toBe(2);
  });

  it('names the cycle a modification would create', () => {
    const d = build().draft;
    try {
      applyApproval(d, { action: 'modify_step', stepId: 'contact_lookup_1', modifications: { query: '{{email_draft_1.x}}' } }, USER, T0);
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).message).toContain('contact_lookup_1 -> email_draft_1 -> contact_lookup_1');
    }
  });

  it('a step that has started cannot be decided again', () => {
    const running = approveAll(build().draft).draft;
    const b = beginStep(running, 'contact_lookup_1', 0, T0 + 2)!.transition!.draft;
    for (const action of ['approve_step', 'reject_step'] as const) {
      expect(() => applyApproval(b, { action, stepId: 'contact_lookup_1' }, USER, T0)).toThrow(code('invalid_state'));
    }
    expect(() => applyApproval(b, { action: 'modify_step', stepId: 'contact_lookup_1', modifications: { query: 'Jim' } }, USER, T0)).toThrow(
      code('invalid_state'),
    );
    // Its pending dependents still can be.
    const r = applyApproval(b, { action: 'reject_step', stepId: 'calendar_event_1' }, USER, T0);
    expect(step(r.draft, 'calendar_event_1').approvalStatus).toBe('step_rejected');
  });

  it('modifying an approved step that was already queued cancels its job and gives it a new run', () => {
    let d = approveAll(build().draft).draft;
    d = runStep(d, 'contact_lookup_1', JOHN).done.draft; // email + calendar enqueued with run 0
    const m = applyApproval(d, { action: 'modify_step', stepId: 'email_draft_1', modifications: { subject: 'New' } }, USER, T0 + 20);
    expect(m.cancel).toEqual([{ stepId: 'email_draft_1', run: 0 }]);
    expect(step(m.draft, 'email_draft_1').run).toBe(1);
    expect(beginStep(m.draft, 'email_draft_1', 0, T0 + 21)).toBeNull(); // the stale job
    const a = applyApproval(m.draft, { action: 'approve_step', stepId: 'email_draft_1' }, USER, T0 + 22);
    expect(a.enqueue).toEqual([{ stepId: 'email_draft_1', run: 1 }]);
    expect(beginStep(a.draft, 'email_draft_1', 1, T0 + 23)!.params).toEqual({ subject: 'New', recipient: JOHN.email });
  });

  it('cancel_all cancels the workflow and lists unfinished approved jobs', () => {
    let d = approveAll(build().draft).draft;
    d = runStep(d, 'contact_lookup_1', JOHN).done.draft;
    d = beginStep(d, 'email_draft_1', 0, T0 + 20)!.transition!.draft;
    const t = applyApproval(d, { action: 'cancel_all', reason: 'changed my mind' }, USER, T0 + 21);
    expect(t.draft.state).toBe('cancelled');
    expect(t.draft.approvalStatus).toBe('user_cancelled');
    expect(t.draft.cancelReason).toBe('changed my mind');
    expect(t.cancel).toEqual(expect.arrayContaining([{ stepId: 'email_draft_1', run: 0 }, { stepId: 'calendar_event_1', run: 0 }]));
    expect(t.cancel).toHaveLength(2);
    expect(step(t.draft, 'contact_lookup_1')).toMatchObject({ state: 'completed', approvalStatus: 'step_approved' });
    expect(step(t.draft, 'email_draft_1')).toMatchObject({ state: 'running', approvalStatus: 'user_cancelled' });
    expect(step(t.draft, 'calendar_event_1')).toMatchObject({ state: 'skipped', approvalStatus: 'user_cancelled' });
    expect(types(t.events)).toEqual(['WORKFLOW_STATUS']);
    expect(beginStep(t.draft, 'calendar_event_1', 0, T0 + 22)).toBeNull();
    // The running step's outcome is still recorded, nothing more runs.
    const f = finishStep(t.draft, 'email_draft_1', 0, { kind: 'completed', data: { draftId: 'd' }, message: 'ok' }, T0 + 23)!;
    expect(step(f.draft, 'email_draft_1').state).toBe('completed');
    expect(f.enqueue).toEqual([]);
    expect(f.draft.state).toBe('cancelled');
    // ...and a fresh WORKFLOW_STATUS shows it done, after the cancellation's own status.
    expect(types(f.events)).toEqual(['STEP_EXECUTION', 'WORKFLOW_STATUS']);
    const status = f.events[1]!.payload as { planState: string; steps: { id: string; state: string }[] };
    expect(status.planState).toBe('cancelled');
    expect(status.steps.find((s) => s.id === 'email_draft_1')?.state).toBe('completed');
    expect(() => applyApproval(t.draft, { action: 'approve_all' }, USER, T0)).toThrow(code('invalid_state'));
  });

  it('ends the workflow as cancelled when every step is rejected', () => {
    let d = build().draft;
    for (const id of ['email_draft_1', 'calendar_event_1']) d = applyApproval(d, { action: 'reject_step', stepId: id }, USER, T0).draft;
    const t = applyApproval(d, { action: 'reject_step', stepId: 'contact_lookup_1' }, USER, T0);
    expect(t.draft.state).toBe('cancelled');
    expect(t.draft.cancelReason).toMatch(/nothing to execute/);
    expect(types(t.events)).toEqual(['EDIT_RESULT', 'WORKFLOW_STATUS']);
    const er = t.events[0]!;
    if (er.type === 'EDIT_RESULT') expect(er.payload.validationResult?.errors).toContain('All steps were rejected or skipped - nothing to execute');
  });
});

describe('preferences (SPEC §6.9)', () => {
  it('approvals disabled: everything approved and running at once', () => {
    const t = build(undefined, {}, { approvalsEnabled: false });
    expect(t.draft.steps.every((s) => s.approvalStatus === 'step_approved' && s.autoApprovedBy === 'approvals_disabled')).toBe(true);
    expect(t.draft.state).toBe('running');
    expect(t.enqueue).toEqual([{ stepId: 'contact_lookup_1', run: 0 }]);
    expect(types(t.events)).toEqual(['WORKFLOW_DRAFT']);
    expect(t.draft.version).toBe(1);
  });

  it('autoApprove rules name themselves; alwaysConfirm wins; high risk never', () => {
    const prefs = (p: Partial<import('@wfa/protocol').ApprovalPreferences['autoApprove']>, c: Partial<import('@wfa/protocol').ApprovalPreferences['alwaysConfirm']> = {}) => ({
      autoApprove: { lowRiskSteps: false, actionTypes: [], specificActions: [], maxStepsWithoutConfirmation: 0, ...p },
      alwaysConfirm: { highRiskActions: true, actionTypes: [], emailSends: true, calendarWrites: false, ...c },
    });
    const low = build(undefined, {}, prefs({ lowRiskSteps: true })).draft;
    expect(step(low, 'contact_lookup_1').autoApprovedBy).toBe('autoApprove.lowRiskSteps');
    expect(step(low, 'email_draft_1').approvalStatus).toBe('draft_pending');
    expect(low.state).toBe('created');

    const types_ = build(undefined, {}, prefs({ actionTypes: ['calendar'] }, { calendarWrites: true })).draft;
    expect(step(types_, 'calendar_event_1').approvalStatus).toBe('draft_pending');
    const spec = build(undefined, {}, prefs({ specificActions: ['create_event'] })).draft;
    expect(step(spec, 'calendar_event_1').autoApprovedBy).toBe('autoApprove.specificActions');

    const max = build(undefined, {}, prefs({ maxStepsWithoutConfirmation: 3 }));
    expect(max.draft.steps.map((s) => s.autoApprovedBy)).toEqual(Array(3).fill('autoApprove.maxStepsWithoutConfirmation'));
    expect(max.draft.state).toBe('running'); // nothing waits on the user
    expect(build(undefined, {}, prefs({ maxStepsWithoutConfirmation: 2 })).draft.steps.every((s) => s.approvalStatus === 'draft_pending')).toBe(true);

    const send = build(
      { steps: [{ id: 's', type: 'email', action: 'send_email', params: { recipient: 'a@b.co', subject: 'x' }, description: 'send' }] },
      {},
      prefs({ actionTypes: ['email'], maxStepsWithoutConfirmation: 9 }, { highRiskActions: false, emailSends: false }),
    ).draft;
    expect(step(send, 's').approvalStatus).toBe('draft_pending');
    const ac = build(undefined, {}, prefs({ lowRiskSteps: true }, { actionTypes: ['contact'] })).draft;
    expect(step(ac, 'contact_lookup_1').approvalStatus).toBe('draft_pending');
  });
});

describe('applyEdit', () => {
  it('modify_params reports dependents that need review', () => {
    const t = applyEdit(build().draft, { operation: 'modify_params', stepId: 'contact_lookup_1', newParams: { query: 'Johnny' } }, USER, T0);
    const er = t.events[0]!;
    expect(er.type).toBe('EDIT_RESULT');
    if (er.type !== 'EDIT_RESULT') return;
    expect(er.payload.success).toBe(true);
    expect(er.payload.version).toBe(2);
    expect(er.payload.updatedStep).toMatchObject({ id: 'contact_lookup_1', isModified: true, approvalStatus: 'step_modified' });
    expect(er.payload.dependencyImpacts?.map((i) => [i.stepId, i.impact])).toEqual([
      ['email_draft_1', 'needs_review'],
      ['calendar_event_1', 'needs_review'],
    ]);
    expect(er.payload.validationResult?.isValid).toBe(true);
    expect(er.payload.validationResult?.warnings.join(' ')).toMatch(/modified and needs approval again/);
  });

  it('an edit that changes no other step sends no updatedSteps', () => {
    const t = applyEdit(build().draft, { operation: 'modify_params', stepId: 'email_draft_1', newParams: { subject: 'New subject' } }, USER, T0);
    const er = t.events[0]!;
    if (er.type !== 'EDIT_RESULT') throw new Error('no EDIT_RESULT');
    expect(er.payload.updatedStep?.['id']).toBe('email_draft_1');
    expect(er.payload.updatedSteps).toBeUndefined();
  });

  it('restore_params undoes modifications', () => {
    const m = applyEdit(build().draft, { operation: 'modify_params', stepId: 'email_draft_1', newParams: { subject: 'X', body: null } }, USER, T0);
    const r = applyEdit(m.draft, { operation: 'restore_params', stepId: 'email_draft_1' }, USER, T0);
    const s = step(r.draft, 'email_draft_1');
    expect(s.params).toEqual({ subject: 'About the meeting', recipient: '{{contact_lookup_1.email}}' });
    expect(s).toMatchObject({ isModified: false, approvalStatus: 'draft_pending' });
    expect(s.originalParams).toBeUndefined();
    expect(() => applyEdit(r.draft, { operation: 'restore_params', stepId: 'email_draft_1' }, USER, T0)).toThrow(code('invalid_state'));
  });

  it('a null modification removes a param', () => {
    const m = applyEdit(build().draft, { operation: 'modify_params', stepId: 'email_draft_1', newParams: { body: 'hi' } }, USER, T0);
    const n = applyEdit(m.draft, { operation: 'modify_params', stepId: 'email_draft_1', newParams: { body: null } }, USER, T0);
    expect(step(n.draft, 'email_draft_1').params).toEqual({ subject: 'About the meeting', recipient: '{{contact_lookup_1.email}}' });
  });

  it('batch edits apply in order, all or nothing, with one EDIT_RESULT', () => {
    const d = build().draft;
    const t = applyEdit(
      d,
      {
        edits: [
          { operation: 'modify_params', stepId: 'email_draft_1', newParams: { subject: 'S' } },
          { operation: 'approve_step', stepId: 'email_draft_1' },
          { operation: 'approve_step', stepId: 'contact_lookup_1' },
          { operation: 'skip_step', stepId: 'calendar_event_1' },
        ],
      },
      USER,
      T0,
    );
    expect(t.draft.version).toBe(2);
    expect(types(t.events)).toEqual(['EDIT_RESULT', 'WORKFLOW_STATUS']);
    const er = t.events[0]!;
    if (er.type === 'EDIT_RESULT') {
      expect(er.payload.updatedSteps?.map((s) => s['id'])).toEqual(['email_draft_1', 'contact_lookup_1', 'calendar_event_1']);
      expect(er.payload.updatedStep?.['id']).toBe('calendar_event_1');
    }
    expect(step(t.draft, 'calendar_event_1')).toMatchObject({ state: 'skipped', approvalStatus: 'draft_pending' });
    expect(t.draft.state).toBe('running'); // all decided
    expect(t.enqueue).toEqual([{ stepId: 'contact_lookup_1', run: 0 }]);

    const before = JSON.stringify(d);
    expect(() =>
      applyEdit(
        d,
        {
          edits: [
            { operation: 'approve_step', stepId: 'contact_lookup_1' },
            { operation: 'skip_step', stepId: 'email_draft_1' },
            { operation: 'restore_params', stepId: 'contact_lookup_1' }, // nothing to undo: refused
          ],
        },
        USER,
        T0,
      ),
    ).toThrow(code('invalid_state'));
    expect(JSON.stringify(d)).toBe(before);
  });

  it('approve_step undoes a skip of a step that never ran', () => {
    const s = applyEdit(build().draft, { operation: 'skip_step', stepId: 'calendar_event_1' }, USER, T0);
    const a = applyEdit(s.draft, { operation: 'approve_step', stepId: 'calendar_event_1' }, USER, T0);
    expect(step(a.draft, 'calendar_event_1')).toMatchObject({ state: 'pending', approvalStatus: 'step_approved' });
  });

  it('skip_step cascades like a rejection and reports impacts', () => {
    const t = applyEdit(build().draft, { operation: 'skip_step', stepId: 'contact_lookup_1' }, USER, T0);
    expect(types(t.events)).toEqual(['EDIT_RESULT', 'DEPENDENCY_CONFLICT']);
    const er = t.events[0]!;
    if (er.type === 'EDIT_RESULT') {
      expect(er.payload.dependencyImpacts?.map((i) => i.impact)).toEqual(['will_ask_user', 'will_ask_user']);
      expect(er.payload.validationResult?.isValid).toBe(false);
    }
  });
});

describe('descriptions follow edits', () => {
  it('a modified lookup says whom it looks up now, and so does the step that writes to that person', () => {
    const d = build().draft;
    const t = applyApproval(d, { action: 'modify_step', stepId: 'contact_lookup_1', modifications: { query: 'Jane' } }, USER, T0);
    expect(step(t.draft, 'contact_lookup_1').userFriendlyDescription).toMatch(/Jane/);
    expect(step(t.draft, 'contact_lookup_1').expectedOutcome).toMatch(/Jane/);
    expect(step(t.draft, 'email_draft_1').userFriendlyDescription).toMatch(/Jane/);
    // Every device learns the dependents' new descriptions from the EDIT_RESULT itself.
    const er = t.events.find((e) => e.type === 'EDIT_RESULT');
    if (er?.type !== 'EDIT_RESULT') throw new Error('no EDIT_RESULT');
    expect(er.payload.updatedStep?.['id']).toBe('contact_lookup_1');
    const sent = new Map((er.payload.updatedSteps ?? []).map((s) => [s['id'], s]));
    expect([...sent.keys()][0]).toBe('contact_lookup_1');
    expect(sent.get('email_draft_1')?.['userFriendlyDescription']).toMatch(/Jane/);
    // A step the edit did not change is not sent again.
    for (const [id, s] of sent) if (id !== 'contact_lookup_1') expect(JSON.stringify(s)).not.toBe(JSON.stringify(step(d, id as string)));
    const back = applyEdit(t.draft, { operation: 'restore_params', stepId: 'contact_lookup_1' }, USER, T0 + 1);
    expect(step(back.draft, 'contact_lookup_1').userFriendlyDescription).toBe(step(d, 'contact_lookup_1').userFriendlyDescription);
  });
});

describe('fields a decision does not read', () => {
  const refused = (f: () => unknown, field: string) => expect(f).toThrow(expect.objectContaining({ code: 'invalid_message', details: { field } }));

  it('are refused, and nothing changes, where they would change what happens', () => {
    const d = build().draft;
    const before = frozen(d);
    refused(() => applyApproval(d, { action: 'approve_step', stepId: 'email_draft_1', modifications: { subject: 'Changed' } }, USER, T0), 'modifications');
    refused(() => applyApproval(d, { action: 'reject_step', stepId: 'email_draft_1', modifications: { subject: 'Changed' } }, USER, T0), 'modifications');
    refused(() => applyApproval(d, { action: 'approve_all', stepId: 'email_draft_1' }, USER, T0), 'stepId');
    refused(() => applyApproval(d, { action: 'approve_all', modifications: { subject: 'x' } }, USER, T0), 'modifications');
    refused(() => applyApproval(d, { action: 'cancel_all', stepId: 'email_draft_1' }, USER, T0), 'stepId');
    refused(() => applyEdit(d, { operation: 'approve_step', stepId: 'email_draft_1', newParams: { subject: 'Changed' } }, USER, T0), 'newParams');
    // Each message points at its own way to change params.
    expect(() => applyEdit(d, { operation: 'approve_step', stepId: 'email_draft_1', newParams: { subject: 'x' } }, USER, T0)).toThrow(/send modify_params, then approve it/);
    expect(() => applyApproval(d, { action: 'approve_step', stepId: 'email_draft_1', modifications: { subject: 'x' } }, USER, T0)).toThrow(/send modify_step, then approve it/);
    refused(() => applyEdit(d, { operation: 'skip_step', stepId: 'email_draft_1', newParams: { subject: 'Changed' } }, USER, T0), 'newParams');
    // One bad edit in a batch refuses the whole batch.
    refused(
      () => applyEdit(d, { edits: [{ operation: 'approve_step', stepId: 'contact_lookup_1' }, { operation: 'reject_step', stepId: 'email_draft_1', newParams: { subject: 'x' } }] }, USER, T0),
      'newParams',
    );
    expect(frozen(d)).toBe(before);
  });

  it('that a decision needs are asked for by name', () => {
    const d = build().draft;
    refused(() => applyApproval(d, { action: 'approve_step' }, USER, T0), 'stepId');
    refused(() => applyApproval(d, { action: 'modify_step', stepId: 'email_draft_1' }, USER, T0), 'modifications');
    refused(() => applyEdit(d, { operation: 'modify_params', stepId: 'email_draft_1' }, USER, T0), 'newParams');
  });

  it('a reason is a note: kept by reject_step and cancel_all, accepted unused by the others', () => {
    const d = build().draft;
    const t = applyApproval(d, { action: 'approve_all', reason: 'looks right' }, USER, T0);
    expect(t.draft.steps.every((s) => s.approvalStatus === 'step_approved')).toBe(true);
    const r = applyApproval(d, { action: 'reject_step', stepId: 'calendar_event_1', reason: 'not now' }, USER, T0);
    expect(step(r.draft, 'calendar_event_1').rejectionReason).toBe('not now');
  });
});
