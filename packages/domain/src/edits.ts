/** The edit operations on one step (SPEC §6.2) and the dependency impacts they report. */
import { DEFAULT_LIMITS, ProtocolError } from '@wfa/protocol';
import type { ApprovalStep, DependencyImpact, Params, WorkflowDraft } from '@wfa/protocol';
import { dependentsOf, dependencyIds, validateGraph, type EffectiveDep } from './graph';
import { dropBreaks, isDead } from './dependencies';
import { dependencyMap } from './draft';
import { expectedOutcome, fieldLabel, neededValue, quote, userFriendlyDescription } from './describe';
import { validateParams } from './validation';
import { assertSafeKeys, isOpen, isPlainObject, clone } from './util';
import { assertMayApprove, assertMayModify, assertMaySkip, assertNotApprovedAlready, ownerApprovalStatus, voidSecondApproval } from './permissions';

export function assertDecidable(s: ApprovalStep): void {
  if (s.state !== 'pending') {
    throw new ProtocolError('invalid_state', `Step "${s.id}" is ${s.state.replace('_', ' ')} and cannot be decided again`, {
      stepId: s.id,
      state: s.state,
    });
  }
}

function liveDependents(d: WorkflowDraft, stepId: string): Array<{ step: ApprovalStep; dep: EffectiveDep }> {
  return dependentsOf(d.steps, stepId).filter(
    ({ step }) => isOpen(step),
  );
}

/** What happens to X's dependents once X will not run (reject / skip). */
export function lossImpacts(d: WorkflowDraft, x: ApprovalStep): DependencyImpact[] {
  return liveDependents(d, x.id).map(({ step, dep }) => {
    const what = neededValue(x, dep.field);
    const base = { stepId: step.id };
    const dropped: DependencyImpact = { ...base, impact: 'value_dropped', message: `${quote(step)} will run without ${what}` };
    // A value the step cannot run without is asked for rather than dropped (dropBreaks).
    const asked: DependencyImpact = { ...base, impact: 'will_ask_user', message: `You will be asked how ${quote(step)} should proceed: it cannot run without ${what}` };
    switch (dep.resolution) {
      case 'ask_user':
        return { ...base, impact: 'will_ask_user', message: `You will be asked how ${quote(step)} should proceed without ${what}` };
      case 'wait':
        return { ...base, impact: 'will_wait', message: `${quote(step)} will wait until ${quote(x)} is approved again` };
      case 'fallback':
        if (dep.hasFallback) {
          return { ...base, impact: 'will_use_fallback', message: `${quote(step)} will use its default value (${JSON.stringify(dep.fallbackValue)}) instead of ${what}` };
        }
        return dropBreaks(step, x.id) ? asked : dropped;
      case 'skip':
        if (dep.effect === 'blocks') return { ...base, impact: 'will_be_skipped', message: `${quote(step)} will be skipped because it needs ${what}` };
        return dropBreaks(step, x.id) ? asked : dropped;
    }
  });
}

/** What a change of X's params means for its dependents (they still run after it). */
export function modifyImpacts(d: WorkflowDraft, x: ApprovalStep): DependencyImpact[] {
  return liveDependents(d, x.id).map(({ step, dep }) => {
    const usesValue = dep.templateFields.length > 0 || dep.field !== undefined;
    const what = neededValue(x, dep.field);
    if (usesValue && dep.effect === 'blocks') {
      return { stepId: step.id, impact: 'needs_review', message: `${quote(step)} uses ${what} from ${quote(x)}, which changed - review it` };
    }
    if (dep.hasFallback) {
      return {
        stepId: step.id,
        impact: 'will_use_fallback',
        message: `${quote(step)} will use its default value (${JSON.stringify(dep.fallbackValue)}) if ${quote(x)} does not provide ${fieldLabel(dep.field)}`,
      };
    }
    if (usesValue) return { stepId: step.id, impact: 'needs_review', message: `${quote(step)} uses ${what} from ${quote(x)}, which changed - review it` };
    return { stepId: step.id, impact: 'unaffected', message: `${quote(step)} still runs after ${quote(x)}` };
  });
}

/** Recompute a step's dependencies after its params changed; refuses cycles, unknown refs, depth. */
export function refreshGraph(d: WorkflowDraft, s: ApprovalStep, previous: ApprovalStep[]): void {
  const depthBefore = validateGraph(previous, Number.MAX_SAFE_INTEGER);
  validateGraph(d.steps, Math.max(DEFAULT_LIMITS.maxDependencyDepth, depthBefore));
  s.dependencies = dependencyIds(s);
  d.dependencies = dependencyMap(d.steps);
  redescribe(d);
}

/**
 * What the user reads about each step that has not started follows its params: a lookup changed
 * from "Zzyzx" to "John" says so, and so do the steps that name the person it looks up.
 */
