import { ProtocolError, TERMINAL_PLAN_STATES } from '@wfa/protocol';
import type { ApprovalStep, ClientPayload, DependencyImpact, ServerPayload, WorkflowDraft, WorkflowEvent } from '@wfa/protocol';
import type { Actor, StepJobRef, Transition } from './api';
import { beginWork, finishWork, type Work } from './engine';
import { canReapprove, settle } from './dependencies';
import { effectiveDeps } from './graph';
import { opApprove, opModify, opReject, opRestore, opSkip } from './edits';
import { checkStepParams, describeIssues } from './resolve';
import { validateDraft } from './validation';
import { assertApprovalFields, assertEditFields } from './decision-fields';
import { assertSafeKeys, findStep, isTerminalState, requireStep, clone } from './util';
import {
  actsAsOwner,
  assertMayApprove,
  assertMayModify,
  assertMaySkip,
  assertOwner,
  assertSecondApprover,
  isAwaitingSecondApproval,
  ownerApprovalStatus,
  paramsUsing,
  reopenSecondApproval,
} from './permissions';

export function assertVersion(d: WorkflowDraft, expected: number | undefined): void {
  if (expected !== undefined && expected !== d.version) {
    throw new ProtocolError('conflict', `The workflow changed (version ${d.version}, you sent ${expected}); reload and try again`, {
      version: d.version,
    });
  }
}

export function assertLive(d: WorkflowDraft): void {
  if (TERMINAL_PLAN_STATES.includes(d.state)) {
    throw new ProtocolError('invalid_state', `This workflow is ${d.state}; nothing can be changed`, { planState: d.state });
  }
  // rollback_all is final: while its compensations run nothing else may be decided.
  if (d.rollback) {
    throw new ProtocolError('invalid_state', 'This workflow is being rolled back; nothing can be changed', { planState: d.state, rollback: d.rollback.status });
  }
}

/**
 * The seed's EDIT_RESULT: `updatedStep` is the (last) edited step. `updatedSteps` carries every step
 * the edit changed, the edited ones first: a batch's steps, and the steps that changed beside them
 * (a dependent described anew after its source's params changed, a step a rejection skipped), so
 * every device shows what the edit did without reloading the workflow.
 */
function editResult(before: WorkflowDraft, d: WorkflowDraft, updated: string[], impacts: DependencyImpact[], batch: boolean): WorkflowEvent {
  const steps = updated.map((id) => findStep(d, id)).filter((s): s is ApprovalStep => s !== undefined);
  const payload: ServerPayload<'EDIT_RESULT'> = {
    success: true,
    dependencyImpacts: impacts,
    validationResult: validateDraft(d),
    version: d.version,
  };
  const last = steps[steps.length - 1];
  if (last) payload.updatedStep = clone(last);
  const alsoChanged = d.steps.filter((s) => !updated.includes(s.id) && stepChanged(before, s));
  if (batch || alsoChanged.length) payload.updatedSteps = [...steps, ...alsoChanged].map((s) => clone(s));
  return { type: 'EDIT_RESULT', payload };
}

function stepChanged(before: WorkflowDraft, s: ApprovalStep): boolean {
  const was = findStep(before, s.id);
  return was === undefined || JSON.stringify(was) !== JSON.stringify(s);
}

/** SPEC §6.2/§6.3: the five WORKFLOW_APPROVAL actions. Throws ProtocolError on refusal (nothing changes). */
export function applyApproval(d: WorkflowDraft, p: ClientPayload<'WORKFLOW_APPROVAL'>, a: Actor, now: number): Transition {
  assertApprovalFields(p);
  assertVersion(d, p.expectedVersion);
  assertLive(d);
  if (!actsAsOwner(d, a)) return secondApproverDecision(d, p, a, now);
  const w = beginWork(d, now);
  switch (p.action) {
    case 'approve_step': {
      opApprove(w.d, requireStep(w.d, p.stepId));
      return finishWork(w, { snapshot: true });
    }
    case 'approve_all': {
      const targets = w.d.steps.filter((s) => s.state === 'pending' && (s.approvalStatus === 'draft_pending' || s.approvalStatus === 'step_modified'));
      // Nothing to approve is no mutation (SPEC §6.2: only an accepted mutation takes a version).
      if (targets.length === 0) throw new ProtocolError('invalid_state', 'No step of this workflow waits for your approval');
      assertMayApprove(w.d, targets);
      for (const s of targets) s.approvalStatus = ownerApprovalStatus(s);
      return finishWork(w, { snapshot: true });
    }
    case 'reject_step': {
      const s = requireStep(w.d, p.stepId);
      const impacts = opReject(w.d, s, p.reason);
      return finishWork(w, { snapshot: true, lead: () => [editResult(d, w.d, [s.id], impacts, false)] });
    }
    case 'modify_step': {
      const s = requireStep(w.d, p.stepId);
      const impacts = opModify(w.d, s, p.modifications);
      return finishWork(w, { snapshot: true, lead: () => [editResult(d, w.d, [s.id], impacts, false)] });
    }
    case 'cancel_all':
      return cancelAll(w, p.reason);
  }
}

