/** SPEC §6.11: what each kind of change writes to the audit log (the store chains it). */
import fc from 'fast-check';
import { applyApproval, applyEdit, resolveConflict } from './decisions';
import { auditRecords, systemActor, type AuditActor } from './audit';
import { JOHN, T0, USER, approveAll, build, runStep } from './test-helpers';

const alice: AuditActor = { userId: 'u1', kind: 'user', ipAddress: '10.0.0.7', userAgent: 'console', cause: 'WORKFLOW_APPROVAL approve_all' };

describe('auditRecords', () => {
  it('a new workflow is one "created" entry, plus each step a preference approved by itself', () => {
    const d = build().draft;
    expect(auditRecords(null, d, alice, T0)).toEqual([
      expect.objectContaining({ action: 'created', before: null, after: { planState: 'created', approvalStatus: d.approvalStatus } }),
    ]);
    const autoApprove = { lowRiskSteps: false, actionTypes: ['contact' as const], specificActions: [], maxStepsWithoutConfirmation: 0 };
    const auto = build(undefined, {}, { autoApprove }).draft;
    const recs = auditRecords(null, auto, alice, T0);
    expect(recs.filter((r) => r.action === 'approved')).toEqual([
      expect.objectContaining({ stepId: 'contact_lookup_1', before: null, reason: 'approved automatically: autoApprove.actionTypes' }),
    ]);
  });

  it('approve_all: each step approved, with the actor, address and cause', () => {
    const d = build().draft;
    const t = approveAll(d);
    const recs = auditRecords(d, t.draft, alice, T0 + 1);
    const steps = recs.filter((r) => r.stepId);
    expect(steps.map((r) => [r.stepId, r.action])).toEqual(d.steps.map((s) => [s.id, 'approved']));
    for (const r of recs) expect(r).toMatchObject({ userId: 'u1', actorKind: 'user', ipAddress: '10.0.0.7', userAgent: 'console', cause: alice.cause, timestamp: T0 + 1 });
    expect(steps[0]).toMatchObject({ before: { approvalStatus: 'draft_pending', state: 'pending' }, after: { approvalStatus: 'step_approved' } });
  });

  it('a rejection keeps its reason; a modification keeps the params before and after', () => {
    const d = build().draft;
    const rejected = applyApproval(d, { action: 'reject_step', stepId: 'calendar_event_1', reason: 'not now' }, USER, T0);
    expect(auditRecords(d, rejected.draft, alice, T0)).toContainEqual(
      expect.objectContaining({ action: 'rejected', stepId: 'calendar_event_1', reason: 'not now' }),
    );
    const modified = applyEdit(d, { operation: 'modify_params', stepId: 'calendar_event_1', newParams: { title: 'Lunch' } }, USER, T0);
    const rec = auditRecords(d, modified.draft, alice, T0).find((r) => r.stepId === 'calendar_event_1');
    expect(rec).toMatchObject({
      action: 'modified',
      before: { params: { title: 'Meeting with John' } },
      after: { params: { title: 'Lunch' }, approvalStatus: 'step_modified' },
    });
  });

  it('execution: the system records each state change of a step and of the plan', () => {
    const d = approveAll(build().draft).draft;
    const { begin, done } = runStep(d, 'contact_lookup_1', { contacts: [JOHN] });
    const started = auditRecords(d, begin.draft, systemActor('step started'), T0 + 10);
    expect(started).toContainEqual(expect.objectContaining({ action: 'state_changed', stepId: 'contact_lookup_1', userId: 'system', actorKind: 'system', before: expect.objectContaining({ state: 'pending' }), after: expect.objectContaining({ state: 'running' }) }));
    const finished = auditRecords(begin.draft, done.draft, systemActor('step finished'), T0 + 11);
    expect(finished).toContainEqual(expect.objectContaining({ action: 'state_changed', stepId: 'contact_lookup_1', after: expect.objectContaining({ state: 'completed' }) }));
  });

  it('cancel_all: the plan entry carries the reason', () => {
    const d = build().draft;
    const t = applyApproval(d, { action: 'cancel_all', reason: 'changed my mind' }, USER, T0);
    const plan = auditRecords(d, t.draft, alice, T0).find((r) => r.action === 'plan_state_changed');
    expect(plan).toMatchObject({ after: { planState: 'cancelled' } });
    expect(plan?.stepId).toBeUndefined();
  });

  it('every change leaves at least one entry, and every step that changed has one (property)', () => {
    const decisions = fc.array(
      fc.oneof(
        fc.constant({ action: 'approve_all' as const }),
        fc.record({ action: fc.constantFrom('approve_step' as const, 'reject_step' as const), stepId: fc.constantFrom('contact_lookup_1', 'email_draft_1', 'calendar_event_1') }),
      ),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(decisions, (list) => {
        let d = build().draft;
        for (const p of list) {
          let t;
          try {
            t = applyApproval(d, p, USER, T0);
          } catch {
            continue; // a refused decision changes nothing, so it is not audited
          }
          const recs = auditRecords(d, t.draft, alice, T0);
          expect(recs.length).toBeGreaterThan(0);
          for (const s of t.draft.steps) {
            const was = d.steps.find((x) => x.id === s.id)!;
            if (was.state !== s.state || was.approvalStatus !== s.approvalStatus) expect(recs.some((r) => r.stepId === s.id)).toBe(true);
          }
          d = t.draft;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the reason the user gave is kept on every decision, per step for a batch', () => {
    const d = build().draft;
    const skipped = applyEdit(d, { operation: 'skip_step', stepId: 'calendar_event_1', reason: 'not needed' }, USER, T0);
    expect(auditRecords(d, skipped.draft, { ...alice, reason: 'not needed' }, T0)).toContainEqual(expect.objectContaining({ action: 'skipped', stepId: 'calendar_event_1', reason: 'not needed' }));
    const batch = applyEdit(d, { edits: [{ operation: 'approve_step', stepId: 'contact_lookup_1', reason: 'r1' }, { operation: 'reject_step', stepId: 'calendar_event_1', reason: 'r2' }] }, USER, T0);
    const recs = auditRecords(d, batch.draft, { ...alice, stepReasons: { contact_lookup_1: 'r1', calendar_event_1: 'r2' } }, T0);
    expect(recs.filter((r) => r.stepId).map((r) => [r.stepId, r.action, r.reason])).toEqual([
      ['contact_lookup_1', 'approved', 'r1'],
      ['calendar_event_1', 'rejected', 'r2'],
    ]);
  });

  it('a value provided for a missing dependency is recorded on the step that will use it', () => {
    const d = build().draft;
    const rejected = applyApproval(d, { action: 'reject_step', stepId: 'contact_lookup_1', reason: 'no' }, USER, T0).draft;
    const t = resolveConflict(rejected, { stepId: 'email_draft_1', option: 'provide_value', value: 'x@example.com' }, USER, T0 + 1);
    const rec = auditRecords(rejected, t.draft, { ...alice, cause: 'CONFLICT_RESOLUTION provide_value' }, T0 + 1).find((r) => r.stepId === 'email_draft_1');
    expect(rec).toMatchObject({ after: { providedValues: { contact_lookup_1: expect.anything() } } });
    expect(JSON.stringify(rec)).toContain('x@example.com');
  });

  it('a finished step carries what it did; a rollback records each step undone or not', () => {
    const d = approveAll(build().draft).draft;
    const { begin, done } = runStep(d, 'contact_lookup_1', { contacts: [JOHN] });
    const finished = auditRecords(begin.draft, done.draft, systemActor('step finished'), T0).find((r) => r.stepId === 'contact_lookup_1');
    expect(finished).toMatchObject({ after: { state: 'completed', result: { success: true, data: { contacts: [JOHN] } } } });
    const asked = { ...done.draft, rollback: { requestedAt: T0, status: 'requested' as const } };
    const rolled = { ...asked, version: asked.version + 1, rollback: { requestedAt: T0, status: 'done' as const, compensated: ['contact_lookup_1'], notCompensated: [{ stepId: 'email_draft_1', description: 'e', reason: 'it was sent' }] } };
    expect(auditRecords(asked, rolled, systemActor('rollback carried out'), T0).map((r) => [r.action, r.stepId, r.reason])).toEqual([
      ['compensated', 'contact_lookup_1', 'undone'],
      ['not_compensated', 'email_draft_1', 'it was sent'],
    ]);
  });

  it('a change that moves no step nor the plan is still one "changed" entry naming its cause', () => {
    const d = build().draft;
    const same = { ...d, version: d.version + 1, lastInteraction: T0 + 5 };
    expect(auditRecords(d, same, systemActor('CONFLICT_RESOLUTION provide_value'), T0 + 5)).toEqual([
      expect.objectContaining({ action: 'changed', cause: 'CONFLICT_RESOLUTION provide_value' }),
    ]);
  });
});
