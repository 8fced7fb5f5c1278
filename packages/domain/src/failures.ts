/**
 * FAILURE_RESOLUTION (SPEC §6.7, seed PartialFailureHandling): the user's answer to a workflow
 * paused on a step that failed for good. Every answer is recorded in `failureResolutions` (audit).
 *  - retry_failed / skip_failed: as `retryFailed` / `skipFailed`.
 *  - continue_remaining: the failure stands (the workflow ends `failed`) and the rest goes on:
 *    every dependent follows its rule (SPEC §6.4), except that one whose rule would ask the user
 *    for the failed step's value is skipped instead.
 *  - rollback_all: nothing more runs; a worker undoes the completed steps (`rollbackPlan`) and
 *    reports (`completeRollback`).
 */
import type { ApprovalStep, ClientPayload, WorkflowDraft, WorkflowEvent } from '@wfa/protocol';
import type { Actor, StepJobRef, Transition } from './api';
import { beginWork, finishWork, type Work } from './engine';
import { assertVersion } from './decisions';
import { isLost, lossRule } from './dependencies';
import { effectiveDeps, type EffectiveDep } from './graph';
import { assertPausedOnFailure, recordAnswer, releaseFailure, retryFailure } from './failure-ops';
import { findStep, isDeclined, isOpen, isTerminalState, clone } from './util';
import { currentText } from './describe';
import { assertMaySkip, assertOwner } from './permissions';

export function resolveFailure(d: WorkflowDraft, p: ClientPayload<'FAILURE_RESOLUTION'>, actor: Actor, now: number): Transition {
  assertOwner(d, actor, 'decide what happens after a failure');
  assertVersion(d, p.expectedVersion);
  assertPausedOnFailure(d);
  if (p.action === 'skip_failed') {
    const s = findStep(d, d.partialFailure!.failedStep);
    if (s) assertMaySkip(d, s);
  }
  const w = beginWork(d, now);
  const failed = w.d.partialFailure!.failedStep;
  recordAnswer(w, p.action, actor.userId);
  switch (p.action) {
    case 'retry_failed':
      retryFailure(w);
      return finishWork(w, { snapshot: true });
    case 'skip_failed':
      releaseFailure(w);
      return finishWork(w, { snapshot: true });
    case 'continue_remaining':
      abandonBranch(w, failed);
      return finishWork(w, { snapshot: true });
    case 'rollback_all':
      return requestRollback(w);
  }
}

/**
 * continue_remaining: the user goes on without the failed step. Its dependents (direct, then
 * transitively through the steps this skips) follow their effect x resolution as SPEC §6.4 says
 * for a failed dependency: `blocks` + `skip` skips the step; `skip` under `enhances`/`optional`
 * drops the value and runs; `fallback` runs with its fallbackValue. Where the rule would ask the
 * user (`ask_user`; `wait`, which asks on a failure; a dropped value the step cannot run without),
 * the step is skipped instead (`skippedBy` = the dependency it lost): the user has just answered
 * "continue without it", and `skip_failed` is the answer that asks. A dependency that a condition
 * turns off is not lost, so such a step is not affected. Independent steps go on through the
 * engine; the failure stands (the workflow ends `failed`, see engine.advance).
 */
function abandonBranch(w: Work, failedId: string): void {
  const d = w.d;
  releaseFailure(w); // the failed step is now dead: `isLost` holds for its dependents
  const abandoned = new Set([failedId]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of d.steps) {
      if (!isOpen(s) || abandoned.has(s.id)) continue;
      const dep = effectiveDeps(s).find((e) => abandoned.has(e.stepId) && isLost(d, e, s) && !goesOnWithout(s, e));
      if (!dep) continue;
      s.state = 'skipped';
      s.skippedBy = dep.stepId;
      w.fx.skipped.push({ stepId: s.id, cause: dep.stepId });
      abandoned.add(s.id);
      changed = true;
    }
  }
  // Conflicts about skipped steps go with them (settle drops those of ineligible steps too).
  d.conflicts = d.conflicts.filter((c) => !abandoned.has(c.stepId));
}

/** Whether S's rule for losing `dep` lets S run without it (drop the value, or use the fallback). */
function goesOnWithout(s: ApprovalStep, dep: EffectiveDep): boolean {
  const rule = lossRule(s, dep);
  return rule === 'drop' || rule === 'fallback';
}

