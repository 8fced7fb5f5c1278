import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { JOB_CATALOG, isActionName, type WorkflowEvent } from '@wfa/protocol';
import { beginStep, finishStep, readyToRun, systemActor, type BeginResult, type StepOutcome } from '@wfa/domain';
import { STEP_QUEUE } from '@wfa/queue';
import { AuditKeyError, carryOut } from '@wfa/store';
import { handlerContext, mutateIfPresent, type ProcessorDeps } from './context';
import { PermanentStepError, runHandler, type HandlerOutcome } from './handlers';
import { ProgressReports, type ProgressReport } from './progress-reports';

export interface StepWorkerDeps extends ProcessorDeps {
  stepTimeoutMs: number;
  /** Simulated provider latency at the midway progress report (0 in normal use). */
  handlerLatencyMs: number;
  /** How long the user has to answer an intervention (INTERVENTION_TIMEOUT_SEC). */
  interventionTimeoutSec: number;
  /** How long a progress report may wait to be logged with the step's outcome (PROGRESS_HOLD_MS). */
  progressHoldMs: number;
}

/**
 * Runs one step job: parse job.data, check (fail closed) that the step may run, resolve its
 * templates, run its handler, persist the outcome and advance the graph, and enqueue what became
 * ready before the job completes. A redelivered job (worker died mid-step) runs the handler again
 * under the same idempotency key, so the step's effect happens once.
 */
/** How the worker's changes read in the audit log (SPEC §6.11). */
const STEP_STARTED = systemActor('step started');
const STEP_FINISHED = systemActor('step finished');

export function createStepProcessor(deps: StepWorkerDeps) {
  const run = async (job: Job): Promise<{ outcome: string }> => {
    const parsed = JOB_CATALOG['step.run'].safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('malformed step job data');
    const { sessionId, stepId, run } = parsed.data;
    const log = deps.logger.child({ sessionId, stepId, run, jobId: job.id });

    // The domain decides whether the handler runs (the last call is the one that was committed).
    const start: { last: BeginResult | null } = { last: null };
    const begun = await mutateIfPresent(deps.store, sessionId, (d) => {
      start.last = beginStep(d, stepId, run, deps.now());
      return start.last?.transition ?? null;
    }, STEP_STARTED);
    if (!begun) {
      log.warn('workflow is gone; dropping the job');
      return { outcome: 'dropped' };
    }
    if (begun.result) await carryOut(deps, begun.result);
    const draft = begun.result?.draft ?? begun.before;
    const step = draft.steps.find((s) => s.id === stepId);
    const params = start.last?.execute ? start.last.params : undefined;
    if (!params || !step) {
      // Not runnable (stale run, cancelled, already done...). If a previous delivery finished the
      // step but died before enqueuing its dependents, this puts them on the queue.
      await deps.steps.enqueue(sessionId, readyToRun(draft));
      return { outcome: 'not_runnable' };
    }
    if (!isActionName(step.action)) throw new UnrecoverableError(`unknown action ${step.action}`);

    // Progress is best effort and awaited by nobody on the step's path: a report that cannot be
    // written is logged, never a reason to fail the step. It changes nothing a decision depends
    // on, so it is logged and published without a compare-and-set. A report waits a few
    // milliseconds (ProgressReports); if the outcome comes first, the outcome's commit logs it.
    // A report written on its own goes on the same Redis connection as the later outcome commit,
    // and Redis runs them in order, so the log keeps its order without waiting.
    const progressEvent = (r: ProgressReport): WorkflowEvent => ({
      type: 'STEP_EXECUTION',
      payload: { stepId, status: 'running', progress: r.progress, message: r.message },
    });
    const writeReports = (batch: ProgressReport[]) =>
      Promise.all([
        job.updateProgress(batch[batch.length - 1]?.progress ?? 0),
        deps.store.appendEvents(draft, batch.map(progressEvent)),
      ]).catch((err: unknown) => log.warn('progress report not written', { error: String(err) }));
    const reports = new ProgressReports(deps.progressHoldMs, writeReports);
    let settled = false; // a handler that timed out may still report; its reports end with its outcome
    const overran = new AbortController();
    const ctx = handlerContext(
      deps,
      draft,
      stepId,
      async (progress, message) => {
        overran.signal.throwIfAborted();
        if (settled) return;
        reports.add({ progress: Math.max(0, Math.min(100, progress)), message });
        if (deps.handlerLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, deps.handlerLatencyMs));
        overran.signal.throwIfAborted();
      },
      overran.signal,
    );

    let outcome: StepOutcome;
    try {
      outcome = toOutcome(await withinTimeLimit(runHandler(step.action, params, ctx), deps.stepTimeoutMs, overran), deps.interventionTimeoutSec);
    } catch (err) {
      const permanent = err instanceof PermanentStepError;
      const attempts = job.opts.attempts ?? 1;
      const finalAttempt = permanent || job.attemptsMade + 1 >= attempts;
      outcome = { kind: 'failed', error: err instanceof Error ? err.message : String(err), retriable: !permanent, finalAttempt };
      log.warn('step attempt failed', { error: outcome.error, attempt: job.attemptsMade + 1, finalAttempt });
    }
    settled = true;

    let carried: ProgressReport[] | undefined;
    try {
      if (outcome.kind === 'intervention') {
        // The seed's record of the open question and a durable timer for its answer (SPEC §6.6),
        // both written before the user is told, so whoever reacts to the event finds them. A timer
        // for a question that was never committed is a no-op.
        const askedAt = deps.now();
        await deps.redis.set(
          deps.keys.intervention(sessionId, stepId),
          JSON.stringify({ sessionId, stepId, run, ...outcome, askedAt }),
          'EX',
          24 * 3600,
        );
        await deps.timers.scheduleInterventionTimeout(sessionId, stepId, run, askedAt + outcome.timeoutSec * 1000, askedAt);
      }
      // Reports still waiting are logged by the outcome's commit, before its events (taken once:
      // the change may be computed again after a conflict).
      const finished = await deps.store.mutate(sessionId, (d) => {
        carried ??= reports.take();
        const t = finishStep(d, stepId, run, outcome, deps.now());
        return t && carried.length > 0 ? { ...t, events: [...carried.map(progressEvent), ...t.events] } : t;
      }, STEP_FINISHED);
      if (finished.result) await carryOut(deps, finished.result);
      // No commit (a retry follows, or the run is stale): the taken reports are written on their own.
      else if (carried?.length) await writeReports(carried);
    } finally {
      // Also when the commit failed (BullMQ retries the step, whose handler reports again): what
      // still waits is written now, and nothing is left in flight, or on a timer, past the job.
      await reports.drain();
    }
    if (outcome.kind === 'failed') {
      // Final: recorded above, and BullMQ must not retry. Otherwise BullMQ retries with backoff.
      throw outcome.finalAttempt ? new UnrecoverableError(outcome.error) : new Error(outcome.error);
    }
    log.info('step finished', { outcome: outcome.kind });
    return { outcome: outcome.kind };
  };
  return async (job: Job, token?: string): Promise<{ outcome: string }> => {
    try {
      return await run(job);
    } catch (err) {
      if (!(err instanceof AuditKeyError) || !token) throw err;
      // This process cannot seal the workflow's audit log (its AUDIT_KEY differs; it started before
      // the deployment's key was recorded). Nothing ran (the begin commit was refused) or what ran
      // is idempotent: the step waits for a worker that can, without using up one of its attempts.
      deps.logger.error('cannot extend the audit log: the step is left for another worker', { jobId: job.id, reason: err.operatorMessage });
      await job.moveToDelayed(deps.now() + AUDIT_KEY_RETRY_MS, token);
      throw new DelayedError();
    }
  };
}

