/**
 * The raw BullMQ baseline's worker in a process of its own, as raw BullMQ is deployed next to an
 * API (the product's worker is a process of its own too). Env: REDIS_URL, RAW_QUEUE_PREFIX,
 * RAW_DATA_PREFIX, CONCURRENCY. Prints RAW_WORKER_READY; SIGTERM closes it.
 */
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { chainProcessor, flowProcessor } from './raw-jobs';
import { requiredEnv } from './bare-io';

const env = (k: string) => requiredEnv('raw-worker', k);
const url = env('REDIS_URL');
const prefix = env('RAW_QUEUE_PREFIX');
const dataPrefix = env('RAW_DATA_PREFIX');
const concurrency = Number(env('CONCURRENCY'));

const conn = () => new Redis(url, { maxRetriesPerRequest: null, connectionName: 'bench-raw-worker' });
const data = new Redis(url, { connectionName: 'bench-raw-worker-data' });
const chainQ = new Queue('chain', { connection: conn(), prefix });
const workers = [
  new Worker('chain', chainProcessor(data, chainQ, dataPrefix), { connection: conn(), prefix, concurrency }),
  new Worker('flow', flowProcessor(data, dataPrefix), { connection: conn(), prefix, concurrency }),
];
for (const w of workers) w.on('error', () => undefined);

void Promise.all(workers.map((w) => w.waitUntilReady())).then(() => process.stdout.write('RAW_WORKER_READY\n'));
process.on('SIGTERM', () => {
  void Promise.all(workers.map((w) => w.close())).finally(() => process.exit(0));
});
