import { UnrecoverableError, Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import { JOB_CATALOG, isActionName, isReadOnlyAction } from '@wfa/protocol';
import { completeRollback, retireCheckAt, draftReminder, expireDraft, expireIntervention, isFinished, readyToRun, rollbackPlan, systemActor, type Actor } from '@wfa/domain';
import { TIMER_QUEUE } from '@wfa/queue';
import { carryOut, type PreferencesStore, type WorkflowStore } from '@wfa/store';
import { handlerContext, mutateIfPresent, type ProcessorDeps } from './context';
import { COMPENSATIONS } from './handlers';

export interface TimerWorkerDeps extends ProcessorDeps {
  preferences: PreferencesStore;
}

/** Timers act as the system, never as the user; the audit and the step records say so. */
const SYSTEM: Actor = { userId: 'system', roles: [], kind: 'system' };

/**
 * Durable timers and workflow-level jobs (SPEC §6.7, §6.8): draft reminders and expiry,
 * intervention timeouts, rollback, and the sweep. Each is idempotent: the domain returns null
 * when the timer no longer applies, so a timer that fires twice or late changes nothing.
 */
export function createTimerProcessor(deps: TimerWorkerDeps) {
  return async (job: Job): Promise<string> => {
    if (job.name === 'workflow.sweep') return sweep(deps);
    const parsed = JOB_CATALOG['workflow.timer'].safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('malformed timer job data');
    const { sessionId, kind } = parsed.data;
    const now = deps.now();
    const apply = async (change: Parameters<WorkflowStore['mutate']>[1]) => {
      const r = await mutateIfPresent(deps.store, sessionId, change, systemActor(`timer ${kind}`));
      if (r?.result) await carryOut(deps, r.result as never);
      return r?.result ? 'applied' : 'no-op';
    };
    switch (kind) {
      case 'reminder':
        return apply((d) => draftReminder(d, parsed.data.index ?? 0, now));
      case 'expire': {
        const draft = await deps.store.load(sessionId);
        if (!draft) return 'gone';
        const prefs = await deps.preferences.get(draft.userId);
        return apply((d) => expireDraft(d, prefs.timeout.defaultAction, SYSTEM, now));
      }
      case 'intervention_timeout':
        return apply((d) => expireIntervention(d, parsed.data.stepId ?? '', parsed.data.run ?? -1, now));
      case 'rollback':
        return rollback(deps, sessionId);
      case 'retire':
        if (!parsed.data.userId) throw new UnrecoverableError('retire timer without userId');
        return retire(deps, sessionId, parsed.data.userId, now);
    }
  };
}

/** Run each completed step's compensation, newest first, then record the report. */
async function rollback(deps: TimerWorkerDeps, sessionId: string): Promise<string> {
  const draft = await deps.store.load(sessionId);
  if (!draft?.rollback || draft.rollback.status !== 'requested') return 'no-op';
  const compensated: string[] = [];
  const notCompensated: { stepId: string; reason: string }[] = [];
  for (const step of rollbackPlan(draft)) {
    const compensate = isActionName(step.action) ? COMPENSATIONS[step.action] : undefined;
    if (!compensate) {
      // Reported either way (SPEC §6.7: "reports steps that have none"), saying which kind it is.
      const reason = isReadOnlyAction(step.action) ? `"${step.description}" only read data: there is nothing to undo` : `"${step.description}" cannot be undone`;
      notCompensated.push({ stepId: step.stepId, reason });
      continue;
    }
    const ctx = handlerContext(deps, draft, step.stepId);
    try {
      await compensate(step.data, ctx);
      compensated.push(step.stepId);
    } catch (err) {
      notCompensated.push({ stepId: step.stepId, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  const r = await deps.store.mutate(sessionId, (d) => completeRollback(d, { compensated, notCompensated }, deps.now()), systemActor('rollback carried out'));
  if (r.result) await carryOut(deps, r.result);
  deps.logger.info('rollback done', { sessionId, compensated: compensated.length, notCompensated: notCompensated.length });
  return 'rolled-back';
}

/**
 * A workflow whose records expired leaves its owner's index (a finished one left it when it
 * finished). While the records live (every change refreshes their TTL), look again when they would
 * go next.
 */
async function retire(deps: TimerWorkerDeps, sessionId: string, userId: string, now: number): Promise<string> {
  // Both reads in one round trip: the draft is only looked at while its records live.
  const [left, draft] = await Promise.all([deps.store.recordTtlMs(sessionId), deps.store.load(sessionId)]);
  if (left === null) {
    await Promise.all([deps.store.removeFromUserIndex(userId, sessionId), deps.store.markInactive(sessionId)]);
    return 'retired';
  }
  if (draft && isFinished(draft)) return 'finished';
  await deps.timers.scheduleRetire(sessionId, userId, retireCheckAt(now + left), now);
  return 'rescheduled';
}

/** Re-enqueue what should be running for every active workflow; forget finished ones. */
async function sweep(deps: TimerWorkerDeps): Promise<string> {
  const ids = await deps.store.activeWorkflowIds(1000);
  let enqueued = 0;
  for (const sid of ids) {
    const d = await deps.store.load(sid).catch(() => null);
    if (!d || isFinished(d)) {
      await deps.store.markInactive(sid);
      continue;
    }
    if (d.rollback?.status === 'requested') await deps.timers.scheduleRollback(sid, d.version, deps.now());
    const ready = readyToRun(d);
    enqueued += ready.length;
    await deps.steps.enqueue(sid, ready);
  }
  return `swept ${ids.length} workflows, ${enqueued} ready steps`;
}

export async function createTimerWorker(
  connection: ConnectionOptions,
  prefix: string,
  processor: ReturnType<typeof createTimerProcessor>,
  sweepIntervalMs: number,
  timerQueue: Queue,
): Promise<Worker> {
  // One scheduler id for every worker: the sweep runs once per interval, not once per worker.
  await timerQueue.upsertJobScheduler('workflow-sweep', { every: sweepIntervalMs }, { name: 'workflow.sweep', data: { v: 1 } });
  return new Worker(TIMER_QUEUE, processor, { connection, prefix, concurrency: 5 });
}
