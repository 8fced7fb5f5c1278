/**
 * Raw BullMQ baselines doing the product's work without the product (jobs: bench/raw-jobs.ts):
 * - a "decision" is one Queue.add round trip (a Lua script call that writes a job), and, for
 *   reference, one Redis GET+SET round trip;
 * - the seed's workflow is a three-job chain, done when B and C completed; throughput is many such
 *   chains, or many BullMQ flows, at once, with the product worker's concurrency;
 * - a live draft is three waiting jobs carrying the same params.
 * The Worker runs either in the bench process (completions seen as local Worker events: the
 * fastest raw BullMQ can be) or in a process of its own (bench/raw-worker.ts) with completions
 * seen through QueueEvents, as an API process learns of them from its workers: the product's
 * topology, where the client hears of a step from another process.
 */
import { performance } from 'node:perf_hooks';
import { FlowProducer, Queue, QueueEvents, Worker } from 'bullmq';
import Redis from 'ioredis';
import { pool } from './clients';
import { RAW_JOB_OPTIONS, STEP_PARAMS, chainOf, chainProcessor, flowProcessor, rawJobId, seedContact, type RawStep } from './raw-jobs';

export type RawWorkerPlace = 'in-process' | 'own-process';
type RawQueue = 'chain' | 'flow';

interface Tracked {
  left: number;
  resolve: (at: number) => void;
  reject: (e: Error) => void;
}

