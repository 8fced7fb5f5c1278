/**
 * Step execution as the worker drives it: begin (fail closed), progress, finish. Every function
 * is idempotent against redelivery: a stale `run`, a finished step or a finished workflow
 * answers null and changes nothing.
 */
import type { ApprovalStep, StepResult, WorkflowDraft } from '@wfa/protocol';
import type { BeginResult, StepJobRef, StepOutcome, StepStart, Transition } from './api';
import { beginWork, completeStep, finishWork, partialFailureOf, ready, type Work } from './engine';
import { isRunnable } from './dependencies';
import { resolveStepParams } from './resolve';
import { findStep, isDone, clone } from './util';
import { currentText } from './describe';
import { assertPausedOnFailure, recordAnswer, releaseFailure, retryFailure } from './failure-ops';

function live(d: WorkflowDraft): boolean {
  return d.state === 'running' || d.state === 'waiting_intervention';
}

/** A permanent failure pauses the workflow with the seed's PartialFailureHandling. */
function failStep(w: Work, s: ApprovalStep, error: string): StepResult {
  const result: StepResult = { success: false, error, stepId: s.id, description: currentText(s), state: 'failed', timestamp: w.now };
  s.state = 'failed';
  s.finishedAt = w.now;
  s.result = result;
  delete s.interventionRequired;
  // Cancelled or rolling back: the outcome is recorded, but nothing pauses on it. Already paused
  // on another failure: that one is answered first, then the plan pauses on this one (advance).
  if (w.d.state !== 'cancelled' && !w.d.rollback && w.d.partialFailure === undefined) {
    w.d.partialFailure = partialFailureOf(w.d, s.id);
  }
  return result;
}

/**
 * The worker may run (stepId, run) only if this returns non-null with `execute` true (fail closed).
 * Already running with this run (a redelivered job): transition is null, params given.
 * Unresolvable templates or invalid resolved params: the step fails permanently (`execute` false).
 */
export function beginStep(d: WorkflowDraft, stepId: string, run: number, now: number): BeginResult | null {
  const s = findStep(d, stepId);
  if (!s || s.run !== run || !live(d) || s.approvalStatus !== 'step_approved') return null;
  if (s.state === 'running') {
    const r = resolveStepParams(d, s);
    return r.ok ? { transition: null, params: r.params, execute: true } : null;
  }
  if (s.state !== 'pending' || d.partialFailure !== undefined || !isRunnable(d, s)) return null;
  const r = resolveStepParams(d, s);
  const w = beginWork(d, now);
  const ws = findStep(w.d, stepId)!;
  if (!r.ok) {
    const result = failStep(w, ws, r.error);
    const transition = finishWork(w, {
      lead: () => [{ type: 'STEP_EXECUTION', payload: failedPayload(w.d, ws, result) }],
    });
    return { transition, params: {}, execute: false };
  }
  ws.state = 'running';
  ws.startedAt = now;
  ws.progress = 0;
  delete ws.interventionRequired;
  const transition = finishWork(w, {
    lead: () => [{ type: 'STEP_EXECUTION', payload: { stepId, status: 'running', progress: 0, message: `Running: ${currentText(ws)}` } }],
  });
  return { transition, params: r.params, execute: true };
}

function failedPayload(d: WorkflowDraft, s: ApprovalStep, result: StepResult) {
  return {
    stepId: s.id,
    status: 'failed' as const,
    message: `Failed: ${result.error ?? 'unknown error'}`,
    result,
    ...(d.partialFailure?.failedStep === s.id ? { partialFailure: clone(d.partialFailure) } : {}),
  };
}

/**
 * Record how a running step ended. A non-final retriable failure answers null (BullMQ retries);
 * a non-retriable one is final whatever the attempt. Stale run / not running → null.
 * In a cancelled workflow the outcome is still recorded (the side effect happened) but nothing
 * more runs; an intervention there ends the step as skipped.
 */