function redescribe(d: WorkflowDraft): void {
  const desc = d.steps.map((x) => ({ id: x.id, action: x.action, params: x.params, description: x.description }));
  d.steps.forEach((x, i) => {
    // Not started, or asking again with new input (an intervention's retry).
    if (x.state !== 'pending' && x.state !== 'waiting_intervention') return;
    x.userFriendlyDescription = userFriendlyDescription(desc[i]!, desc);
    x.expectedOutcome = expectedOutcome(desc[i]!, desc);
  });
}

/**
 * The owner approves (or the system for them); on a step the user skipped (never started) this
 * undoes the skip. Refused beyond the owner's permissions, and for a step that already waits for
 * someone else's approval (SPEC §6.10).
 */
export function opApprove(d: WorkflowDraft, s: ApprovalStep): DependencyImpact[] {
  assertNotApprovedAlready(s);
  assertMayApprove(d, [s]);
  const wasDead = isDead(d, s);
  if (s.state === 'skipped' && s.skippedBy === undefined && s.startedAt === undefined && s.approvalStatus !== 'user_cancelled') {
    s.state = 'pending';
  }
  assertDecidable(s);
  s.approvalStatus = ownerApprovalStatus(s);
  delete s.rejectionReason;
  delete s.decidedBy;
  if (!wasDead) return [];
  return liveDependents(d, s.id).map(({ step }) => ({
    stepId: step.id,
    impact: 'unaffected',
    message: `${quote(step)} will use the result of ${quote(s)} again`,
  }));
}

export function opReject(d: WorkflowDraft, s: ApprovalStep, reason: string | undefined): DependencyImpact[] {
  assertDecidable(s);
  s.approvalStatus = 'step_rejected';
  voidSecondApproval(s);
  delete s.autoApprovedBy;
  delete s.decidedBy;
  if (reason !== undefined) s.rejectionReason = reason;
  else delete s.rejectionReason;
  return lossImpacts(d, s);
}

/** Skip: the step will not run; its approval status stays as it was (if the owner may skip it). */
export function opSkip(d: WorkflowDraft, s: ApprovalStep): DependencyImpact[] {
  assertMaySkip(d, s);
  assertDecidable(s);
  s.state = 'skipped';
  delete s.skippedBy;
  return lossImpacts(d, s);
}

/**
 * Shallow merge (a `null` value removes that param), validated per action. Keys that reach a
 * prototype are refused (`invalid_message`); the merge uses own data properties only.
 */
export function opModify(d: WorkflowDraft, s: ApprovalStep, modifications: Params | undefined): DependencyImpact[] {
  if (isPlainObject(modifications)) assertMayModify(d, s, Object.keys(modifications));
  assertDecidable(s);
  if (modifications === undefined) throw new ProtocolError('invalid_message', 'modifications are required to modify a step');
  if (!isPlainObject(modifications) || Object.keys(modifications).length === 0) {
    throw new ProtocolError('invalid_message', 'modifications must be a non-empty object of params');
  }
  assertSafeKeys(modifications, 'modifications');
  applyParamChanges(d, s, modifications);
  s.approvalStatus = 'step_modified';
  voidSecondApproval(s);
  delete s.autoApprovedBy;
  return modifyImpacts(d, s);
}

/**
 * Merge `modifications` into the step's params (a `null` value removes that param), validated per
 * action, keeping `originalParams` and the accumulated `userModifications`, then re-derive the
 * graph. Callers have checked the keys (`assertSafeKeys`); the merge uses own data properties only.
 */
export function applyParamChanges(d: WorkflowDraft, s: ApprovalStep, modifications: Params): void {
  const previous = clone(d.steps);
  const merged: Record<string, unknown> = { ...s.params };
  for (const [k, v] of Object.entries(modifications)) {
    if (v === null) delete merged[k];
    else merged[k] = clone(v);
  }
  validateParams(s.id, s.action, merged);
  s.originalParams ??= clone(s.params);
  s.userModifications = { ...(s.userModifications ?? {}), ...clone(modifications) };
  s.params = merged;
  s.isModified = true;
  refreshGraph(d, s, previous);
}

/** Undo every modification: original params back, approval needed again. */
export function opRestore(d: WorkflowDraft, s: ApprovalStep): DependencyImpact[] {
  assertDecidable(s);
  if (!s.isModified || s.originalParams === undefined) {
    throw new ProtocolError('invalid_state', `Step "${s.id}" has no modifications to undo`);
  }
  const previous = clone(d.steps);
  s.params = s.originalParams;
  delete s.originalParams;
  delete s.userModifications;
  s.isModified = false;
  s.approvalStatus = 'draft_pending';
  voidSecondApproval(s);
  refreshGraph(d, s, previous);
  return modifyImpacts(d, s);
}
