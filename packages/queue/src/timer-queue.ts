import { Queue, type ConnectionOptions } from 'bullmq';
import type { JobData } from '@wfa/protocol';
import { TIMER_QUEUE, timerJobId } from './names';

type TimerData = JobData<'workflow.timer'>;
interface TimerJob {
  data: TimerData;
  at: number;
  id: string;
}

export interface NewWorkflowTimers {
  sessionId: string;
  userId: string;
  createdAt: number;
  /** The approval window's end; no reminders or expiry without one. */
  expiresAt?: number;
  reminderIntervals: readonly number[];
  /** When the workflow's records would go if nothing changed it (the first retire check). */
  retireAt: number;
}

/**
 * Durable timers (SPEC §6.8) as BullMQ delayed jobs with deterministic ids: they survive any
 * process restart (they live in Redis), and scheduling the same timer twice adds it once. A timer
 * that fires when it no longer applies is a no-op in the domain, so nothing needs cancelling.
 */
export class TimerQueue {
  readonly queue: Queue;

  constructor(connection: ConnectionOptions, prefix: string) {
    this.queue = new Queue(TIMER_QUEUE, { connection, prefix });
  }

  /**
   * A new workflow's timers, in one round trip: while it is a draft with an approval window,
   * reminders at `createdAt + interval` and the expiry at `expiresAt`; always, the check at
   * `retireAt` that takes it out of its owner's index once its records are gone.
   */
  async scheduleNew(w: NewWorkflowTimers, now: number): Promise<void> {
    const { sessionId, createdAt, expiresAt } = w;
    const jobs: TimerJob[] = [];
    if (expiresAt !== undefined) {
      for (const [index, ms] of w.reminderIntervals.entries()) {
        if (createdAt + ms < expiresAt) jobs.push({ data: { v: 1, sessionId, kind: 'reminder', index }, at: createdAt + ms, id: timerJobId(sessionId, 'reminder', index) });
      }
      jobs.push({ data: { v: 1, sessionId, kind: 'expire' }, at: expiresAt, id: timerJobId(sessionId, 'expire') });
    }
    jobs.push(this.retireJob(sessionId, w.userId, w.retireAt));
    await this.add(jobs, now);
  }

  /** Look again at `at` whether the workflow's records are gone (each check has its own id). */
  async scheduleRetire(sessionId: string, userId: string, at: number, now: number): Promise<void> {
    await this.add([this.retireJob(sessionId, userId, at)], now);
  }

  private retireJob(sessionId: string, userId: string, at: number): TimerJob {
    return { data: { v: 1, sessionId, kind: 'retire', userId }, at, id: timerJobId(sessionId, 'retire', at) };
  }

  async scheduleInterventionTimeout(sessionId: string, stepId: string, run: number, at: number, now: number): Promise<void> {
    await this.add(
      [{ data: { v: 1, sessionId, kind: 'intervention_timeout', stepId, run }, at, id: timerJobId(sessionId, 'intervention', `${stepId}_${run}`) }],
      now,
    );
  }

  /** Rollback runs on the worker (where the compensations live), once per workflow. */
  async scheduleRollback(sessionId: string, version: number, now: number): Promise<void> {
    await this.add([{ data: { v: 1, sessionId, kind: 'rollback' }, at: now, id: timerJobId(sessionId, 'rollback', version) }], now);
  }

  private async add(jobs: TimerJob[], now: number): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(
      jobs.map((j) => ({
        name: 'workflow.timer',
        data: j.data,
        opts: {
          jobId: j.id,
          delay: Math.max(0, j.at - now),
          attempts: 5,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { age: 24 * 3600 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      })),
    );
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
