/**
 * Worker composition root: config → Redis → stores → queues → BullMQ worker → signals.
 */
import { StepQueue, TimerQueue } from '@wfa/queue';
import { auditKeyWarning, configOrExit, createLogger, onShutdown } from '@wfa/runtime';
import { PreferencesStore, WorkflowStore, auditKeyMismatch, createBlockingConnection, createCommandConnection, createKeys, waitForReady } from '@wfa/store';
import { loadWorkerConfig, type WorkerConfig } from './config';
import { seedDemoWorkspace } from './handlers';
import { createStepProcessor, createStepWorker } from './step-worker';
import { createTimerProcessor, createTimerWorker } from './timer-worker';

async function main(): Promise<void> {
  const config: WorkerConfig = configOrExit(() => loadWorkerConfig(process.env));
  const logger = createLogger('worker', { level: config.LOG_LEVEL, json: config.NODE_ENV === 'production' });
  const keys = createKeys(config.KEY_PREFIX);
  // The worker's state writes wait for a reconnect rather than fail: a step that ran must be recorded.
  const redis = createBlockingConnection(config.REDIS_URL, 'wfa-worker');
  const workerConnection = createBlockingConnection(config.REDIS_URL, 'wfa-worker-bullmq');
  const timerConnection = createBlockingConnection(config.REDIS_URL, 'wfa-worker-timers');
  const queueConnection = createBlockingConnection(config.REDIS_URL, 'wfa-worker-queue');
  for (const c of [redis, workerConnection, timerConnection, queueConnection]) c.on('error', () => undefined);
  await waitForReady(redis, 15_000).catch((err: Error) => {
    logger.error(`cannot reach Redis: ${err.message}`);
    process.exit(3);
  });

  // The worker makes most of a running workflow's changes in a row: it starts each mutation from
  // the version it last wrote (compare-and-set still guards it) and runs them one at a time.
  const store = new WorkflowStore(redis, keys, Date.now, { cacheDrafts: true, auditKey: config.AUDIT_KEY });
  const steps = new StepQueue({ connection: queueConnection, prefix: keys.queuePrefix, attempts: config.STEP_ATTEMPTS, backoffMs: config.STEP_BACKOFF_MS });
  const timers = new TimerQueue(queueConnection, keys.queuePrefix);
  const unkeyed = auditKeyWarning(config);
  if (unkeyed) logger.warn(unkeyed);
  const keyMismatch = await auditKeyMismatch(redis, keys.auditKeyMarker, config.AUDIT_KEY);
  if (keyMismatch) {
    logger.error(`refusing to start: ${keyMismatch}`);
    process.exit(2);
  }
  for (const q of [steps.queue, timers.queue]) q.on('error', (err) => logger.warn('queue error', { error: err.message }));
  if (config.demoUser) {
    await seedDemoWorkspace(redis, keys, config.demoUser, Date.now());
    logger.info('demo workspace ready', { user: config.demoUser });
  }
  const processor = createStepProcessor({ store, steps, timers, redis, keys, logger, now: Date.now, stepTimeoutMs: config.STEP_TIMEOUT_MS, handlerLatencyMs: config.HANDLER_LATENCY_MS, interventionTimeoutSec: config.INTERVENTION_TIMEOUT_SEC, progressHoldMs: config.PROGRESS_HOLD_MS });
  const worker = createStepWorker(workerConnection, keys.queuePrefix, config.CONCURRENCY, processor, config.LOCK_DURATION_MS);
  worker.on('error', (err) => logger.warn('worker error', { error: err.message }));
  const timerWorker = await createTimerWorker(
    timerConnection,
    keys.queuePrefix,
    createTimerProcessor({ store, preferences: new PreferencesStore(redis, keys), steps, timers, redis, keys, logger, now: Date.now }),
    config.SWEEP_INTERVAL_MS,
    timers.queue,
  );
  timerWorker.on('error', (err) => logger.warn('timer worker error', { error: err.message }));
  await Promise.all([worker.waitUntilReady(), timerWorker.waitUntilReady()]);
  logger.info('worker running', { concurrency: config.CONCURRENCY });
  process.stdout.write('WFA_WORKER_READY\n');

  onShutdown(logger, async () => {
    // close() stops fetching and waits for active steps to finish; a hard kill leaves them to be
    // re-delivered (stalled) to another worker.
    await Promise.all([worker.close(), timerWorker.close()]);
    await Promise.all([steps.close(), timers.close()].map((p) => p.catch(() => undefined)));
    await Promise.all([redis, workerConnection, timerConnection, queueConnection].map((c) => c.quit().catch(() => undefined)));
  });
}

void main();
