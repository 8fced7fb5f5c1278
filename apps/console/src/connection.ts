import { io, type Socket } from 'socket.io-client';
import type { Ack, ServerEvent } from './types';

export const SERVER_EVENTS = ['WORKFLOW_DRAFT', 'STEP_EXECUTION', 'EDIT_RESULT', 'DEPENDENCY_CONFLICT', 'WORKFLOW_STATUS', 'WORKFLOW_REMINDER'] as const;

export type ConnState = 'connecting' | 'online' | 'offline' | 'unauthorized';

export interface ConnectionHandlers {
  onEvent(event: ServerEvent): void;
  onState(state: ConnState, detail?: string): void;
  /** Called on every (re)connection, so the app can re-subscribe with its last event id. */
  onConnect(reconnected: boolean): void;
}

const ACK_TIMEOUT_MS = 15_000;

function newMessageId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** The public socket.io protocol of SPEC §5, as any client speaks it. */
export class Connection {
  private readonly socket: Socket;
  private connectedOnce = false;

  constructor(token: string, private readonly handlers: ConnectionHandlers) {
    this.socket = io(location.origin, { auth: { token }, transports: ['websocket', 'polling'] });
    handlers.onState('connecting');
    this.socket.on('connect', () => {
      handlers.onState('online');
      handlers.onConnect(this.connectedOnce);
      this.connectedOnce = true;
    });
    this.socket.on('disconnect', (reason) => {
      handlers.onState('offline', reason);
    });
    this.socket.on('connect_error', (err: Error) => {
      if (/unauthori[sz]ed|jwt|token/i.test(err.message)) {
        this.socket.disconnect();
        handlers.onState('unauthorized', err.message);
      } else handlers.onState('offline', err.message);
    });
    for (const type of SERVER_EVENTS) {
      this.socket.on(type, (envelope: ServerEvent) => handlers.onEvent({ ...envelope, type }));
    }
    this.socket.on('ERROR', (envelope: { payload?: { code?: string; message?: string } }) => {
      if (envelope?.payload?.code === 'unauthorized') handlers.onState('unauthorized', envelope.payload.message);
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /**
   * Emit `{ type, sessionId?, payload, timestamp, messageId }` and wait for its acknowledgement.
   * A lost acknowledgement is retried once with the same messageId, so the server applies it once.
   */
  async send(type: string, payload: unknown, sessionId?: string): Promise<Ack> {
    const envelope = { type, ...(sessionId ? { sessionId } : {}), payload, timestamp: Date.now(), messageId: newMessageId() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        if (!this.socket.connected) await this.waitConnected(ACK_TIMEOUT_MS);
        return (await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(type, envelope)) as Ack;
      } catch {
        // fall through to the retry with the same messageId
      }
    }
    return { ok: false, error: { code: 'timeout' as never, message: 'no answer from the server' } };
  }

  private waitConnected(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.off('connect', done);
        reject(new Error('not connected'));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.socket.once('connect', done);
    });
  }

  close(): void {
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }
}
