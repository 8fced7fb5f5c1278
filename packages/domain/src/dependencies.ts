/**
 * The 3x4 dependency engine (SPEC §6.4). How each dependency of a step stands, what a step may
 * run on, and `settle`: apply the effect x resolution rules to every dependency that was lost.
 *
 * A dependency D of step S is *lost* when D can no longer supply its value: D rejected, skipped,
 * timed out, failed for good (only once the user released the failure: while a partial failure is
 * open, dependents of failed steps stay frozen), or D completed without the fields S needs.
 * Rules on a lost dependency (stored on S so that they show and survive):
 *  - ask_user: an OpenConflict on S (DEPENDENCY_CONFLICT); S waits for CONFLICT_RESOLUTION.
 *  - skip: blocks -> S is skipped (`skippedBy` D), transitively; enhances/optional -> D is added to
 *    S.droppedDependencies and S runs without the value.
 *  - fallback: S.providedValues[D] = fallbackValue (no fallbackValue: the value is dropped).
 *  - wait: S stays pending until D is re-approved. A D that can never come back (it failed, timed
 *    out, or completed without the needed fields) would hold S forever, so there `wait` asks the
 *    user instead (an OpenConflict, as ask_user).
 * When D comes back (re-approved, or modified for review), everything derived from losing it is
 * undone for steps that have not started: conflicts about D go, provided/dropped values for D go,
 * and steps skipped because of D are pending again.
 *
 * Conditional dependencies: the condition is read from the condition step's result once that step
 * completed. False: the dependency is not needed (S does not wait for D; templates on D use D's
 * result if D completed, else resolve empty). True, or the condition step can never complete: the
 * dependency applies as declared. Until the condition step finishes, S waits for it.
 */
import { RESOLVED_PARAM_SCHEMAS, isActionName } from '@wfa/protocol';
import type { ApprovalStep, DependencyCondition, OpenConflict, WorkflowDraft } from '@wfa/protocol';
import { effectiveDeps, type EffectiveDep } from './graph';
import { collectTemplateRefs, resolveTemplates, type Lookup, type TemplateRef } from './templates';
import { findStep, getPath, hasOwn, isDeclined, isOpen, isPlainObject, isUndecided, deepEqual, clone } from './util';
import { mayApprove, mayModify, maySkip, paramsUsing } from './permissions';
import { issueText, provideText, quote, reapproveText, skipText, type FieldList } from './describe';

export type DepStateKind =
  | 'satisfied' // D completed with what S needs
  | 'not_needed' // a condition turned the dependency off
  | 'provided' // value provided by the user or a fallback
  | 'dropped' // value dropped, S runs without it
  | 'pending' // D (or the condition step) may still run: S waits
  | 'held' // `wait`: S waits for D to be re-approved
  | 'conflict' // an open conflict waits on the user
  | 'frozen' // D failed; the workflow waits on FAILURE_RESOLUTION
  | 'unresolved'; // lost, no rule applied yet (settle applies one)

const OK_KINDS: ReadonlySet<DepStateKind> = new Set(['satisfied', 'not_needed', 'provided', 'dropped']);

/** D can no longer produce a result (and the rules of its dependents apply). */
export function isDead(d: WorkflowDraft, s: ApprovalStep): boolean {
  if (s.state === 'skipped' || s.state === 'timeout') return true;
  if (s.state === 'failed') return d.partialFailure === undefined;
  return isDeclined(s);
}

export function isFrozen(d: WorkflowDraft, s: ApprovalStep): boolean {
  return s.state === 'failed' && d.partialFailure !== undefined;
}

function resultData(s: ApprovalStep): unknown {
  return s.result?.data;
}

export function evalCondition(data: unknown, c: DependencyCondition): boolean {
  const { found, value } = getPath(data, c.field);
  switch (c.operator) {
    case 'exists':
      return found && value !== null;
    case 'equals':
      return found && deepEqual(value, c.value);
    case 'greater_than':
      if (typeof value === 'number' && typeof c.value === 'number') return value > c.value;
      if (typeof value === 'string' && typeof c.value === 'string') return value > c.value;
      return false;
  }
}

