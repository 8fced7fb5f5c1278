/**
 * SPEC §6.10 permissions: what the owner of a plan may decide (the seed's `ApprovalPermissions`,
 * taken from the owner when the plan was drafted), and the second approval some steps need from
 * another user holding the approver role. Pure checks; each refusal is a `forbidden` ProtocolError
 * that names what was refused, so nothing changes.
 */
import { DEFAULT_PERMISSIONS, ProtocolError, TERMINAL_PLAN_STATES } from '@wfa/protocol';
import type { ApprovalPermissions, ApprovalStep, WorkflowDraft } from '@wfa/protocol';
import type { Actor } from './api';
import { dependentsOf } from './graph';
import { collectTemplateRefs } from './templates';

export function permissionsOf(d: WorkflowDraft): ApprovalPermissions {
  return d.permissions ?? DEFAULT_PERMISSIONS;
}

/** The owner, or the system acting for the owner (timers, policies). */
export function actsAsOwner(d: WorkflowDraft, a: Actor): boolean {
  return a.kind === 'system' || a.userId === d.userId;
}

/** Roles whose holders may see the plan: some step of it needs their second approval. */
export function approverRoles(d: WorkflowDraft): string[] {
  return [...new Set(d.steps.flatMap((s) => (s.secondApproval ? [s.secondApproval.approverRole] : [])))];
}

/** Roles with a step waiting for their approval now (the owner approved it, nobody else yet). */
export function awaitingRoles(d: WorkflowDraft): string[] {
  if (TERMINAL_PLAN_STATES.includes(d.state)) return [];
  return [...new Set(d.steps.filter(isAwaitingSecondApproval).map((s) => s.secondApproval!.approverRole))];
}

export function isAwaitingSecondApproval(s: ApprovalStep): boolean {
  return s.state === 'pending' && s.approvalStatus === 'waiting_user_approval' && s.secondApproval !== undefined;
}

/** Users who gave a second approval in this plan (they follow what they approved). */
export function secondApprovers(d: WorkflowDraft): string[] {
  return [...new Set(d.steps.flatMap((s) => (s.secondApproval?.approvedBy !== undefined ? [s.secondApproval.approvedBy] : [])))];
}

/**
 * Whether `a` may see the plan: its owner; a holder of a role a step waits for now; or a user who
 * gave a second approval in it. Holding a role some step once needed is not enough: an approver
 * sees a plan while it needs them, and what they approved, not every plan of the role forever.
 */
export function maySee(d: WorkflowDraft, a: Pick<Actor, 'userId' | 'roles'>): boolean {
  if (a.userId === d.userId) return true;
  if (awaitingRoles(d).some((r) => a.roles.includes(r))) return true;
  return secondApprovers(d).includes(a.userId);
}

/** Whether the owner's permissions let them approve a step of this type. */
export function mayApprove(d: WorkflowDraft, s: Pick<ApprovalStep, 'type'>): boolean {
  return permissionsOf(d).canApproveSteps.includes(s.type);
}

/** The owner approves `steps`; refused (naming them) when their permissions do not cover a step's type. */
export function assertMayApprove(d: WorkflowDraft, steps: readonly ApprovalStep[]): void {
  const refused = steps.filter((s) => !mayApprove(d, s));
  if (refused.length === 0) return;
  const types = [...new Set(refused.map((s) => s.type))];
  throw new ProtocolError(
    'forbidden',
    `You may not approve ${types.join(' or ')} steps (${refused.map((s) => s.id).join(', ')}); reject or skip ${refused.length === 1 ? 'it' : 'them'} instead`,
    { stepIds: refused.map((s) => s.id), types },
  );
}

/** Whether `canModifyParams` covers every one of `keys`. */
export function mayModify(d: WorkflowDraft, keys: readonly string[]): boolean {
  const allowed = permissionsOf(d).canModifyParams;
  return allowed.includes('*') || keys.every((k) => allowed.includes(k));
}

/** Whether the owner may skip `s` (`canSkipMandatorySteps`, or nothing needs it). */
export function maySkip(d: WorkflowDraft, s: ApprovalStep): boolean {
  return permissionsOf(d).canSkipMandatorySteps || !isMandatory(d, s);
}

/** The owner changes these params of a step; refused (naming them) unless `canModifyParams` covers each. */
export function assertMayModify(d: WorkflowDraft, s: ApprovalStep, keys: readonly string[]): void {
  const allowed = permissionsOf(d).canModifyParams;
  if (allowed.includes('*')) return;
  const refused = keys.filter((k) => !allowed.includes(k));
  if (refused.length === 0) return;
  throw new ProtocolError('forbidden', `You may not change ${refused.map((k) => `"${k}"`).join(', ')} of step "${s.id}"`, {
    stepId: s.id,
    fields: refused,
    allowed: [...allowed],
  });
}