/**
 * SPEC §6.10: a user holding a step's approver role (never the plan's owner) approves or rejects the
 * steps that wait for that second approval, one (`approve_step`, `reject_step` with a reason) or
 * all that wait for them (`approve_all`). Anything else is the owner's to decide.
 */
function secondApproverDecision(d: WorkflowDraft, p: ClientPayload<'WORKFLOW_APPROVAL'>, a: Actor, now: number): Transition {
  const w = beginWork(d, now);
  switch (p.action) {
    case 'approve_step': {
      secondApproverDecides(w, requireStep(w.d, p.stepId), a, 'approve');
      return finishWork(w, { snapshot: true });
    }
    case 'approve_all': {
      const targets = w.d.steps.filter((s) => isAwaitingSecondApproval(s) && a.roles.includes(s.secondApproval!.approverRole));
      if (targets.length === 0) throw new ProtocolError('invalid_state', 'No step of this workflow waits for your approval');
      for (const s of targets) secondApproverDecides(w, s, a, 'approve');
      return finishWork(w, { snapshot: true });
    }
    case 'reject_step': {
      const s = requireStep(w.d, p.stepId);
      const impacts = secondApproverDecides(w, s, a, 'reject', p.reason);
      return finishWork(w, { snapshot: true, lead: () => [editResult(d, w.d, [s.id], impacts, false)] });
    }
    default:
      assertOwner(d, a, p.action === 'cancel_all' ? 'cancel it' : 'modify its steps');
      throw new Error('unreachable');
  }
}

/** The second approver approves (who, when) or rejects (with the reason) a step waiting for them. */
function secondApproverDecides(w: Work, s: ApprovalStep, a: Actor, decision: 'approve' | 'reject', reason?: string): DependencyImpact[] {
  assertSecondApprover(w.d, s, a);
  if (decision === 'reject') return opReject(w.d, s, reason);
  s.secondApproval = { ...s.secondApproval!, approvedBy: a.userId, approvedAt: w.now };
  s.approvalStatus = 'step_approved';
  return [];
}

/**
 * cancel_all: the workflow is cancelled, nothing more runs. Steps that were not finished get
 * approvalStatus `user_cancelled`; pending (and waiting_intervention) ones become `skipped`, a
 * running one stays running until its worker reports (that outcome is still recorded).
 * `cancel` lists the job of every approved step that had not finished.
 */
function cancelAll(w: Work, reason: string | undefined): Transition {
  const d = w.d;
  const extraCancel: StepJobRef[] = [];
  for (const s of d.steps) {
    if (isTerminalState(s)) continue;
    if (s.approvalStatus === 'step_approved') extraCancel.push({ stepId: s.id, run: s.run });
    s.approvalStatus = 'user_cancelled';
    if (s.state === 'pending' || s.state === 'waiting_intervention') {
      s.state = 'skipped';
      delete s.interventionRequired;
    }
  }
  d.state = 'cancelled';
  d.approvalStatus = 'user_cancelled';
  d.cancelReason = reason ?? 'Cancelled by the user';
  d.finishedAt = w.now;
  d.conflicts = [];
  return finishWork(w, { noAdvance: true, extraCancel, snapshot: true });
}

type StepEdit = Extract<ClientPayload<'WORKFLOW_EDIT'>, { operation: unknown }>;

function applyOp(w: Work, e: Omit<StepEdit, 'expectedVersion'>, a: Actor): DependencyImpact[] {
  const s = requireStep(w.d, e.stepId);
  if (!actsAsOwner(w.d, a)) {
    // A second approver: approve or reject what waits for them, nothing else (SPEC §6.10).
    if (e.operation !== 'approve_step' && e.operation !== 'reject_step') assertOwner(w.d, a, 'edit its steps');
    return secondApproverDecides(w, s, a, e.operation === 'reject_step' ? 'reject' : 'approve', e.reason);
  }
  switch (e.operation) {
    case 'approve_step':
      return opApprove(w.d, s);
    case 'reject_step':
      return opReject(w.d, s, e.reason);
    case 'skip_step':
      return opSkip(w.d, s);
    case 'modify_params':
      return opModify(w.d, s, e.newParams);
    case 'restore_params':
      return opRestore(w.d, s);
  }
}