/** A result holds a field when it is there and not null. */
function hasField(data: unknown, field: string): boolean {
  const r = getPath(data, field);
  return r.found && r.value !== null;
}

export function fieldsOk(data: unknown, dep: EffectiveDep): boolean {
  if (dep.checkFields.length === 0) return true;
  const has = (f: string) => hasField(data, f);
  return dep.requireAll ? dep.checkFields.every(has) : dep.checkFields.some(has);
}

/**
 * Whether D's result gives S what it needs: the fields the dependency asks for (fieldsOk), and
 * no field S's templates read that S cannot run without. The declared fields may leave one of the
 * template's out (`requireAll: false`, "any one will do", or `requiredFields` that do not list
 * it): such a field is dropped like any dropped value (a text reads '') unless a param then
 * breaks (dropBreaks), and then the dependency counts as lost, so its rule applies (ask_user asks
 * for that field) instead of the step failing on a template that cannot resolve.
 */
function resultServes(data: unknown, dep: EffectiveDep, s: ApprovalStep): boolean {
  if (!fieldsOk(data, dep)) return false;
  return dep.templateFields.every((f) => hasField(data, f)) || !dropBreaks(s, dep.stepId);
}

/** 'off' when a completed condition step says the dependency is not needed. */
function conditionGate(d: WorkflowDraft, dep: EffectiveDep): 'on' | 'off' | 'pending' | 'frozen' {
  if (!dep.condition) return 'on';
  const c = findStep(d, dep.condition.stepId);
  if (!c) return 'on';
  if (c.state === 'completed') return evalCondition(resultData(c), dep.condition) ? 'on' : 'off';
  if (isFrozen(d, c)) return 'frozen';
  return isDead(d, c) ? 'on' : 'pending';
}

/** D cannot give S (the step `dep` belongs to) what it needs (and the condition, if any, does not turn the dependency off). */
export function isLost(d: WorkflowDraft, dep: EffectiveDep, s: ApprovalStep): boolean {
  if (conditionGate(d, dep) === 'off') return false;
  const D = findStep(d, dep.stepId);
  if (!D) return true;
  if (D.state === 'completed') return !resultServes(resultData(D), dep, s);
  return isDead(d, D) || isFrozen(d, D);
}

export function hasConflict(d: WorkflowDraft, stepId: string, depId?: string): boolean {
  return d.conflicts.some((c) => c.stepId === stepId && (depId === undefined || c.missingDependency === depId));
}

export function depState(d: WorkflowDraft, s: ApprovalStep, dep: EffectiveDep): DepStateKind {
  const gate = conditionGate(d, dep);
  if (gate === 'off') return 'not_needed';
  if (gate === 'pending') return 'pending';
  if (gate === 'frozen') return 'frozen';
  const D = findStep(d, dep.stepId);
  let missingFields = false;
  if (D && D.state === 'completed') {
    if (resultServes(resultData(D), dep, s)) return 'satisfied';
    missingFields = true;
  } else if (D && !isDead(d, D) && !isFrozen(d, D)) {
    // step_by_step: an approved step starts as soon as its *blocking* dependencies are done
    // (SPEC §6.3): an enhancing or optional dependency nobody has decided on yet does not hold
    // it (its value is dropped). One that is approved (about to run, running, brought back after
    // a rejection) is waited for, so a template never races its source.
    // A value the step cannot run without is waited for all the same.
    // A step its owner approved that waits for a second approval is approved for this purpose.
    const undecided = D.state === 'pending' && isUndecided(D) && D.approvalStatus !== 'waiting_user_approval';
    return d.mode === 'step_by_step' && dep.effect !== 'blocks' && undecided && !dropBreaks(s, D.id) ? 'dropped' : 'pending';
  }
  if (s.providedValues && hasOwn(s.providedValues, dep.stepId)) return 'provided';
  if (s.droppedDependencies?.includes(dep.stepId)) return 'dropped';
  if (hasConflict(d, s.id, dep.stepId)) return 'conflict';
  if (D && isFrozen(d, D)) return 'frozen';
  if (dep.resolution === 'wait' && !missingFields && D && revivable(d, D)) return 'held';
  return 'unresolved';
}