/**
 * A mandatory step is one another step cannot run without: some step depends on it with `blocks`.
 * Skipping it is refused unless the owner's permissions allow (`canSkipMandatorySteps`).
 */
export function isMandatory(d: WorkflowDraft, s: ApprovalStep): boolean {
  return dependentsOf(d.steps, s.id).some(({ dep }) => dep.effect === 'blocks');
}

export function assertMaySkip(d: WorkflowDraft, s: ApprovalStep): void {
  if (maySkip(d, s)) return;
  const dependents = dependentsOf(d.steps, s.id).filter(({ dep }) => dep.effect === 'blocks').map(({ step }) => step.id);
  throw new ProtocolError('forbidden', `You may not skip step "${s.id}": ${dependents.join(', ')} cannot run without it`, { stepId: s.id, dependents });
}

/** The owner approving a step that already waits for someone else's approval: say so rather than do nothing. */
export function assertNotApprovedAlready(s: ApprovalStep): void {
  if (!isAwaitingSecondApproval(s)) return;
  throw new ProtocolError(
    'invalid_state',
    `Step "${s.id}" is approved by you and waits for a second approval by a user with the role "${s.secondApproval!.approverRole}"`,
    { stepId: s.id, approvalStatus: s.approvalStatus, approverRole: s.secondApproval!.approverRole },
  );
}

/** Only the owner may make this change (an approver may only approve or reject what waits for them). */
export function assertOwner(d: WorkflowDraft, a: Actor, what: string): void {
  if (actsAsOwner(d, a)) return;
  throw new ProtocolError('forbidden', `Only the workflow's owner may ${what}; you may approve or reject the steps that wait for your approval`);
}

/**
 * The owner's (first) approval: a step that needs a second approval waits for it, unless another
 * user already gave it.
 */
export function ownerApprovalStatus(s: ApprovalStep): 'step_approved' | 'waiting_user_approval' {
  return s.secondApproval && s.secondApproval.approvedBy === undefined ? 'waiting_user_approval' : 'step_approved';
}

/** A decision that undoes the owner's approval (reject, modify, undo) also voids a second one. */
export function voidSecondApproval(s: ApprovalStep): void {
  if (!s.secondApproval) return;
  delete s.secondApproval.approvedBy;
  delete s.secondApproval.approvedAt;
}

/**
 * The owner changed what an approved step will do without a new decision of theirs (a value
 * provided for a lost dependency, an intervention retried with new input): a second approval
 * already given no longer covers it, so the step waits for one again.
 */
export function reopenSecondApproval(s: ApprovalStep): void {
  if (!s.secondApproval) return;
  voidSecondApproval(s);
  if (s.approvalStatus === 'step_approved') s.approvalStatus = 'waiting_user_approval';
}

/**
 * The owner provides a value in place of step `sourceId`'s result: for each step still to run
 * whose params read it, those params must be permitted, and a second approval given before no
 * longer covers what the step will do.
 */
export function providedToDependents(d: WorkflowDraft, sourceId: string): void {
  for (const { step } of dependentsOf(d.steps, sourceId)) {
    if (step.state !== 'pending') continue;
    const keys = paramsUsing(step, sourceId);
    if (keys.length === 0) continue;
    assertMayModify(d, step, keys);
    reopenSecondApproval(step);
  }
}

/** The params of `s` whose templates read dependency `depId` (what a value provided for it changes). */
export function paramsUsing(s: ApprovalStep, depId: string): string[] {
  return Object.keys(s.params).filter((k) => collectTemplateRefs(s.params[k]).some((r) => r.stepId === depId));
}

/**
 * The second approver decides step `s` (approve or reject): they must hold its approver role, must
 * not be the plan's owner, and the step must be waiting for that approval.
 */
export function assertSecondApprover(d: WorkflowDraft, s: ApprovalStep, a: Actor): void {
  const role = s.secondApproval?.approverRole;
  if (role === undefined || !a.roles.includes(role)) {
    throw new ProtocolError('forbidden', `Step "${s.id}" does not wait for your approval`, { stepId: s.id });
  }
  if (a.userId === d.userId) throw new ProtocolError('forbidden', 'The requester cannot give the second approval of their own plan', { stepId: s.id });
  if (!isAwaitingSecondApproval(s)) {
    const why = s.state !== 'pending' ? `is ${s.state.replace('_', ' ')}` : s.approvalStatus === 'step_approved' ? 'is approved already' : "waits for its owner's approval first";
    throw new ProtocolError('invalid_state', `Step "${s.id}" ${why}`, { stepId: s.id, state: s.state, approvalStatus: s.approvalStatus });
  }
}
