import fc from 'fast-check';
import { DEFAULT_PERMISSIONS, type ApprovalPermissions, type WorkflowDraft } from '@wfa/protocol';
import type { Actor } from './api';
import { applyApproval, applyEdit, resolveConflict } from './decisions';
import { respondToIntervention } from './interventions';
import { expireDraft } from './timers';
import { approverRoles, awaitingRoles, isMandatory, maySee } from './permissions';
import { toSummary } from './views';
import { auditRecords } from './audit';
import { T0, USER, build, errorCode, step } from './test-helpers';

const MANAGER: Actor = { userId: 'm1', roles: ['manager'], kind: 'user' };
const STRANGER: Actor = { userId: 'x1', roles: ['user'], kind: 'user' };

function perms(over: Partial<ApprovalPermissions> = {}): ApprovalPermissions {
  return { ...DEFAULT_PERMISSIONS, ...over };
}

/** The seed plan whose email steps need a manager's second approval. */
function emailNeedsManager(over: Partial<ApprovalPermissions> = {}): WorkflowDraft {
  return build(undefined, { permissions: perms({ requiresSecondaryApproval: { stepTypes: ['email'], approverRole: 'manager' }, ...over }) }).draft;
}

describe('SPEC §6.10 permissions: what the owner may decide', () => {
  test('default permissions change nothing and are not stored in the draft', () => {
    const d = build(undefined, { permissions: DEFAULT_PERMISSIONS }).draft;
    expect(d.permissions).toBeUndefined();
    expect(d.steps.every((s) => s.secondApproval === undefined)).toBe(true);
    expect(applyApproval(d, { action: 'approve_all' }, USER, T0 + 1).draft.state).toBe('running');
  });

  test('approving a step type the owner may not approve is forbidden, naming it; approve_all changes nothing', () => {
    const d = build(undefined, { permissions: perms({ canApproveSteps: ['contact', 'calendar'] }) }).draft;
    expect(errorCode(() => applyApproval(d, { action: 'approve_step', stepId: 'email_draft_1' }, USER, T0 + 1))).toBe('forbidden');
    expect(() => applyApproval(d, { action: 'approve_all' }, USER, T0 + 1)).toThrow(/may not approve email steps \(email_draft_1\)/);
    expect(errorCode(() => applyEdit(d, { operation: 'approve_step', stepId: 'email_draft_1' }, USER, T0 + 1))).toBe('forbidden');
    // Allowed types are approved, and the refused one can still be rejected.
    const ok = applyApproval(d, { action: 'approve_step', stepId: 'contact_lookup_1' }, USER, T0 + 1).draft;
    expect(step(ok, 'contact_lookup_1').approvalStatus).toBe('step_approved');
    const rejected = applyApproval(ok, { action: 'reject_step', stepId: 'email_draft_1', reason: 'not allowed' }, USER, T0 + 2).draft;
    expect(step(rejected, 'email_draft_1').approvalStatus).toBe('step_rejected');
  });

  test('auto-approval never approves what the owner may not approve', () => {
    const t = build(undefined, { permissions: perms({ canApproveSteps: ['contact'] }) }, { approvalsEnabled: false });
    expect(step(t.draft, 'contact_lookup_1').approvalStatus).toBe('step_approved');
    expect(step(t.draft, 'email_draft_1').approvalStatus).toBe('draft_pending');
    expect(t.draft.state).toBe('created');
  });

  test('params outside canModifyParams are refused, naming them; listed ones are merged', () => {
    const d = build(undefined, { permissions: perms({ canModifyParams: ['subject', 'title'] }) }).draft;
    expect(() => applyApproval(d, { action: 'modify_step', stepId: 'email_draft_1', modifications: { recipient: 'x@y.z' } }, USER, T0 + 1)).toThrow(
      /may not change "recipient" of step "email_draft_1"/,
    );
    expect(errorCode(() => applyEdit(d, { operation: 'modify_params', stepId: 'email_draft_1', newParams: { subject: 'Hi', recipient: 'x@y.z' } }, USER, T0 + 1))).toBe('forbidden');
    const ok = applyEdit(d, { operation: 'modify_params', stepId: 'email_draft_1', newParams: { subject: 'Hi' } }, USER, T0 + 1).draft;
    expect(step(ok, 'email_draft_1').params['subject']).toBe('Hi');
  });

  test('a mandatory step (another step cannot run without it) may not be skipped unless permitted', () => {
    const d = build(undefined, { permissions: perms({ canSkipMandatorySteps: false }) }).draft;
    expect(isMandatory(d, step(d, 'contact_lookup_1'))).toBe(true);
    expect(isMandatory(d, step(d, 'calendar_event_1'))).toBe(false);
    expect(() => applyEdit(d, { operation: 'skip_step', stepId: 'contact_lookup_1' }, USER, T0 + 1)).toThrow(/email_draft_1, calendar_event_1 cannot run without it/);
    expect(step(applyEdit(d, { operation: 'skip_step', stepId: 'calendar_event_1' }, USER, T0 + 1).draft, 'calendar_event_1').state).toBe('skipped');
    const allowed = build().draft;
    expect(step(applyEdit(allowed, { operation: 'skip_step', stepId: 'contact_lookup_1' }, USER, T0 + 1).draft, 'contact_lookup_1').state).toBe('skipped');
  });

  test('the draft timeout approves for the owner only what the owner may approve', () => {
    const d = build(undefined, { permissions: perms({ canApproveSteps: ['calendar', 'email'] }) }).draft;
    const t = expireDraft(d, 'auto_approve', { userId: 'system', roles: [], kind: 'system' }, T0 + 10)!;
    // The lookup is low-risk, but the owner may not approve contact steps.
    expect(step(t.draft, 'contact_lookup_1').approvalStatus).toBe('step_rejected');
    expect(step(t.draft, 'contact_lookup_1').rejectionReason).toMatch(/permissions/);
  });
});