export function depsSettled(d: WorkflowDraft, s: ApprovalStep): boolean {
  return effectiveDeps(s).every((dep) => OK_KINDS.has(depState(d, s, dep)));
}

/** Approved, not started, no open conflict, every dependency satisfied or resolved. */
export function isRunnable(d: WorkflowDraft, s: ApprovalStep): boolean {
  return s.approvalStatus === 'step_approved' && s.state === 'pending' && !hasConflict(d, s.id) && depsSettled(d, s);
}

/** Whether the user may bring D back to supply the value (it never ran, and the user took it away). */
export function canReapprove(D: ApprovalStep | undefined): boolean {
  if (!D) return false;
  if (D.state === 'pending' && D.approvalStatus === 'step_rejected') return true;
  return D.state === 'skipped' && D.skippedBy === undefined && D.startedAt === undefined;
}

/** D can still come back by a user decision (directly, or by bringing back what skipped it). */
export function revivable(d: WorkflowDraft, D: ApprovalStep, depth = 0): boolean {
  if (canReapprove(D)) return true;
  if (D.state !== 'skipped' || D.skippedBy === undefined || depth > d.steps.length) return false;
  const cause = findStep(d, D.skippedBy);
  return cause !== undefined && revivable(d, cause, depth + 1);
}

/**
 * What the user is asked for: when D completed, the fields its result lacks (a found contact
 * without a phone number is asked for the phone, not the name); otherwise the declared field.
 */
function askedFields(D: ApprovalStep | undefined, dep: EffectiveDep): FieldList | undefined {
  if (D?.state === 'completed') {
    const data = resultData(D);
    const missing = dep.checkFields.filter((f) => !hasField(data, f));
    // requireAll false: the result held none of them, and any one will do.
    if (missing.length > 0) return { fields: missing, anyOf: !dep.requireAll };
  }
  return dep.field !== undefined ? { fields: [dep.field] } : undefined;
}

export function buildConflict(d: WorkflowDraft, s: ApprovalStep, dep: EffectiveDep, now: number): OpenConflict {
  const D = findStep(d, dep.stepId);
  const fields = askedFields(D, dep);
  // Only what the owner's permissions allow is offered (SPEC §6.10); skipping stays the last resort.
  const options: OpenConflict['options'] = [];
  if (mayModify(d, paramsUsing(s, dep.stepId))) {
    options.push({ action: 'provide_value', description: provideText(D, fields), impact: `${quote(s)} will use the value you provide` });
  }
  options.push({ action: 'skip_dependent', description: skipText([s]), impact: `${quote(s)} will not run` });
  if (canReapprove(D) && D && mayApprove(d, D)) {
    options.push({ action: 'reapprove_dependency', description: reapproveText(D), impact: `${quote(D)} will run and supply the value` });
  }
  if (dep.hasFallback) {
    options.push({
      action: 'use_fallback',
      description: `Use the default value (${JSON.stringify(dep.fallbackValue)})`,
      impact: `${quote(s)} runs with the default value`,
    });
  }
  if (!maySkip(d, s) && options.length > 1) options.splice(options.findIndex((o) => o.action === 'skip_dependent'), 1);
  const c: OpenConflict = { stepId: s.id, missingDependency: dep.stepId, issue: issueText(D, fields), options, raisedAt: now };
  if (fields?.fields[0] !== undefined) c.field = fields.fields[0];
  return c;
}

export interface Effects {
  raised: OpenConflict[];
  /** Steps skipped by a dependency rule in this transition, with the step whose loss did it. */
  skipped: Array<{ stepId: string; cause: string }>;
}

export function newEffects(): Effects {
  return { raised: [], skipped: [] };
}

