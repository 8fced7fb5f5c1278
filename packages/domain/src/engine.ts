/**
 * The transition pipeline every mutation goes through: work on a private copy, settle the
 * dependency rules, start / pause / finish the plan, diff the ready set into `enqueue`/`cancel`,
 * bump the version, and emit events.
 *
 * Ready-set diff: `ready(d)` is a pure function of the draft (steps that should have a job now).
 * A transition enqueues exactly the refs that became ready and cancels refs that stopped being
 * ready without starting (a step re-decided, skipped, paused): those steps get a new `run`, so a
 * job that slips through is stale and `beginStep` refuses it.
 */
import { TERMINAL_PLAN_STATES } from '@wfa/protocol';
import type { ApprovalStep, PlanState, StepResult, WorkflowDraft, WorkflowEvent } from '@wfa/protocol';
import type { StepJobRef, Transition } from './api';
import { conflictEvents } from './conflicts';
import { isRunnable, newEffects, settle, type Effects } from './dependencies';
import { validateDraft } from './validation';
import { findStep, isDone, isUndecided, clone } from './util';
import { currentText } from './describe';
import { toStatusPayload } from './views';

export interface Work {
  d: WorkflowDraft;
  readyBefore: StepJobRef[];
  stateBefore: PlanState;
  now: number;
  fx: Effects;
}

export function beginWork(d0: WorkflowDraft, now: number): Work {
  return { d: clone(d0), readyBefore: ready(d0), stateBefore: d0.state, now, fx: newEffects() };
}

/** Steps that should have a job now: the plan runs, is not paused on a failure, the step is runnable. */
export function ready(d: WorkflowDraft): StepJobRef[] {
  if (d.state !== 'running' && d.state !== 'waiting_intervention') return [];
  // Paused on a failure, or rolling back (rollback_all): nothing new starts.
  if (d.partialFailure || d.rollback) return [];
  return d.steps.filter((s) => isRunnable(d, s)).map((s) => ({ stepId: s.id, run: s.run }));
}

function awaitingDecision(d: WorkflowDraft): boolean {
  return d.steps.some((s) => s.state === 'pending' && isUndecided(s));
}

/** review_all: everything decided, validation passes, no open conflict. step_by_step: something can run. */
function canStart(d: WorkflowDraft): boolean {
  if (d.mode === 'step_by_step') return d.steps.some((s) => isRunnable(d, s));
  return !awaitingDecision(d) && d.conflicts.length === 0 && validateDraft(d).isValid;
}

/** The seed's PartialFailureHandling for a step that failed for good. */
export function partialFailureOf(d: WorkflowDraft, stepId: string): NonNullable<WorkflowDraft['partialFailure']> {
  return {
    completedSteps: d.steps.filter((x) => x.state === 'completed').map((x) => x.id),
    failedStep: stepId,
    remainingSteps: d.steps.filter((x) => !isDone(x) && x.id !== stepId).map((x) => x.id),
    userOptions: ['retry_failed', 'skip_failed', 'rollback_all', 'continue_remaining'],
  };
}

/** A step that failed for good (while another failure was open) and nobody answered since. */
function unansweredFailure(d: WorkflowDraft): ApprovalStep | undefined {
  return d.steps.find(
    (s) => s.state === 'failed' && s.finishedAt !== undefined && !(d.failureResolutions ?? []).some((r) => r.stepId === s.id && r.at >= s.finishedAt!),
  );
}

/**
 * A failure the user chose to leave behind (`continue_remaining`) still makes the workflow end
 * `failed`; one released with `skip_failed` does not (its dependents were resolved by their rules).
 */
function failureStands(d: WorkflowDraft): boolean {
  if (d.partialFailure !== undefined) return true;
  return (d.failureResolutions ?? []).some((r) => r.action === 'continue_remaining' && findStep(d, r.stepId)?.state === 'failed');
}

export function advance(w: Work): void {
  const d = w.d;
  if (TERMINAL_PLAN_STATES.includes(d.state)) return;
  // A requested rollback owns the plan's fate: only completeRollback ends it.
  if (d.rollback) return;
  settle(d, w.now, w.fx);
  if (d.state === 'created') {
    if (d.steps.every(isDone)) {
      // Nothing will ever run (every step rejected or skipped): the workflow ends as cancelled.
      d.state = 'cancelled';
      d.approvalStatus = 'step_rejected';
      d.cancelReason = 'All steps were rejected or skipped - nothing to execute';
      d.finishedAt = w.now;
      return;
    }
    if (!canStart(d)) return;
    d.state = 'running';
  }
  if (d.state === 'running' || d.state === 'waiting_intervention') {
    // One failure is put to the user at a time; once it is answered, the next unanswered one is.
    const next = d.partialFailure === undefined ? unansweredFailure(d) : undefined;
    if (next) d.partialFailure = partialFailureOf(d, next.id);
    const waiting = d.partialFailure !== undefined || d.steps.some((s) => s.state === 'waiting_intervention');
    d.state = waiting ? 'waiting_intervention' : 'running';
    // Before the end check, so a plan that ends here (step_by_step's last decision) says it too.
    d.approvalStatus = awaitingDecision(d) ? 'draft_pending' : 'step_approved';
    // A failure for good pauses the plan even when nothing else is left (SPEC §6.7): the user may
    // still retry it, release it, or roll back what the completed steps did.
    if (d.steps.every(isDone) && d.partialFailure === undefined) {
      d.state = failureStands(d) ? 'failed' : 'completed';
      d.finishedAt = w.now;
      return;
    }
  }
}

