/**
 * Worker composition root: config → Redis → stores → queues → BullMQ worker → signals.
 */
import { StepQueue } from '@wfa/queue';
import { ConfigError, createLogger, onShutdown } from '@wfa/runtime';
import { WorkflowStore, createBlockingConnection, createCommandConnection, createKeys, waitForReady } from '@wfa/store';
import { loadWorkerConfig, type WorkerConfig } from './config';
import { seedDemoWorkspace } from './handlers';
import { createStepProcessor, createStepWorker } from './step-worker';

async function main(): Promise<void> {
  let config: WorkerConfig;
  try {
    config = loadWorkerConfig(process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const logger = createLogger('worker', { level: config.LOG_LEVEL, json: config.NODE_ENV === 'production' });
  const keys = createKeys(config.KEY_PREFIX);
  // The worker's state writes wait for a reconnect rather than fail: a step that ran must be recorded.
  const redis = createBlockingConnection(config.REDIS_URL, 'wfa-worker');
  const workerConnection = createBlockingConnection(config.REDIS_URL, 'wfa-worker-bullmq');
  const queueConnection = createBlockingConnection(config.REDIS_URL, 'wfa-worker-queue');
  for (const c of [redis, workerConnection, queueConnection]) c.on('error', () => undefined);
  await waitForReady(redis, 15_000).catch((err: Error) => {
    logger.error(`cannot reach Redis: ${err.message}`);
    process.exit(3);
  });

  const store = new WorkflowStore(redis, keys);
  const steps = new StepQueue({ connection: queueConnection, prefix: keys.queuePrefix, attempts: config.STEP_ATTEMPTS, backoffMs: config.STEP_BACKOFF_MS });
  if (config.demoUser) {
    await seedDemoWorkspace(redis, keys.prefix, config.demoUser, Date.now());
    logger.info('demo workspace ready', { user: config.demoUser });
  }
  const processor = createStepProcessor({ store, steps, redis, keys, logger, now: Date.now, stepTimeoutMs: config.STEP_TIMEOUT_MS });
  const worker = createStepWorker(workerConnection, keys.queuePrefix, config.CONCURRENCY, processor, config.LOCK_DURATION_MS);
  worker.on('error', (err) => logger.warn('worker error', { error: err.message }));
  await worker.waitUntilReady();
  logger.info('worker running', { concurrency: config.CONCURRENCY });
  process.stdout.write('WFA_WORKER_READY\n');

  onShutdown(logger, async () => {
    // close() stops fetching and waits for active steps to finish; a hard kill leaves them to be
    // re-delivered (stalled) to another worker.
    await worker.close();
    await steps.close().catch(() => undefined);
    await Promise.all([redis, workerConnection, queueConnection].map((c) => c.quit().catch(() => undefined)));
  });
}

void main();