/** Apply the rules until nothing changes (mutates `d`, which must be a private copy). */
export function settle(d: WorkflowDraft, now: number, fx: Effects): void {
  for (let round = 0; round < d.steps.length * 2 + 4; round++) {
    let changed = restoreSkipped(d, fx);
    changed = pruneConflicts(d) || changed;
    for (const s of d.steps) {
      if (!isOpen(s)) continue;
      const deps = effectiveDeps(s);
      changed = forgetStaleAnswers(d, s, deps) || changed;
      changed = applyRules(d, s, deps, now, fx) || changed;
    }
    if (!changed) return;
  }
}

/** Undo what a lost dependency caused, when it is no longer lost. */
function restoreSkipped(d: WorkflowDraft, fx: Effects): boolean {
  let changed = false;
  for (const s of d.steps) {
    if (s.state !== 'skipped' || s.skippedBy === undefined) continue;
    const dep = effectiveDeps(s).find((e) => e.stepId === s.skippedBy);
    if (dep && isLost(d, dep, s)) continue;
    s.state = 'pending';
    delete s.skippedBy;
    fx.skipped = fx.skipped.filter((x) => x.stepId !== s.id);
    changed = true;
  }
  return changed;
}

/** Drop conflicts that no longer hold (their step started or was declined, or the dependency is back). */
function pruneConflicts(d: WorkflowDraft): boolean {
  const before = d.conflicts.length;
  d.conflicts = d.conflicts.filter((c) => {
    const s = findStep(d, c.stepId);
    if (!s || !isOpen(s)) return false; // dependency rules apply to steps not started and not declined
    const dep = effectiveDeps(s).find((e) => e.stepId === c.missingDependency);
    return dep !== undefined && isLost(d, dep, s);
  });
  return d.conflicts.length !== before;
}

/** A provided value or a dropped dependency stands in for a lost dependency only while it is lost. */
function forgetStaleAnswers(d: WorkflowDraft, s: ApprovalStep, deps: readonly EffectiveDep[]): boolean {
  let changed = false;
  for (const dep of deps) {
    if (isLost(d, dep, s) || findStep(d, dep.stepId)?.state === 'completed') continue;
    if (s.providedValues && hasOwn(s.providedValues, dep.stepId)) {
      const { [dep.stepId]: _gone, ...rest } = s.providedValues;
      s.providedValues = rest;
      changed = true;
    }
    if (s.droppedDependencies?.includes(dep.stepId)) {
      s.droppedDependencies = s.droppedDependencies.filter((x) => x !== dep.stepId);
      changed = true;
    }
  }
  return changed;
}

/** Each unresolved lost dependency gets its rule: skip the step, drop the dependency, use the fallback, or ask. */
function applyRules(d: WorkflowDraft, s: ApprovalStep, deps: readonly EffectiveDep[], now: number, fx: Effects): boolean {
  let changed = false;
  for (const dep of deps) {
    if (depState(d, s, dep) !== 'unresolved') continue;
    changed = true;
    const rule = lossRule(s, dep);
    if (rule === 'skip') {
      s.state = 'skipped';
      s.skippedBy = dep.stepId;
      fx.skipped.push({ stepId: s.id, cause: dep.stepId });
      break;
    }
    if (rule === 'drop') {
      s.droppedDependencies = [...(s.droppedDependencies ?? []), dep.stepId];
    } else if (rule === 'fallback') {
      s.providedValues = { ...(s.providedValues ?? {}), [dep.stepId]: clone(dep.fallbackValue) };
    } else {
      const c = buildConflict(d, s, dep, now);
      d.conflicts.push(c);
      fx.raised.push(c);
    }
  }
  return changed;
}

/**
 * What S's rule does when `dep` is lost (SPEC §6.4): skip S (`blocks` + `skip`), drop the value
 * (`skip` otherwise, or `fallback` without a value), stand the fallbackValue in, or ask the user
 * (`ask_user`; `wait`, once the dependency cannot come back; a drop S cannot run without).
 */