export function finishStep(d: WorkflowDraft, stepId: string, run: number, o: StepOutcome, now: number): Transition | null {
  const s = findStep(d, stepId);
  if (!s || s.run !== run || s.state !== 'running') return null;
  if (o.kind === 'failed' && o.retriable && !o.finalAttempt) return null;
  // A rolled-back workflow still records the outcome of a step that was running (its effect happened).
  if ((d.state === 'completed' || d.state === 'failed') && !d.rollback) return null;
  const w = beginWork(d, now);
  const ws = findStep(w.d, stepId)!;
  const cancelled = w.d.state === 'cancelled' || w.d.rollback !== undefined;
  // A step that was running when the plan was cancelled ends after the plan's last WORKFLOW_STATUS:
  // a fresh one follows, so a client that reads statuses does not show it running for ever.
  const snapshot = w.d.state === 'cancelled';
  switch (o.kind) {
    case 'completed': {
      return finishWork(w, { noAdvance: cancelled, snapshot, lead: completeStep(w, ws, clone(o.data), o.message) });
    }
    case 'failed': {
      const result = failStep(w, ws, o.error);
      return finishWork(w, { noAdvance: cancelled, snapshot, lead: () => [{ type: 'STEP_EXECUTION', payload: failedPayload(w.d, ws, result) }] });
    }
    case 'intervention': {
      if (cancelled) {
        ws.state = 'skipped';
        ws.finishedAt = now;
        return finishWork(w, {
          noAdvance: true,
          snapshot,
          lead: () => [
            {
              type: 'STEP_EXECUTION',
              payload: { stepId, status: 'skipped', message: w.d.rollback ? 'Skipped: the workflow was rolled back' : 'Skipped: the workflow was cancelled' },
            },
          ],
        });
      }
      ws.state = 'waiting_intervention';
      ws.interventionRequired = {
        reason: o.reason,
        options: [...o.options],
        timeout: o.timeoutSec,
        params: {
          reason: o.reason,
          ...(o.entityToResolve ? { entityToResolve: { ...o.entityToResolve } } : {}),
          timeout: o.timeoutSec,
          state: 'waiting_intervention',
          timestamp: now,
        },
      };
      const ir = clone(ws.interventionRequired);
      return finishWork(w, {
        lead: () => [{ type: 'STEP_EXECUTION', payload: { stepId, status: 'waiting_intervention', message: o.reason, interventionRequired: ir } }],
      });
    }
  }
}

export function reportProgress(d: WorkflowDraft, stepId: string, run: number, progress: number, message: string, now: number): Transition | null {
  const s = findStep(d, stepId);
  if (!s || s.run !== run || s.state !== 'running' || !live(d)) return null;
  const w = beginWork(d, now);
  const ws = findStep(w.d, stepId)!;
  const p = Math.max(0, Math.min(100, Number.isFinite(progress) ? progress : 0));
  ws.progress = p;
  return finishWork(w, { lead: () => [{ type: 'STEP_EXECUTION', payload: { stepId, status: 'running', progress: p, message } }] });
}

/** Steps that should have a job now (approved, deps done, workflow running); for reconciliation. */
export function readyToRun(d: WorkflowDraft): StepJobRef[] {
  return ready(d);
}

/**
 * FAILURE_RESOLUTION helpers (the message itself is handled elsewhere):
 * `skip_failed` releases the failure: dependents of failed steps are resolved by their own rules
 * (rule 4) and the rest of the plan continues. `retry_failed` runs the failed step again with a
 * new run (a new job id). Both refuse (`invalid_state`) unless the workflow is paused on a failure.
 * Each is recorded as an answer (by 'system'), as FAILURE_RESOLUTION records the user's.
 */
export function skipFailed(d: WorkflowDraft, now: number): Transition {
  assertPausedOnFailure(d);
  const w = beginWork(d, now);
  recordAnswer(w, 'skip_failed', 'system');
  releaseFailure(w);
  return finishWork(w, { snapshot: true });
}

export function retryFailed(d: WorkflowDraft, now: number): Transition {
  assertPausedOnFailure(d);
  const w = beginWork(d, now);
  recordAnswer(w, 'retry_failed', 'system');
  retryFailure(w);
  return finishWork(w, { snapshot: true });
}

/**
 * An intervention got no answer within its timeout (SPEC §6.6): the step ends `timeout` and its
 * dependents are resolved by their own rules. Stale run or not waiting → null.
 */
export function expireIntervention(d: WorkflowDraft, stepId: string, run: number, now: number): Transition | null {
  const s = findStep(d, stepId);
  if (!s || s.run !== run || s.state !== 'waiting_intervention' || !live(d)) return null;
  const w = beginWork(d, now);
  const ws = findStep(w.d, stepId)!;
  const result: StepResult = { success: false, error: 'No answer in time', stepId, description: currentText(ws), state: 'timeout', timestamp: now };
  ws.state = 'timeout';
  ws.finishedAt = now;
  ws.result = result;
  delete ws.interventionRequired;
  return finishWork(w, {
    lead: () => [{ type: 'STEP_EXECUTION', payload: { stepId, status: 'timeout', message: 'Timed out waiting for your answer', result } }],
  });
}

export { resolveStepParams };
export type { StepStart };
