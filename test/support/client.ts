import jwt from 'jsonwebtoken';
import { io, type Socket } from 'socket.io-client';
import { TEST_SECRET } from './processes';
import { TERMINAL } from './state';

export function tokenFor(userId: string, extra: Record<string, unknown> = {}, secret = TEST_SECRET): string {
  return jwt.sign({ sub: userId, ...extra }, secret, { algorithm: 'HS256', expiresIn: 3600 });
}

export interface Envelope {
  type: string;
  sessionId?: string;
  eventId?: string;
  payload: any;
  timestamp: number;
}

export type Ack = { ok: true; [k: string]: any } | { ok: false; error: { code: string; message: string; details?: unknown } };

/**
 * A real socket.io client that records every server event, so a test can wait for an event
 * that may already have arrived (no sleeps).
 */
export class TestClient {
  readonly events: Envelope[] = [];
  private listeners: (() => void)[] = [];
  /** Clients connected while a test runs (not in beforeAll): closed when it ends, pass or fail. */
  private static opened: Set<TestClient> | undefined;

  static trackUntilTestEnds(): void {
    TestClient.opened = new Set();
  }

  static closeTracked(): void {
    for (const c of TestClient.opened ?? []) c.close();
    TestClient.opened = undefined;
  }

  private constructor(readonly socket: Socket) {
    socket.onAny((type: string, envelope: Envelope) => {
      this.events.push({ ...envelope, type });
      for (const l of [...this.listeners]) l();
    });
  }

  static async connect(url: string, token: string | undefined, opts: Record<string, unknown> = {}): Promise<TestClient> {
    const socket = io(url, { auth: token === undefined ? {} : { token }, transports: ['websocket'], reconnection: false, forceNew: true, ...opts });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err) => reject(err));
    });
    const client = new TestClient(socket);
    TestClient.opened?.add(client);
    return client;
  }

  send(type: string, payload: unknown, sessionId?: string, extra: Record<string, unknown> = {}): Promise<Ack> {
    const envelope = { type, ...(sessionId ? { sessionId } : {}), payload, timestamp: Date.now(), ...extra };
    return this.socket.timeout(15_000).emitWithAck(type, envelope) as Promise<Ack>;
  }

  async sendOk(type: string, payload: unknown, sessionId?: string): Promise<Record<string, any>> {
    const ack = await this.send(type, payload, sessionId);
    if (!ack.ok) throw new Error(`${type} refused: ${ack.error.code} ${ack.error.message} ${JSON.stringify(ack.error.details ?? '')}`);
    return ack;
  }

  /** Resolve with the first recorded event matching `pred` (past or future). */
  waitFor(pred: (e: Envelope) => boolean, timeoutMs = 20_000, what = 'event'): Promise<Envelope> {
    const found = this.events.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const listener = () => {
        const e = this.events.find(pred);
        if (e) {
          cleanup();
          resolve(e);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what} (socket ${this.socket.connected ? 'connected' : 'DISCONNECTED'}); got: ${this.events.map((e) => `${e.type}${e.payload?.stepId ? `(${e.payload.stepId}:${e.payload.status})` : ''}`).join(', ')}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
      };
      this.listeners.push(listener);
    });
  }

  of(sessionId: string, type?: string): Envelope[] {
    return this.events.filter((e) => e.sessionId === sessionId && (!type || e.type === type));
  }

  close(): void {
    this.socket.close();
  }
}

export const isType = (type: string, sessionId?: string) => (e: Envelope) => e.type === type && (!sessionId || e.sessionId === sessionId);
export const stepEvent = (sessionId: string, stepId: string, status: string) => (e: Envelope) =>
  e.type === 'STEP_EXECUTION' && e.sessionId === sessionId && e.payload?.stepId === stepId && e.payload?.status === status;
export const workflowEnded = (sessionId: string, planState = 'completed') => (e: Envelope) =>
  e.type === 'WORKFLOW_STATUS' && e.sessionId === sessionId && e.payload?.planState === planState;

/** The workflow's status in any terminal state. */
export const workflowTerminal = (sessionId: string) => (e: Envelope) =>
  e.type === 'WORKFLOW_STATUS' && e.sessionId === sessionId && TERMINAL.includes(e.payload?.planState);

/** The seed's request (SPEC's walk-through). */
export const SEED_REQUEST = 'Send email to John about the meeting and create a calendar event';