/** The step a STEP_EXECUTION `completed` names as next: the first enqueued, else the next pending by order. */
export function nextStepId(d: WorkflowDraft, enqueue: StepJobRef[], finished: string): string | undefined {
  if (enqueue[0]) return enqueue[0].stepId;
  return [...d.steps].sort((a, b) => a.order - b.order).find((s) => s.id !== finished && s.state === 'pending' && !isDone(s))?.id;
}

/**
 * Record a step's success (by its handler or by the user's answer) on the working copy, and return
 * the `lead` for finishWork: its STEP_EXECUTION completed, naming the step that runs next.
 */
export function completeStep(w: Work, s: ApprovalStep, data: unknown, message: string): NonNullable<FinishOptions['lead']> {
  const result: StepResult = { success: true, data, message, stepId: s.id, description: currentText(s), state: 'completed', timestamp: w.now };
  s.state = 'completed';
  s.finishedAt = w.now;
  s.progress = 100;
  s.result = result;
  w.d.executionContext.stepResults[s.id] = clone(data);
  return (enqueue) => {
    const next = nextStepId(w.d, enqueue, s.id);
    return [{ type: 'STEP_EXECUTION', payload: { stepId: s.id, status: 'completed', message, result, ...(next ? { nextStepId: next } : {}) } }];
  };
}

export interface FinishOptions {
  /** Events that come first; built after the ready diff so they can name what runs next. */
  lead?: (enqueue: StepJobRef[]) => WorkflowEvent[];
  /** Always end with a WORKFLOW_STATUS snapshot (otherwise only when the plan state changed). */
  snapshot?: boolean;
  extraCancel?: StepJobRef[];
  ack?: Record<string, unknown>;
  /** Skip `advance` (the caller already finished the plan, e.g. cancel_all). */
  noAdvance?: boolean;
}

export function finishWork(w: Work, o: FinishOptions = {}): Transition {
  if (!o.noAdvance) advance(w);
  const d = w.d;
  const after = ready(d);
  const same = (a: StepJobRef, b: StepJobRef) => a.stepId === b.stepId && a.run === b.run;
  const enqueue = after.filter((r) => !w.readyBefore.some((b) => same(b, r)));
  const cancel: StepJobRef[] = [];
  for (const b of w.readyBefore) {
    if (after.some((r) => same(r, b))) continue;
    const s = findStep(d, b.stepId);
    if (!s || s.state === 'running' || s.run !== b.run) continue;
    cancel.push(b);
    s.run += 1;
  }
  for (const c of o.extraCancel ?? []) if (!cancel.some((x) => same(x, c))) cancel.push(c);

  d.version += 1;
  d.lastInteraction = w.now;
  d.approvedSteps = d.steps.filter((s) => s.approvalStatus === 'step_approved').map((s) => s.id);
  d.rejectedSteps = d.steps.filter((s) => s.approvalStatus === 'step_rejected').map((s) => s.id);
  d.currentStepIndex = d.steps.filter((s) => s.state === 'completed' || s.state === 'failed' || s.state === 'timeout').length;
  d.executionContext.planState = d.state;
  d.executionContext.currentStepIndex = d.currentStepIndex;

  const events: WorkflowEvent[] = [...(o.lead ? o.lead(enqueue) : [])];
  if (d.state !== 'created') {
    for (const sk of w.fx.skipped) {
      const s = findStep(d, sk.stepId);
      const cause = findStep(d, sk.cause);
      if (!s || s.state !== 'skipped') continue;
      events.push({
        type: 'STEP_EXECUTION',
        payload: { stepId: s.id, status: 'skipped', message: `Skipped: "${cause?.description ?? sk.cause}" will not provide what this step needs` },
      });
    }
  }
  events.push(...conflictEvents(d, w.fx.raised));
  if (o.snapshot || d.state !== w.stateBefore) events.push({ type: 'WORKFLOW_STATUS', payload: toStatusPayload(d) });
  // Each step event and conflict says which version its change made, so a client that follows
  // only the events still decides on the current version (progress reports change none).
  for (const e of events) if ((e.type === 'STEP_EXECUTION' || e.type === 'DEPENDENCY_CONFLICT') && e.payload.version === undefined) e.payload.version = d.version;
  return { draft: d, events, enqueue, cancel, ack: o.ack ?? { version: d.version } };
}
