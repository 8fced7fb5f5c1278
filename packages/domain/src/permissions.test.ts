import fc from 'fast-check';
import { DEFAULT_PERMISSIONS, type ApprovalPermissions, type WorkflowDraft } from '@wfa/protocol';
import type { Actor } from './api';
import { applyApproval, applyEdit, resolveConflict } from './decisions';
import { respondToIntervention } from './interventions';
import { beginStep, finishStep } from './execution';
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

  test('who may see a plan: its owner; holders of a role while a step waits for it; who gave a second approval', () => {
    const d = emailNeedsManager();
    expect(maySee(d, USER)).toBe(true);
    // Nothing waits for the manager before the owner approved.
    expect(maySee(d, MANAGER)).toBe(false);
    const waiting = applyApproval(d, { action: 'approve_all' }, USER, T0 + 1).draft;
    expect(maySee(waiting, MANAGER)).toBe(true);
    expect(maySee(waiting, STRANGER)).toBe(false);
    const approved = applyApproval(waiting, { action: 'approve_step', stepId: 'email_draft_1' }, MANAGER, T0 + 2).draft;
    expect(maySee(approved, MANAGER)).toBe(true);
    // Another holder of the role, once nothing waits for it: no longer.
    expect(maySee(approved, { userId: 'm2', roles: ['manager'] })).toBe(false);
    expect(maySee(build().draft, MANAGER)).toBe(false);
  });

  test('a value the owner provides for a lost dependency is a param change: permitted fields only, and the second approval is needed again', () => {
    const approved = applyApproval(applyApproval(emailNeedsManager(), { action: 'approve_all' }, USER, T0 + 1).draft, { action: 'approve_step', stepId: 'email_draft_1' }, MANAGER, T0 + 2).draft;
    // The lookup is rejected: the email's recipient ({{contact_lookup_1.email}}) is asked for.
    const asked = applyApproval(approved, { action: 'reject_step', stepId: 'contact_lookup_1' }, USER, T0 + 3).draft;
    expect(asked.conflicts.map((c) => c.stepId)).toContain('email_draft_1');
    const t = resolveConflict(asked, { stepId: 'email_draft_1', option: 'provide_value', value: { email: 'other@example.org' } }, USER, T0 + 4);
    expect(step(t.draft, 'email_draft_1')).toMatchObject({ approvalStatus: 'waiting_user_approval', secondApproval: { approverRole: 'manager' } });
    expect(t.enqueue.map((j) => j.stepId)).not.toContain('email_draft_1');
    const limited = applyApproval(
      applyApproval(emailNeedsManager({ canModifyParams: ['subject'] }), { action: 'approve_all' }, USER, T0 + 1).draft,
      { action: 'reject_step', stepId: 'contact_lookup_1' },
      USER,
      T0 + 2,
    ).draft;
    // Not offered to a user who may not change the recipient, and refused if sent anyway.
    expect(limited.conflicts.find((c) => c.stepId === 'email_draft_1')!.options.map((o) => o.action)).not.toContain('provide_value');
    expect(errorCode(() => resolveConflict(limited, { stepId: 'email_draft_1', option: 'provide_value', value: { email: 'x@example.org' } }, USER, T0 + 3))).toBe('invalid_state');
  });

  test("a value provided for a dependency's question changes its readers: permitted params only, and their second approval again", () => {
    let w = applyApproval(emailNeedsManager(), { action: 'approve_all' }, USER, T0 + 1).draft;
    w = applyApproval(w, { action: 'approve_step', stepId: 'email_draft_1' }, MANAGER, T0 + 2).draft;
    const b = beginStep(w, 'contact_lookup_1', 0, T0 + 3)!;
    const asked = finishStep(b.transition!.draft, 'contact_lookup_1', 0, { kind: 'intervention', reason: 'No contact named John', options: ['Enter email address'], timeoutSec: 60 }, T0 + 4)!.draft;
    const t = respondToIntervention(asked, { stepId: 'contact_lookup_1', option: 'provide_value', value: 'other@example.org' }, USER, T0 + 5);
    expect(step(t.draft, 'email_draft_1')).toMatchObject({ approvalStatus: 'waiting_user_approval', secondApproval: { approverRole: 'manager' } });
    expect(t.enqueue.map((j) => j.stepId)).toEqual(['calendar_event_1']);
    const limited = { ...asked, permissions: { ...asked.permissions!, canModifyParams: ['subject'] } };
    expect(() => respondToIntervention(limited, { stepId: 'contact_lookup_1', option: 'provide_value', value: 'other@example.org' }, USER, T0 + 5)).toThrow(/may not change "recipient"/);
  });

  test('an intervention retried with new input needs the second approval again', () => {
    const d = build(undefined, { permissions: perms({ requiresSecondaryApproval: { stepTypes: ['contact'], approverRole: 'manager' } }) }).draft;
    let w = applyApproval(d, { action: 'approve_all' }, USER, T0 + 1).draft;
    w = applyApproval(w, { action: 'approve_step', stepId: 'contact_lookup_1' }, MANAGER, T0 + 2).draft;
    const b = beginStep(w, 'contact_lookup_1', 0, T0 + 3)!;
    const asked = finishStep(b.transition!.draft, 'contact_lookup_1', 0, { kind: 'intervention', reason: 'No contact named John', options: ['retry'], timeoutSec: 60 }, T0 + 4)!.draft;
    const t = respondToIntervention(asked, { stepId: 'contact_lookup_1', option: 'retry', value: 'Jane' }, USER, T0 + 5);
    expect(step(t.draft, 'contact_lookup_1')).toMatchObject({ state: 'pending', approvalStatus: 'waiting_user_approval', params: { query: 'Jane' } });
    expect(t.enqueue).toEqual([]);
  });

  test('step_by_step: an optional dependency waiting for its second approval is waited for, not dropped', () => {
    const plan = {
      steps: [
        { id: 'mail', type: 'email' as const, action: 'create_draft', description: 'mail', params: { subject: 'S', recipient: 'a@example.org' } },
        { id: 'todo', type: 'task' as const, action: 'create_task', description: 'todo', params: { title: 'T' }, requires: [{ stepId: 'mail', effect: 'enhances' as const, resolution: 'skip' as const }] },
      ],
    };
    const d = build(plan, { mode: 'step_by_step', permissions: perms({ requiresSecondaryApproval: { stepTypes: ['email'], approverRole: 'manager' } }) }).draft;
    const t = applyApproval(d, { action: 'approve_all' }, USER, T0 + 1);
    expect(t.enqueue).toEqual([]);
    const after = applyApproval(t.draft, { action: 'approve_step', stepId: 'mail' }, MANAGER, T0 + 2);
    expect(after.enqueue.map((j) => j.stepId)).toEqual(['mail']);
  });

  test('property: whatever anyone decides, answers or runs, no step starts without both approvals', () => {
    // Who does what, weighted towards what makes steps run (approvals, a worker taking jobs).
    const OWNER_WITH_ROLE: Actor = { ...USER, roles: ['manager'] };
    const moves = fc.constantFrom<[Actor, string]>(
      [USER, 'approve_all'],
      [USER, 'approve_all'],
      [MANAGER, 'approve_all'],
      [MANAGER, 'approve_all'],
      [USER, 'approve_step'],
      [USER, 'reject_step'],
      [USER, 'modify_step'],
      [USER, 'provide'],
      [MANAGER, 'approve_step'],
      [MANAGER, 'reject_step'],
      [STRANGER, 'approve_step'],
      [OWNER_WITH_ROLE, 'approve_step'],
      [OWNER_WITH_ROLE, 'approve_all'],
      [USER, 'run'],
      [USER, 'run'],
      [USER, 'run'],
      [USER, 'run'],
    );
    const ops = fc.array(
      fc.record({ move: moves, stepId: fc.constantFrom('contact_lookup_1', 'email_draft_1', 'calendar_event_1') }).map(({ move, stepId }) => ({ who: move[0], kind: move[1], stepId })),
      { maxLength: 16 },
    );
    const mods: Record<string, Record<string, unknown>> = { contact_lookup_1: { query: 'Jo' }, email_draft_1: { subject: 'x' }, calendar_event_1: { title: 'x' } };
    fc.assert(
      fc.property(fc.boolean(), ops, (ownerApprovedFirst, list) => {
        let d = emailNeedsManager();
        // Half the runs start where the owner approved everything: the second approval is next.
        if (ownerApprovedFirst) d = applyApproval(d, { action: 'approve_all' }, USER, T0).draft;
        let t = 1;
        const queued = new Set<string>();
        for (const o of list) {
          try {
            if (o.kind === 'run') {
              // A worker takes a queued job: it may only start a step both approvals cover.
              for (const key of [...queued]) {
                const [stepId, run] = key.split('@') as [string, string];
                const b = beginStep(d, stepId, Number(run), T0 + t++);
                queued.delete(key);
                if (!b?.execute) continue;
                const s = step(b.transition?.draft ?? d, stepId);
                expect(s.approvalStatus).toBe('step_approved');
                if (s.secondApproval) expect(s.secondApproval.approvedBy).toBe('m1');
                const done = finishStep(b.transition!.draft, stepId, Number(run), { kind: 'completed', data: { email: 'j@example.org' }, message: 'ok' }, T0 + t++);
                if (done) {
                  d = done.draft;
                  done.enqueue.forEach((j) => queued.add(`${j.stepId}@${j.run}`));
                } else d = b.transition!.draft;
              }
              continue;
            }
            const next =
              o.kind === 'provide'
                ? resolveConflict(d, { stepId: o.stepId, option: 'provide_value', value: { email: 'p@example.org' } }, o.who, T0 + t++)
                : applyApproval(
                    d,
                    (o.kind === 'modify_step' ? { action: o.kind, stepId: o.stepId, modifications: mods[o.stepId] } : o.kind === 'approve_all' ? { action: o.kind } : { action: o.kind, stepId: o.stepId }) as never,
                    o.who,
                    T0 + t++,
                  );
            next.enqueue.forEach((j) => queued.add(`${j.stepId}@${j.run}`));
            d = next.draft;
          } catch (e) {
            expect(['forbidden', 'invalid_state', 'invalid_message', 'not_found']).toContain((e as { code?: string }).code);
          }
        }
      }),
      { numRuns: 600 },
    );
  });
});
