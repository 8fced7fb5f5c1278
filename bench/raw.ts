/**
 * Raw BullMQ baselines, in the bench process, doing the product's work without the product:
 * - a "decision" is one Queue.add round trip (a Lua script call that writes a job), and, for
 *   reference, one Redis GET+SET round trip;
 * - the seed's workflow is a chain A → (B, C): A reads the contact (HGET) and, before completing,
 *   enqueues B and C with the looked-up email (as the product's worker enqueues dependents);
 *   B writes a draft, C writes an event (SET each); done when both completed;
 * - throughput: many such chains at once on a Worker with the product worker's concurrency, and
 *   many BullMQ flows at once (FlowProducer, the "raw flows"): a flow is a tree whose
 *   children run before their parent, so the seed's lookup → (draft, event) becomes the chain
 *   lookup → draft → event, each parent reading its child's result (getChildrenValues);
 * - a live draft is three waiting jobs carrying the same params.
 * Job options are the product's (attempts, backoff, removeOnComplete/Fail).
 */
import { performance } from 'node:perf_hooks';
import { FlowProducer, Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import Redis from 'ioredis';
import { pool } from './clients';

export const RAW_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 5000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

const STEP_PARAMS = {
  A: { query: 'John' },
  B: { subject: 'About the meeting', recipient: '{{contact_lookup_1.email}}' },
  C: { title: 'Meeting with John', attendees: ['{{contact_lookup_1.email}}'] },
};

export class RawBullmq {
  private readonly conn: Redis;
  private readonly workerConn: Redis;
  private readonly flowConn: Redis;
  private readonly data: Redis;
  private readonly chainQ: Queue;
  private readonly ackQ: Queue;
  private readonly memQ: Queue;
  private readonly worker: Worker;
  private readonly flows: FlowProducer;
  private readonly flowWorker: Worker;
  private readonly flowsPending = new Map<string, () => void>();
  private readonly pending = new Map<string, { left: number; done: (at: number) => void; fail: (e: Error) => void }>();
  private seq = 0;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    concurrency: number,
  ) {
    this.conn = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: 'bench-raw' });
    this.workerConn = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: 'bench-raw-worker' });
    this.flowConn = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: 'bench-raw-flow-worker' });
    this.data = new Redis(redisUrl, { connectionName: 'bench-raw-data' });
    const qp = `${prefix}{raw}`;
    this.chainQ = new Queue('chain', { connection: this.conn, prefix: qp });
    this.ackQ = new Queue('ack', { connection: this.conn, prefix: qp });
    this.memQ = new Queue('mem', { connection: this.conn, prefix: qp });
    this.worker = new Worker('chain', (job) => this.process(job), { connection: this.workerConn, prefix: qp, concurrency });
    this.worker.on('completed', (job) => {
      if (job.name === 'A') return;
      const id = (job.data as { id: string }).id;
      const p = this.pending.get(id);
      if (p && --p.left === 0) {
        this.pending.delete(id);
        p.done(performance.now());
      }
    });
    this.worker.on('failed', (job, err) => {
      const id = (job?.data as { id?: string } | undefined)?.id;
      const p = id ? this.pending.get(id) : undefined;
      if (p && id) {
        this.pending.delete(id);
        p.fail(err);
      }
    });
    this.worker.on('error', () => undefined);
    this.flows = new FlowProducer({ connection: this.conn, prefix: qp });
    this.flowWorker = new Worker('flow', (job) => this.processFlowJob(job), { connection: this.flowConn, prefix: qp, concurrency });
    this.flowWorker.on('completed', (job) => {
      if (job.name === 'C') this.flowsPending.get((job.data as { id: string }).id)?.();
    });
    this.flowWorker.on('error', () => undefined);
  }

  async init(): Promise<void> {
    await this.data.hset(`${this.prefix}raw:contact:john`, { name: 'John Doe', email: 'john.doe@company.com' });
    await Promise.all([this.worker.waitUntilReady(), this.flowWorker.waitUntilReady()]);
  }

  private async processFlowJob(job: Job): Promise<unknown> {
    const d = job.data as { id: string; params: unknown };
    if (job.name === 'A') return { email: await this.data.hget(`${this.prefix}raw:contact:john`, 'email') };
    const children = await job.getChildrenValues();
    await this.data.set(`${this.prefix}raw:flow:${d.id}:${job.name}`, JSON.stringify({ children, ...(d.params as object) }), 'EX', 3600);
    return { ok: true };
  }

  /** `n` flows (A → B → C) added at once: steps per second until the last C completed. */
  async flowsAtOnce(n: number, timeoutMs = 120_000): Promise<{ elapsedMs: number; stepsPerSec: number }> {
    const base = `f${++this.seq}_${Date.now().toString(36)}`;
    const t0 = performance.now();
    const ends = Array.from({ length: n }, (_, i) => {
      const id = `${base}_${i}`;
      const job = (name: 'A' | 'B' | 'C') => ({ name, queueName: 'flow', data: { id, params: STEP_PARAMS[name] }, opts: { ...RAW_JOB_OPTIONS, jobId: `${id}__${name}` } });
      const done = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.flowsPending.delete(id);
          reject(new Error(`raw flow ${id} did not finish within ${timeoutMs} ms`));
        }, timeoutMs);
        this.flowsPending.set(id, () => {
          clearTimeout(timer);
          this.flowsPending.delete(id);
          resolve(performance.now());
        });
      });
      void this.flows.add({ ...job('C'), children: [{ ...job('B'), children: [job('A')] }] });
      return done;
    });
    const elapsedMs = Math.max(...(await Promise.all(ends))) - t0;
    return { elapsedMs, stepsPerSec: (3 * n) / (elapsedMs / 1000) };
  }

  private async process(job: Job): Promise<unknown> {
    const d = job.data as { id: string; email?: string; params: unknown };
    if (job.name === 'A') {
      const email = await this.data.hget(`${this.prefix}raw:contact:john`, 'email');
      await this.chainQ.addBulk([
        { name: 'B', data: { id: d.id, email, params: STEP_PARAMS.B }, opts: { ...RAW_JOB_OPTIONS, jobId: `${d.id}__B` } },
        { name: 'C', data: { id: d.id, email, params: STEP_PARAMS.C }, opts: { ...RAW_JOB_OPTIONS, jobId: `${d.id}__C` } },
      ]);
      return { email };
    }
    await this.data.set(`${this.prefix}raw:out:${d.id}:${job.name}`, JSON.stringify({ to: d.email, ...(d.params as object) }), 'EX', 3600);
    return { ok: true };
  }

  /** Start one chain; resolves with its completion time (performance.now) when B and C are done. */
  startChain(timeoutMs = 60_000): { started: number; done: Promise<number> } {
    const id = `c${++this.seq}_${Date.now().toString(36)}`;
    const started = performance.now();
    const done = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`raw chain ${id} did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        left: 2,
        done: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
        fail: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
    void this.chainQ.add('A', { id, params: STEP_PARAMS.A }, { ...RAW_JOB_OPTIONS, jobId: `${id}__A` });
    return { started, done };
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
    for (const [, p] of this.pending) p.fail(new Error('closing'));
    this.pending.clear();
    await Promise.all([this.worker, this.flowWorker].map((w) => w.close(true).catch(() => undefined)));
    await this.flows.close().catch(() => undefined);
    await Promise.all([this.chainQ, this.ackQ, this.memQ].map((q) => q.obliterate({ force: true }).catch(() => undefined)));
    await Promise.all([this.chainQ, this.ackQ, this.memQ].map((q) => q.close().catch(() => undefined)));
    await Promise.all([this.conn, this.workerConn, this.flowConn, this.data].map((c) => c.quit().catch(() => undefined)));
  }
}
