import { Queue, type ConnectionOptions } from 'bullmq';
import type { JobData } from '@wfa/protocol';
import { TIMER_QUEUE, timerJobId } from './names';

type TimerData = JobData<'workflow.timer'>;

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

  /** Reminders at `createdAt + interval` and the expiry at `expiresAt` of a new draft. */
  async scheduleDraft(sessionId: string, createdAt: number, expiresAt: number, reminderIntervals: readonly number[], now: number): Promise<void> {
    const jobs: { data: TimerData; at: number; id: string }[] = reminderIntervals
      .filter((ms) => createdAt + ms < expiresAt)
      .map((ms, index) => ({ data: { v: 1, sessionId, kind: 'reminder', index }, at: createdAt + ms, id: timerJobId(sessionId, 'reminder', index) }));
    jobs.push({ data: { v: 1, sessionId, kind: 'expire' }, at: expiresAt, id: timerJobId(sessionId, 'expire') });
    await this.add(jobs, now);
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

  private async add(jobs: { data: TimerData; at: number; id: string }[], now: number): Promise<void> {
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