export class RawBullmq {
  private readonly conn: Redis;
  private readonly data: Redis;
  private readonly chainQ: Queue;
  /** Only holds the flow queue's settings (its jobs come from the FlowProducer). */
  private readonly flowQ: Queue;
  private readonly ackQ: Queue;
  private readonly memQ: Queue;
  private readonly flows: FlowProducer;
  /** Workers (in-process) or QueueEvents (own-process), each with its connection. */
  private readonly listeners: { close(): Promise<void>; waitUntilReady(): Promise<unknown> }[] = [];
  private readonly extraConns: Redis[] = [];
  private readonly pending = new Map<string, Tracked>();
  private seq = 0;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    readonly queuePrefix: string,
    concurrency: number,
    readonly place: RawWorkerPlace,
  ) {
    const blocking = (name: string) => {
      const c = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: name });
      this.extraConns.push(c);
      return c;
    };
    this.conn = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: 'bench-raw' });
    this.data = new Redis(redisUrl, { connectionName: 'bench-raw-data' });
    const qp = queuePrefix;
    // A long event stream: QueueEvents must not miss a completion while a burst of 1,000 flows
    // writes ~4 events per job (BullMQ trims it to 10,000 by default).
    const streams = { events: { maxLen: 200_000 } };
    this.chainQ = new Queue('chain', { connection: this.conn, prefix: qp, streams });
    this.flowQ = new Queue('flow', { connection: this.conn, prefix: qp, streams });
    this.ackQ = new Queue('ack', { connection: this.conn, prefix: qp });
    this.memQ = new Queue('mem', { connection: this.conn, prefix: qp });
    this.flows = new FlowProducer({ connection: this.conn, prefix: qp });
    for (const queue of ['chain', 'flow'] as const) {
      if (place === 'in-process') {
        const processor = queue === 'chain' ? chainProcessor(this.data, this.chainQ, prefix) : flowProcessor(this.data, prefix);
        const w = new Worker(queue, processor, { connection: blocking(`bench-raw-${queue}-worker`), prefix: qp, concurrency });
        w.on('completed', (job) => this.completed(queue, job.id ?? ''));
        w.on('failed', (job, err) => {
          // Counted when final, as QueueEvents reports it (an attempt that will be retried is not).
          if (job && job.attemptsMade < (job.opts.attempts ?? 1) && err.name !== 'UnrecoverableError') return;
          this.failed(queue, job?.id ?? '', err.message);
        });
        w.on('error', () => undefined);
        this.listeners.push(w);
      } else {
        // From the stream's start (this run's queues are new): no completion is missed while the
        // reader starts.
        const events = new QueueEvents(queue, { connection: blocking(`bench-raw-${queue}-events`), prefix: qp, lastEventId: '0-0' });
        events.on('completed', ({ jobId }) => this.completed(queue, jobId));
        events.on('failed', ({ jobId, failedReason }) => this.failed(queue, jobId, failedReason));
        events.on('error', () => undefined);
        this.listeners.push(events);
      }
    }
  }

  async init(): Promise<void> {
    await seedContact(this.data, this.prefix);
    // Ready queues have sent their settings (the event stream's length) ahead of any job.
    await Promise.all([this.chainQ, this.flowQ, ...this.listeners].map((l) => l.waitUntilReady()));
  }

  /** A chain is done when B and C completed; a flow when C (its root) did. */
  private completed(queue: RawQueue, jobId: string): void {
    const step = jobId.slice(jobId.lastIndexOf('__') + 2) as RawStep;
    if (step === 'A' || (queue === 'flow' && step !== 'C')) return;
    const key = `${queue}:${chainOf(jobId)}`;
    const t = this.pending.get(key);
    if (t && --t.left === 0) {
      this.pending.delete(key);
      t.resolve(performance.now());
    }
  }

  private failed(queue: RawQueue, jobId: string, reason: string): void {
    const key = `${queue}:${chainOf(jobId)}`;
    const t = this.pending.get(key);
    if (!t) return;
    this.pending.delete(key);
    t.reject(new Error(`raw ${queue} job ${jobId} failed: ${reason}`));
  }

  private track(queue: RawQueue, id: string, left: number, timeoutMs: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const key = `${queue}:${id}`;
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new Error(`raw ${queue} ${id} did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(key, {
        left,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /** Start one chain; resolves with its completion time (performance.now) when B and C are done. */
  startChain(timeoutMs = 60_000): { started: number; done: Promise<number> } {
    const id = `c${++this.seq}_${Date.now().toString(36)}`;
    const started = performance.now();
    const done = this.track('chain', id, 2, timeoutMs);
    this.chainQ.add('A', { id, params: STEP_PARAMS.A }, { ...RAW_JOB_OPTIONS, jobId: rawJobId(id, 'A') }).catch((e: Error) => this.failed('chain', rawJobId(id, 'A'), e.message));
    return { started, done };
  }

  /** `n` flows (A → B → C) added at once: steps per second until the last C completed. */
  async flowsAtOnce(n: number, timeoutMs = 120_000): Promise<{ elapsedMs: number; stepsPerSec: number }> {
    const base = `f${++this.seq}_${Date.now().toString(36)}`;
    const t0 = performance.now();
    const ends = Array.from({ length: n }, (_, i) => {
      const id = `${base}_${i}`;
      const job = (name: RawStep) => ({ name, queueName: 'flow', data: { id, params: STEP_PARAMS[name] }, opts: { ...RAW_JOB_OPTIONS, jobId: rawJobId(id, name) } });
      const done = this.track('flow', id, 1, timeoutMs);
      this.flows.add({ ...job('C'), children: [{ ...job('B'), children: [job('A')] }] }).catch((e: Error) => this.failed('flow', rawJobId(id, 'C'), e.message));
      return done;
    });
    const elapsedMs = Math.max(...(await Promise.all(ends))) - t0;
    return { elapsedMs, stepsPerSec: (3 * n) / (elapsedMs / 1000) };
  }

  /** `n` chains one after another: enqueue → both dependents done, per chain. */
  async chainsSequential(n: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = this.startChain();
      out.push((await c.done) - c.started);
    }
    return out;
  }

  /** `n` chains started at once: total time, steps per second, and each chain's latency. */
  async chainsAtOnce(n: number): Promise<{ elapsedMs: number; stepsPerSec: number; latencies: number[] }> {
    const t0 = performance.now();
    const chains = Array.from({ length: n }, () => this.startChain(120_000));
    const ends = await Promise.all(chains.map((c) => c.done));
    const elapsedMs = Math.max(...ends) - t0;
    return { elapsedMs, stepsPerSec: (3 * n) / (elapsedMs / 1000), latencies: ends.map((e, i) => e - (chains[i] as { started: number }).started) };
  }

  /** Queue.add round trips (no worker on that queue), `concurrency` in flight. */
  async addRoundTrips(n: number, concurrency: number): Promise<number[]> {
    const base = `a${++this.seq}`;
    return pool(Array.from({ length: n }, (_, i) => i), concurrency, async (i) => {
      const t = performance.now();
      await this.ackQ.add('step.run', { v: 1, sessionId: `${base}_${i}`, stepId: 'email_draft_1', run: 1 }, { ...RAW_JOB_OPTIONS, jobId: `${base}_${i}` });
      return performance.now() - t;
    });
  }

  /** Redis GET + SET round trips (one after the other), `concurrency` in flight. */
  async getSetRoundTrips(n: number, concurrency: number): Promise<number[]> {
    const key = `${this.prefix}raw:getset`;
    await this.data.set(key, JSON.stringify({ version: 1, ...STEP_PARAMS }));
    return pool(Array.from({ length: n }, (_, i) => i), concurrency, async (i) => {
      const t = performance.now();
      const v = await this.data.get(`${key}`);
      await this.data.set(`${key}:${i % 64}`, v ?? '', 'EX', 600);
      return performance.now() - t;
    });
  }

  /** Bytes of Redis memory per "live draft" = three waiting jobs with the steps' params. */
  async memoryPerDraft(n: number, usedMemory: () => Promise<number>): Promise<number> {
    await this.memQ.obliterate({ force: true }).catch(() => undefined);
    const before = await usedMemory();
    const base = `m${++this.seq}`;
    for (let i = 0; i < n; i += 500) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + 500); j++) {
        for (const [name, params] of Object.entries(STEP_PARAMS)) {
          batch.push({ name: 'step.run', data: { v: 1, sessionId: `${base}_${j}`, stepId: name, run: 1, params }, opts: { ...RAW_JOB_OPTIONS, jobId: `${base}_${j}__${name}` } });
        }
      }
      await this.memQ.addBulk(batch);
    }
    const after = await usedMemory();
    await this.memQ.obliterate({ force: true }).catch(() => undefined);
    return (after - before) / n;
  }

  async resetAckQueue(): Promise<void> {
    await this.ackQ.obliterate({ force: true }).catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const [, t] of this.pending) t.reject(new Error('closing'));
    this.pending.clear();
    await Promise.all(this.listeners.map((l) => (l instanceof Worker ? l.close(true) : l.close()).catch(() => undefined)));
    await this.flows.close().catch(() => undefined);
    const queues = [this.chainQ, this.flowQ, this.ackQ, this.memQ];
    await Promise.all(queues.map((q) => q.obliterate({ force: true }).catch(() => undefined)));
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
    await Promise.all([this.conn, this.data, ...this.extraConns].map((c) => c.quit().catch(() => undefined)));
  }
}
