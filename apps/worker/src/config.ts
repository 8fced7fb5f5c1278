import { z } from 'zod';
import { envInt, loadEnv, sharedEnv } from '@wfa/runtime';

const WorkerEnvSchema = z.object({
  ...sharedEnv(),
  /** Steps one worker process runs at once. */
  CONCURRENCY: envInt(10, 1, 1000),
  /** User whose built-in workspace is filled with demo data at start ("" disables). Default: demo-user outside production. */
  DEMO_USER: z.string().max(200).optional(),
  /** A step handler taking longer than this fails (and is retried). */
  STEP_TIMEOUT_MS: envInt(60_000, 100, 3_600_000),
  /** Seconds a user has to answer an intervention before the step times out (the seed's 300). */
  INTERVENTION_TIMEOUT_SEC: envInt(300, 1, 7 * 24 * 3600),
  /** Simulated provider latency: each step pauses this long at its midway progress report (benchmarks, fault tests). */
  HANDLER_LATENCY_MS: envInt(0, 0, 600_000),
  /** How long a progress report may wait so that a step ending meanwhile logs it with its outcome (0: write at once). */
  PROGRESS_HOLD_MS: envInt(10, 0, 1000),
  /** How often a worker re-enqueues ready steps of active workflows (repairs a crash between commit and enqueue). */
  SWEEP_INTERVAL_MS: envInt(15_000, 500, 3_600_000),
  /** How long a job stays locked to a worker without a heartbeat; a killed worker's step is re-delivered after it. */
  LOCK_DURATION_MS: envInt(30_000, 1000, 600_000),
});

export type WorkerConfig = z.infer<typeof WorkerEnvSchema> & { demoUser?: string };

export function loadWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const parsed = loadEnv(WorkerEnvSchema, env, 'worker');
  const demoUser = parsed.DEMO_USER ?? (parsed.NODE_ENV === 'production' ? '' : 'demo-user');
  return { ...parsed, demoUser: demoUser || undefined };
}