/**
 * rollback_all: nothing else runs. Steps that have not started are skipped (approvalStatus
 * `user_cancelled`, their queued jobs cancelled); a running step finishes and its outcome is still
 * recorded. The plan stays `running` (the system is busy undoing; nothing waits on the user) until
 * `completeRollback`, which ends it `failed`. Decisions are refused meanwhile (`assertLive`).
 */
function requestRollback(w: Work): Transition {
  const d = w.d;
  delete d.partialFailure;
  d.rollback = { requestedAt: w.now, status: 'requested' };
  d.state = 'running';
  d.conflicts = [];
  const extraCancel: StepJobRef[] = [];
  const lead: WorkflowEvent[] = [];
  for (const s of d.steps) {
    if (isTerminalState(s) || s.state === 'running') continue;
    if (isDeclined(s)) continue;
    if (s.approvalStatus === 'step_approved') extraCancel.push({ stepId: s.id, run: s.run });
    s.state = 'skipped';
    s.approvalStatus = 'user_cancelled';
    delete s.interventionRequired;
    lead.push({ type: 'STEP_EXECUTION', payload: { stepId: s.id, status: 'skipped', message: 'Skipped: the workflow is being rolled back' } });
  }
  const t = finishWork(w, { snapshot: true, extraCancel, lead: () => lead });
  t.ack = { version: t.draft.version, rollback: true };
  return t;
}

export interface RollbackItem {
  stepId: string;
  action: string;
  data: unknown;
  description: string;
}

/** What a rollback must undo: the completed steps, newest first (finishedAt desc, then order desc). */
export function rollbackPlan(d: WorkflowDraft): RollbackItem[] {
  return d.steps
    .filter((s) => s.state === 'completed')
    .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0) || b.order - a.order)
    .map((s) => ({ stepId: s.id, action: s.action, data: clone(s.result?.data), description: currentText(s) }));
}

export interface RollbackReport {
  compensated: string[];
  notCompensated: { stepId: string; reason: string }[];
}

/**
 * Record the rollback's outcome (null unless one is pending, so a repeated job changes nothing).
 * The plan ends `failed` (the seed has no "rolled back" state; `rollback.status` 'done' says it).
 * Undone steps keep state `completed` (their effect did happen, then was compensated) and get a
 * STEP_EXECUTION "Undone: …"; completed steps the report does not cover, and steps still running,
 * are listed as not undone, by name. The final WORKFLOW_STATUS carries the report.
 */
export function completeRollback(d: WorkflowDraft, report: RollbackReport, now: number): Transition | null {
  if (!d.rollback || d.rollback.status !== 'requested') return null;
  const w = beginWork(d, now);
  const wd = w.d;
  const completed = new Set(wd.steps.filter((s) => s.state === 'completed').map((s) => s.id));
  const compensated = [...new Set(report.compensated)].filter((id) => completed.has(id));
  const notCompensated: { stepId: string; description: string; reason: string }[] = [];
  const listed = new Set(compensated);
  for (const n of report.notCompensated) {
    const s = findStep(wd, n.stepId);
    if (!s || listed.has(s.id)) continue;
    listed.add(s.id);
    notCompensated.push({ stepId: s.id, description: currentText(s), reason: n.reason });
  }
  for (const item of rollbackPlan(wd)) {
    if (listed.has(item.stepId)) continue;
    notCompensated.push({ stepId: item.stepId, description: item.description, reason: `"${item.description}" was not undone (it finished after the rollback started)` });
  }
  for (const s of wd.steps) {
    if (s.state !== 'running' || listed.has(s.id)) continue;
    notCompensated.push({ stepId: s.id, description: currentText(s), reason: `"${currentText(s)}" was still running; whatever it does is not undone` });
  }
  wd.rollback = { ...wd.rollback!, status: 'done', compensated, notCompensated };
  wd.state = 'failed';
  wd.finishedAt = now;
  const lead: WorkflowEvent[] = compensated.map((id) => {
    const s = findStep(wd, id)!;
    return { type: 'STEP_EXECUTION', payload: { stepId: id, status: 'completed', message: `Undone: ${currentText(s)}` } };
  });
  return finishWork(w, { noAdvance: true, snapshot: true, lead: () => lead });
}