/** How long a step this worker could not audit waits before any worker takes it again. */
const AUDIT_KEY_RETRY_MS = 5_000;

function toOutcome(out: HandlerOutcome, interventionTimeoutSec: number): StepOutcome {
  return out.kind === 'completed'
    ? { kind: 'completed', data: out.data, message: out.message }
    : { kind: 'intervention', reason: out.reason, options: out.options, timeoutSec: interventionTimeoutSec, entityToResolve: out.entityToResolve };
}

/** How long a handler told to stop (its time is up) has to settle before the step fails anyway. */
const OVERRUN_GRACE_MS = 2_000;

/**
 * The handler's outcome within `ms`. Past it, the handler is told to stop: its workspace refuses
 * every write from then on, so the step's effect either happened before (a write already under
 * way) or not at all. It then has a short grace to settle: one whose effect landed is reported
 * completed, as it is; one that stopped fails the attempt with "took longer than". Without the
 * grace a handler that overran could leave its effect behind a step reported failed, which
 * rollback would not know to undo.
 */
async function withinTimeLimit<T>(run: Promise<T>, ms: number, overran: AbortController): Promise<T> {
  const tooLong = () => new Error(`the step took longer than ${ms} ms`);
  let timer: NodeJS.Timeout | undefined;
  const timeUp = Symbol('time up');
  const first = await Promise.race([run, new Promise<typeof timeUp>((resolve) => (timer = setTimeout(() => resolve(timeUp), ms)))]).finally(() => clearTimeout(timer));
  if (first !== timeUp) return first as T;
  overran.abort(tooLong());
  let grace: NodeJS.Timeout | undefined;
  const late = await Promise.race([
    run.then((value) => ({ value }), () => undefined),
    new Promise<undefined>((resolve) => (grace = setTimeout(() => resolve(undefined), OVERRUN_GRACE_MS))),
  ]).finally(() => clearTimeout(grace));
  if (late) return late.value;
  throw tooLong();
}

export function createStepWorker(
  connection: ConnectionOptions,
  prefix: string,
  concurrency: number,
  processor: ReturnType<typeof createStepProcessor>,
  lockDurationMs: number,
): Worker {
  return new Worker(STEP_QUEUE, processor, {
    connection,
    prefix,
    concurrency,
    lockDuration: lockDurationMs,
    stalledInterval: Math.max(1000, Math.floor(lockDurationMs / 2)),
    maxStalledCount: 2,
  });
}
