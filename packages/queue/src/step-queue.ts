import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { JobData } from '@wfa/protocol';
import { STEP_QUEUE, stepJobId } from './names';

export interface StepJobRef {
  stepId: string;
  run: number;
}

export interface StepQueueOptions {
  connection: ConnectionOptions;
  prefix: string;
  /** Attempts per step before it fails for good (SPEC §6.7: retries with backoff). */
  attempts: number;
  backoffMs: number;
}

/** Options of every step job (the benchmark's raw BullMQ baseline uses the same). */
export function stepJobOptions(attempts: number, backoffMs: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    // Keep finished jobs for a while so operators see them in Bull Board.
    removeOnComplete: { age: 24 * 3600, count: 5000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/** Producer side of the step queue: the gateway and the worker both enqueue ready steps. */
export class StepQueue {
  readonly queue: Queue;
  private readonly jobOptions: JobsOptions;

  constructor(opts: StepQueueOptions) {
    this.queue = new Queue(STEP_QUEUE, { connection: opts.connection, prefix: opts.prefix });
    this.jobOptions = stepJobOptions(opts.attempts, opts.backoffMs);
  }

  async enqueue(sessionId: string, refs: readonly StepJobRef[]): Promise<void> {
    if (refs.length === 0) return;
    await this.queue.addBulk(
      refs.map((r) => {
        const data: JobData<'step.run'> = { v: 1, sessionId, stepId: r.stepId, run: r.run };
        return { name: 'step.run', data, opts: { ...this.jobOptions, jobId: stepJobId(sessionId, r.stepId, r.run) } };
      }),
    );
  }

  /** Remove queued (not yet active) jobs; an active one finds its workflow cancelled and stops. */
  async remove(sessionId: string, refs: readonly StepJobRef[]): Promise<void> {
    await Promise.all(
      refs.map((r) => this.queue.remove(stepJobId(sessionId, r.stepId, r.run)).catch(() => 0)),
    );
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