export function lossRule(s: ApprovalStep, dep: EffectiveDep): 'skip' | 'drop' | 'fallback' | 'ask' {
  if (dep.resolution === 'skip' && dep.effect === 'blocks') return 'skip';
  if (dep.resolution === 'fallback' && dep.hasFallback) return 'fallback';
  const drops = dep.resolution === 'skip' || dep.resolution === 'fallback';
  return drops && !dropBreaks(s, dep.stepId) ? 'drop' : 'ask';
}

/**
 * Whether S cannot run without D's value: a param that only D's templates fill would then be
 * missing or invalid for S's action (a recipient that is nothing but "{{D.email}}"). Dropping
 * that value cannot be honoured, so the user is asked instead of S waiting forever on a plan
 * that never validates.
 */
export function dropBreaks(s: ApprovalStep, depId: string): boolean {
  if (!isActionName(s.action)) return false;
  const fedByD = new Set(
    Object.keys(s.params).filter((k) => {
      const refs = collectTemplateRefs(s.params[k]);
      return refs.length > 0 && refs.every((r) => r.stepId === depId);
    }),
  );
  if (fedByD.size === 0) return false;
  const { params } = resolveTemplates(s.params, (ref) => (ref.stepId === depId ? { kind: 'dropped' } : { kind: 'unresolved', why: '' }));
  const r = RESOLVED_PARAM_SCHEMAS[s.action].safeParse(params);
  return !r.success && r.error.issues.some((i) => fedByD.has(String(i.path[0])));
}

/** The field a template reads from a value standing in for a result (provided or fallback), when that value is an object holding it. */
function standInField(v: unknown, field: string | undefined): { found: boolean; value?: unknown } {
  return field !== undefined && isPlainObject(v) ? getPath(v, field) : { found: false };
}

/** How S's templates resolve right now (SPEC §6.5: from results, provided values, fallbacks). */

export function templateLookup(d: WorkflowDraft, s: ApprovalStep): (ref: TemplateRef) => Lookup {
  const deps = effectiveDeps(s);
  return (ref) => {
    const D = findStep(d, ref.stepId);
    const dep = deps.find((e) => e.stepId === ref.stepId);
    if (!D || !dep) return { kind: 'unresolved', why: `{{${ref.stepId}}} names no dependency of this step` };
    const data = D.state === 'completed' ? resultData(D) : undefined;
    if (s.providedValues && hasOwn(s.providedValues, ref.stepId)) {
      const pv = s.providedValues[ref.stepId];
      const own = standInField(pv, ref.field);
      if (own.found) return { kind: 'value', value: own.value };
      if (D.state === 'completed') {
        const r = getPath(data, ref.field);
        if (r.found) return { kind: 'value', value: r.value };
      }
      return { kind: 'value', value: pv };
    }
    const st = depState(d, s, dep);
    if (D.state === 'completed') {
      const r = getPath(data, ref.field);
      // A null field counts as missing, as the dependency checks read it (hasField).
      if (r.found && r.value !== null) return { kind: 'value', value: r.value };
      // Satisfied without this field: the declared fields did not need it, and S runs without it.
      if (st === 'dropped' || st === 'not_needed' || st === 'satisfied') return { kind: 'dropped' };
      if (r.found) return { kind: 'value', value: r.value };
      return { kind: 'unresolved', why: `"${D.id}" completed without "${ref.field ?? ''}"` };
    }
    // Not waited for (step_by_step, an enhancing or optional dependency that has not run): its
    // fallback value stands in when it has one, as it would were the dependency lost.
    if (st === 'dropped' && dep.resolution === 'fallback' && dep.hasFallback) {
      const r = standInField(dep.fallbackValue, ref.field);
      return { kind: 'value', value: r.found ? r.value : dep.fallbackValue };
    }
    if (st === 'dropped' || st === 'not_needed') return { kind: 'dropped' };
    return { kind: 'unresolved', why: `"${D.id}" has not supplied ${ref.field ?? 'its result'}` };
  };
}