describe('SPEC §6.10 second approval', () => {
  test('steps of the listed types carry their approver role; the owner approval makes them wait', () => {
    const d = emailNeedsManager();
    expect(step(d, 'email_draft_1').secondApproval).toEqual({ approverRole: 'manager' });
    expect(approverRoles(d)).toEqual(['manager']);
    const a = applyApproval(d, { action: 'approve_all' }, USER, T0 + 1).draft;
    expect(step(a, 'email_draft_1').approvalStatus).toBe('waiting_user_approval');
    expect(step(a, 'contact_lookup_1').approvalStatus).toBe('step_approved');
    // review_all: nothing runs while a step waits for its second approval.
    expect(a.state).toBe('created');
    expect(awaitingRoles(a)).toEqual(['manager']);
    expect(toSummary(a).awaitingSecondApproval).toEqual(['email_draft_1']);
    expect(toSummary(a).pendingStepIds).toEqual([]);
    // The owner cannot approve it again, nor give the second approval even holding the role.
    expect(() => applyApproval(a, { action: 'approve_step', stepId: 'email_draft_1' }, USER, T0 + 2)).toThrow(/waits for a second approval/);
    const ownerWithRole: Actor = { ...USER, roles: ['manager'] };
    expect(errorCode(() => applyApproval(a, { action: 'approve_step', stepId: 'email_draft_1' }, ownerWithRole, T0 + 2))).toBe('invalid_state');
  });

  test('a holder of the role approves it and the plan starts; who and when is recorded, and audited as the second approval', () => {
    const d = emailNeedsManager();
    const a = applyApproval(d, { action: 'approve_all' }, USER, T0 + 1).draft;
    const first = auditRecords(d, a, { userId: 'u1', kind: 'user', cause: 'WORKFLOW_APPROVAL approve_all' }, T0 + 1).find((r) => r.stepId === 'email_draft_1');
    expect(first).toMatchObject({ action: 'approved', reason: 'first approval; waits for a second approval (role "manager")' });
    const t = applyApproval(a, { action: 'approve_step', stepId: 'email_draft_1' }, MANAGER, T0 + 2);
    const second = auditRecords(a, t.draft, { userId: 'm1', kind: 'user', cause: 'WORKFLOW_APPROVAL approve_step' }, T0 + 2).find((r) => r.stepId === 'email_draft_1');
    expect(second).toMatchObject({ action: 'approved', userId: 'm1', reason: 'second approval (role "manager")' });
    expect(step(t.draft, 'email_draft_1').approvalStatus).toBe('step_approved');
    expect(step(t.draft, 'email_draft_1').secondApproval).toEqual({ approverRole: 'manager', approvedBy: 'm1', approvedAt: T0 + 2 });
    expect(t.draft.state).toBe('running');
    expect(t.enqueue.map((j) => j.stepId)).toEqual(['contact_lookup_1']);
    expect(awaitingRoles(t.draft)).toEqual([]);
  });

  test('the approver may reject (reason kept, dependents follow their rules) or approve all that wait for them', () => {
    const a = applyApproval(emailNeedsManager(), { action: 'approve_all' }, USER, T0 + 1).draft;
    const r = applyApproval(a, { action: 'reject_step', stepId: 'email_draft_1', reason: 'not this week' }, MANAGER, T0 + 2).draft;
    expect(step(r, 'email_draft_1').approvalStatus).toBe('step_rejected');
    expect(step(r, 'email_draft_1').rejectionReason).toBe('not this week');
    const all = applyApproval(a, { action: 'approve_all' }, MANAGER, T0 + 2).draft;
    expect(step(all, 'email_draft_1').approvalStatus).toBe('step_approved');
    expect(errorCode(() => applyApproval(all, { action: 'approve_all' }, MANAGER, T0 + 3))).toBe('invalid_state');
    const e = applyEdit(a, { operation: 'approve_step', stepId: 'email_draft_1' }, MANAGER, T0 + 2).draft;
    expect(step(e, 'email_draft_1').secondApproval?.approvedBy).toBe('m1');
  });

  test('the approver may do nothing else; a step not yet approved by the owner is not theirs to approve', () => {
    const d = emailNeedsManager();
    expect(errorCode(() => applyApproval(d, { action: 'approve_step', stepId: 'email_draft_1' }, MANAGER, T0 + 1))).toBe('invalid_state');
    const a = applyApproval(d, { action: 'approve_all' }, USER, T0 + 1).draft;
    expect(errorCode(() => applyApproval(a, { action: 'approve_step', stepId: 'contact_lookup_1' }, MANAGER, T0 + 2))).toBe('forbidden');
    expect(errorCode(() => applyApproval(a, { action: 'cancel_all' }, MANAGER, T0 + 2))).toBe('forbidden');
    expect(errorCode(() => applyApproval(a, { action: 'modify_step', stepId: 'email_draft_1', modifications: { subject: 'x' } }, MANAGER, T0 + 2))).toBe('forbidden');
    expect(errorCode(() => applyEdit(a, { operation: 'skip_step', stepId: 'email_draft_1' }, MANAGER, T0 + 2))).toBe('forbidden');
    expect(errorCode(() => resolveConflict(a, { stepId: 'email_draft_1', option: 'skip_dependent' }, MANAGER, T0 + 2))).toBe('forbidden');
    expect(errorCode(() => respondToIntervention(a, { stepId: 'email_draft_1', option: 'skip' }, MANAGER, T0 + 2))).toBe('forbidden');
    // A user without the role is no approver at all.
    expect(errorCode(() => applyApproval(a, { action: 'approve_step', stepId: 'email_draft_1' }, STRANGER, T0 + 2))).toBe('forbidden');
  });

  test('a change by the owner after the second approval voids it: approval is needed again', () => {
    const a = applyApproval(emailNeedsManager(), { action: 'approve_step', stepId: 'email_draft_1' }, USER, T0 + 1).draft;
    const approved = applyApproval(a, { action: 'approve_step', stepId: 'email_draft_1' }, MANAGER, T0 + 2).draft;
    const modified = applyApproval(approved, { action: 'modify_step', stepId: 'email_draft_1', modifications: { subject: 'Changed' } }, USER, T0 + 3).draft;
    expect(step(modified, 'email_draft_1').approvalStatus).toBe('step_modified');
    expect(step(modified, 'email_draft_1').secondApproval).toEqual({ approverRole: 'manager' });
    const again = applyApproval(modified, { action: 'approve_step', stepId: 'email_draft_1' }, USER, T0 + 4).draft;
    expect(step(again, 'email_draft_1').approvalStatus).toBe('waiting_user_approval');
  });

  test('the draft timeout never gives a second approval nor rewrites the owner\'s; auto_reject says why', () => {
    const a = applyApproval(emailNeedsManager(), { action: 'approve_step', stepId: 'email_draft_1' }, USER, T0 + 1).draft;
    const system: Actor = { userId: 'system', roles: [], kind: 'system' };
    const approved = expireDraft(a, 'auto_approve', system, T0 + 10)!.draft;
    expect(step(approved, 'email_draft_1')).toMatchObject({ approvalStatus: 'waiting_user_approval' });
    expect(step(approved, 'email_draft_1').autoApprovedBy).toBeUndefined();
    expect(step(approved, 'email_draft_1').decidedBy).toBeUndefined();
    const rejected = expireDraft(a, 'auto_reject', system, T0 + 10)!.draft;
    expect(step(rejected, 'email_draft_1')).toMatchObject({ approvalStatus: 'step_rejected', decidedBy: 'system', rejectionReason: expect.stringContaining('second approval did not come') });
  });

  test('approve_all with nothing left to approve is refused and takes no version', () => {
    const a = applyApproval(emailNeedsManager(), { action: 'approve_all' }, USER, T0 + 1).draft;
    expect(() => applyApproval(a, { action: 'approve_all' }, USER, T0 + 2)).toThrow(/No step of this workflow waits for your approval/);
  });

  test('auto-approval (even with approvals switched off) gives only the first approval', () => {
    const t = build(undefined, { permissions: perms({ requiresSecondaryApproval: { stepTypes: ['email'], approverRole: 'manager' } }) }, { approvalsEnabled: false });
    expect(step(t.draft, 'email_draft_1').approvalStatus).toBe('waiting_user_approval');
    expect(t.draft.state).toBe('created');
  });

  test('who may see a plan: its owner, and holders of a role some step needs', () => {
    const d = emailNeedsManager();
    expect(maySee(d, USER)).toBe(true);
    expect(maySee(d, MANAGER)).toBe(true);
    expect(maySee(d, STRANGER)).toBe(false);
    expect(maySee(build().draft, MANAGER)).toBe(false);
  });

  test('property: whatever the approver does, no step runs without both approvals', () => {
    const ops = fc.array(
      fc.record({
        who: fc.constantFrom<Actor>(USER, MANAGER, STRANGER, { ...USER, roles: ['manager'] }),
        action: fc.constantFrom('approve_step', 'reject_step', 'approve_all', 'modify_step' as const),
        stepId: fc.constantFrom('contact_lookup_1', 'email_draft_1', 'calendar_event_1'),
      }),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(ops, (list) => {
        let d = emailNeedsManager();
        let t = 1;
        for (const o of list) {
          const p =
            o.action === 'modify_step'
              ? { action: o.action, stepId: o.stepId, modifications: o.stepId === 'contact_lookup_1' ? { query: 'Jo' } : o.stepId === 'email_draft_1' ? { subject: 'x' } : { title: 'x' } }
              : o.action === 'approve_all'
                ? { action: o.action }
                : { action: o.action, stepId: o.stepId };
          try {
            const next = applyApproval(d, p as never, o.who, T0 + t++);
            for (const j of next.enqueue) {
              const s = step(next.draft, j.stepId);
              expect(s.approvalStatus).toBe('step_approved');
              if (s.secondApproval) expect(s.secondApproval.approvedBy).toBe('m1');
            }
            d = next.draft;
          } catch (e) {
            expect(['forbidden', 'invalid_state', 'invalid_message', 'not_found']).toContain((e as { code?: string }).code);
          }
        }
        for (const s of d.steps) {
          if (s.secondApproval && s.approvalStatus === 'step_approved') expect(s.secondApproval.approvedBy).toBe('m1');
        }
      }),
      { numRuns: 300 },
    );
  });
});
