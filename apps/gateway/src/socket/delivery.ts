import type { ServerEnvelope } from '@wfa/protocol';
import { compareEventIds } from '@wfa/store';

interface Waiter {
  sessionId: string;
  eventId: string;
  resolve: () => void;
}

/**
 * What one socket has been sent, per workflow. Guarantees the SPEC §5 resume contract on this
 * socket: events arrive in log order and none twice, whether they come live from the relay, from
 * a replay, or from both at once (live events are held back while a replay of that workflow runs).
 */
export class SocketDelivery {
  private readonly delivered = new Map<string, string>();
  private readonly replaying = new Map<string, ServerEnvelope[]>();
  private waiters: Waiter[] = [];

  constructor(private readonly emit: (envelope: ServerEnvelope) => void) {}

  deliver(envelope: ServerEnvelope): void {
    const held = this.replaying.get(envelope.sessionId);
    if (held) {
      held.push(envelope);
      return;
    }
    this.send(envelope);
  }

  /** Hold live events of `sessionId` until `endReplay`. */
  beginReplay(sessionId: string): void {
    if (!this.replaying.has(sessionId)) this.replaying.set(sessionId, []);
  }

  /** Send the replayed events, then the held live ones, each only if newer than what was sent. */
  endReplay(sessionId: string, replayed: readonly ServerEnvelope[]): void {
    const held = this.replaying.get(sessionId) ?? [];
    this.replaying.delete(sessionId);
    for (const e of replayed) this.send(e);
    for (const e of [...held].sort((a, b) => compareEventIds(a.eventId, b.eventId))) this.send(e);
  }

  /** Forget everything up to `eventId` was sent (a subscriber asked to resume from there). */
  resetTo(sessionId: string, eventId: string | undefined): void {
    if (eventId === undefined) this.delivered.delete(sessionId);
    else this.delivered.set(sessionId, eventId);
  }

  lastDelivered(sessionId: string): string | undefined {
    return this.delivered.get(sessionId);
  }

  /** Resolves once `eventId` of `sessionId` has been sent on this socket (or after `timeoutMs`). */
  waitFor(sessionId: string, eventId: string, timeoutMs: number): Promise<void> {
    const last = this.delivered.get(sessionId);
    if (last && compareEventIds(last, eventId) >= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = { sessionId, eventId, resolve };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      }, timeoutMs);
      waiter.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(waiter);
    });
  }

  private send(envelope: ServerEnvelope): void {
    const last = this.delivered.get(envelope.sessionId);
    if (last && compareEventIds(envelope.eventId, last) <= 0) return;
    this.delivered.set(envelope.sessionId, envelope.eventId);
    this.emit(envelope);
    if (this.waiters.length) {
      const done = this.waiters.filter(
        (w) => w.sessionId === envelope.sessionId && compareEventIds(envelope.eventId, w.eventId) >= 0,
      );
      if (done.length) {
        this.waiters = this.waiters.filter((w) => !done.includes(w));
        for (const w of done) w.resolve();
      }
    }
  }
}