/** Seed edit operations, single or batch (all-or-nothing, in order); events include EDIT_RESULT. */
export function applyEdit(d: WorkflowDraft, p: ClientPayload<'WORKFLOW_EDIT'>, a: Actor, now: number): Transition {
  const batch = 'edits' in p;
  const edits = 'edits' in p ? p.edits : [p];
  edits.forEach(assertEditFields);
  assertVersion(d, p.expectedVersion);
  assertLive(d);
  const w = beginWork(d, now);
  const impacts: DependencyImpact[] = [];
  for (const e of edits) {
    impacts.push(...applyOp(w, e, a));
    // Later edits of the batch see the effects of earlier ones (cascades, conflicts).
    settle(w.d, now, w.fx);
  }
  // Each edited step once, the last edited step last (it is `updatedStep`).
  const order = edits.map((e) => e.stepId).filter((id, i, all) => all.lastIndexOf(id) === i);
  // An edit that resolved a conflict (skipping the waiting step, re-approving the rejected one)
  // ends with a status snapshot: the conflict no longer waits on the user, on any of their devices.
  const resolved = d.conflicts.some((c) => !w.d.conflicts.some((x) => x.stepId === c.stepId && x.missingDependency === c.missingDependency));
  return finishWork(w, { lead: () => [editResult(d, w.d, order, impacts, batch)], snapshot: resolved });
}

/**
 * CONFLICT_RESOLUTION for the dependent step `stepId`: resolves its oldest open conflict with one of
 * the options that conflict offered (skip_dependent clears all of the step's conflicts).
 * A provided value stands for the missing field (or, as an object, for several fields) and is
 * checked against the action's params when every other template of the step is resolved.
 */
export function resolveConflict(d: WorkflowDraft, p: ClientPayload<'CONFLICT_RESOLUTION'>, a: Actor, now: number): Transition {
  assertOwner(d, a, 'resolve its conflicts');
  assertVersion(d, p.expectedVersion);
  assertLive(d);
  requireStep(d, p.stepId);
  const w = beginWork(d, now);
  const s = requireStep(w.d, p.stepId);
  const conflict = w.d.conflicts.find((c) => c.stepId === s.id);
  if (!conflict) throw new ProtocolError('invalid_state', `Step "${s.id}" has no open dependency conflict`);
  if (!conflict.options.some((o) => o.action === p.option)) {
    throw new ProtocolError('invalid_state', `"${p.option}" is not an option for this conflict`, {
      options: conflict.options.map((o) => o.action),
    });
  }
  const depId = conflict.missingDependency;
  const drop = () => {
    w.d.conflicts = w.d.conflicts.filter((c) => c !== conflict);
  };
  switch (p.option) {
    case 'provide_value': {
      if (p.value === undefined) throw new ProtocolError('invalid_message', 'provide_value needs a value');
      assertSafeKeys(p.value, 'value');
      // A value the user provides stands in their params' templates: their permissions apply, and a
      // second approval given before no longer covers what the step will do (SPEC §6.10).
      assertMayModify(w.d, s, paramsUsing(s, depId));
      reopenSecondApproval(s);
      s.providedValues = { ...(s.providedValues ?? {}), [depId]: clone(p.value) };
      drop();
      checkProvided(w.d, s);
      break;
    }
    case 'use_fallback': {
      const dep = effectiveDeps(s).find((e) => e.stepId === depId);
      s.providedValues = { ...(s.providedValues ?? {}), [depId]: clone(dep?.fallbackValue) };
      drop();
      break;
    }
    case 'skip_dependent':
      assertMaySkip(w.d, s);
      s.state = 'skipped';
      delete s.skippedBy;
      w.d.conflicts = w.d.conflicts.filter((c) => c.stepId !== s.id);
      break;
    case 'reapprove_dependency': {
      const D = findStep(w.d, depId);
      if (!D || !canReapprove(D)) throw new ProtocolError('invalid_state', `Step "${depId}" can no longer be re-approved`);
      assertMayApprove(w.d, [D]);
      D.approvalStatus = ownerApprovalStatus(D);
      D.state = 'pending';
      delete D.rejectionReason;
      delete D.skippedBy;
      break;
    }
  }
  return finishWork(w, { snapshot: true });
}

/** Refuse a provided value that would make the step's params invalid (when that can be told now). */
function checkProvided(d: WorkflowDraft, s: ApprovalStep): void {
  const c = checkStepParams(d, s);
  if (c.kind === 'invalid') throw new ProtocolError('invalid_message', `The value does not fit step "${s.id}": ${describeIssues(c.issues)}`);
}
