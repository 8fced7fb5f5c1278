/**
 * A lean real socket.io client for the bench (websocket transport, no reconnection). It keeps only
 * what the bench needs: when each workflow reached a terminal WORKFLOW_STATUS (arrival time), so
 * an end-to-end latency can be read whether the event came before or after we started waiting.
 */
import { performance } from 'node:perf_hooks';
import jwt from 'jsonwebtoken';
import { io, type Socket } from 'socket.io-client';
import { BENCH_SECRET } from './procs';

export type Ack = { ok: true; [k: string]: unknown } | { ok: false; error: { code: string; message: string } };

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'user_cancelled']);

export function tokenFor(userId: string): string {
  return jwt.sign({ sub: userId, roles: ['user'] }, BENCH_SECRET, { algorithm: 'HS256', expiresIn: 3600 });
}

export class BenchClient {
  /** sessionId → { planState, arrival time } of its terminal WORKFLOW_STATUS. */
  private readonly ended = new Map<string, { state: string; at: number }>();
  private readonly waiters = new Map<string, (e: { state: string; at: number }) => void>();
  disconnects = 0;

  private constructor(
    readonly userId: string,
    readonly socket: Socket,
  ) {
    socket.on('WORKFLOW_STATUS', (e: { sessionId?: string; payload?: { planState?: string } }) => {
      const state = e.payload?.planState;
      if (!e.sessionId || !state || !TERMINAL.has(state)) return;
      const rec = { state, at: performance.now() };
      const w = this.waiters.get(e.sessionId);
      if (w) {
        this.waiters.delete(e.sessionId);
        w(rec);
      } else this.ended.set(e.sessionId, rec);
    });
    socket.on('disconnect', () => (this.disconnects += 1));
  }

  static connect(url: string, userId: string, timeoutMs = 15_000): Promise<BenchClient> {
    const socket = io(url, {
      auth: { token: tokenFor(userId) },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`connect timeout for ${userId}`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new BenchClient(userId, socket));
      });
      socket.once('connect_error', (err) => {
        clearTimeout(timer);
        socket.close();
        reject(err);
      });
    });
  }

  send(type: string, payload: unknown, sessionId?: string, timeoutMs = 30_000): Promise<Ack> {
    const envelope = { type, ...(sessionId ? { sessionId } : {}), payload, timestamp: Date.now() };
    return this.socket.timeout(timeoutMs).emitWithAck(type, envelope) as Promise<Ack>;
  }

  async sendOk(type: string, payload: unknown, sessionId?: string): Promise<Record<string, unknown>> {
    const ack = await this.send(type, payload, sessionId);
    if (!ack.ok) throw new Error(`${type} refused: ${ack.error.code} ${ack.error.message}`);
    return ack;
  }

  /** Arrival time (performance.now) of the workflow's terminal WORKFLOW_STATUS. */
  waitEnded(sessionId: string, timeoutMs = 60_000): Promise<{ state: string; at: number }> {
    const done = this.ended.get(sessionId);
    if (done) {
      this.ended.delete(sessionId);
      return Promise.resolve(done);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(sessionId);
        reject(new Error(`workflow ${sessionId} of ${this.userId} did not end within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(sessionId, (e) => {
        clearTimeout(timer);
        resolve(e);
      });
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  close(): void {
    this.socket.close();
  }
}

/** Run `fn` over `items` with at most `limit` in flight; results in input order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** Connect `userIds.length` clients (bounded concurrency); failures are counted, not thrown. */
export async function connectMany(url: string, userIds: readonly string[], concurrency = 100): Promise<{ clients: BenchClient[]; failed: number; firstError?: string }> {
  let failed = 0;
  let firstError: string | undefined;
  const got = await pool(userIds, concurrency, async (u) => {
    try {
      return await BenchClient.connect(url, u);
    } catch (err) {
      failed += 1;
      firstError ??= (err as Error).message;
      return undefined;
    }
  });
  return { clients: got.filter((c): c is BenchClient => c !== undefined), failed, firstError };
}

/** `connectMany`, but every client must connect: throws naming `what` and the first error otherwise. */
export async function connectAll(url: string, userIds: readonly string[], what: string, concurrency = 100): Promise<BenchClient[]> {
  const got = await connectMany(url, userIds, concurrency);
  if (got.failed) {
    closeAll(got.clients);
    throw new Error(`${got.failed} of ${userIds.length} clients could not connect to ${what}: ${got.firstError}`);
  }
  return got.clients;
}

export function closeAll(clients: readonly BenchClient[]): void {
  for (const c of clients) c.close();
}
