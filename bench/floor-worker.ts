/**
 * The "floor" baseline's worker in a process of its own (bench/floor-jobs.ts): the raw flow's
 * jobs, each publishing its running and completed events. Env: REDIS_URL, FLOOR_QUEUE_PREFIX,
 * RAW_DATA_PREFIX, FLOOR_CHANNEL, CONCURRENCY, FLOOR_EVENTS (11: the product's event count).
 * Prints FLOOR_WORKER_READY; SIGTERM closes it.
 */
import { Worker } from 'bullmq';
import Redis from 'ioredis';
import { FLOOR_QUEUE, floorProcessor } from './floor-jobs';
import { requiredEnv } from './bare-io';

const env = (k: string) => requiredEnv('floor-worker', k);
const url = env('REDIS_URL');
const data = new Redis(url, { connectionName: 'bench-floor-worker-data' });
const publisher = new Redis(url, { connectionName: 'bench-floor-worker-publish' });
const productEvents = process.env['FLOOR_EVENTS'] === '11';
const worker = new Worker(FLOOR_QUEUE, floorProcessor(data, publisher, env('RAW_DATA_PREFIX'), env('FLOOR_CHANNEL'), productEvents), {
  connection: new Redis(url, { maxRetriesPerRequest: null, connectionName: 'bench-floor-worker' }),
  prefix: env('FLOOR_QUEUE_PREFIX'),
  concurrency: Number(env('CONCURRENCY')),
});
worker.on('error', () => undefined);
void worker.waitUntilReady().then(() => process.stdout.write('FLOOR_WORKER_READY\n'));
process.on('SIGTERM', () => {
  void worker.close().finally(() => process.exit(0));
});
