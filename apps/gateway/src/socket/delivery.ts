import type { ServerEnvelope } from '@wfa/protocol';
import { compareEventIds } from '@wfa/protocol';

interface Waiter {
  sessionId: string;
  eventId: string;
  resolve: () => void;
}

/** Ids remembered per workflow per socket; far above any workflow's event count within limits. */
const MAX_REMEMBERED = 20_000;
/**
 * Workflows remembered per socket, least recently sent to first out: a socket that stays open for
 * days does not grow without end. A forgotten workflow is one that has not had an event on this
 * socket for the longest time; only a resume of it could then repeat an event.
 */
const MAX_WORKFLOWS = 1_000;

/**
 * What one socket has been sent, per workflow. A resume (WORKFLOW_SUBSCRIBE with lastEventId)
 * sends every logged event after `lastEventId` that this socket has not had yet, in log order,
 * then the live ones that arrived meanwhile (held back while the replay is read, so none is
 * missed): a client that reconnects, receives a few live events and then resumes gets no event
 * twice and no gap. Outside a full replay, no event is ever sent twice on one socket.
 */
export class SocketDelivery {
  private readonly sent = new Map<string, Set<string>>();
  private readonly highest = new Map<string, string>();
  /**
   * Workflows whose events are held back: how many replays (a subscribe's, the relay's catch-up)
   * are still reading, and what waits to go out (replayed and live) once the last one is done.
   */
  private readonly replaying = new Map<string, { holds: number; waiting: ServerEnvelope[]; resendAll: boolean }>();
  private waiters: Waiter[] = [];

  constructor(
    private readonly emit: (envelope: ServerEnvelope) => void,
    private readonly maxWorkflows = MAX_WORKFLOWS,
  ) {}

  /** Workflows this socket remembers having been sent. */
  get remembered(): number {
    return this.sent.size;
  }

  /** The workflows this socket follows: those it was sent events or a snapshot of. */
  rememberedIds(): string[] {
    return [...this.sent.keys()];
  }

  /**
   * After a subscribe: this socket follows `sessionId`, and has its state up to `upTo` (the
   * snapshot's `asOfEventId`), so a catch-up never sends it anything older.
   */
  follow(sessionId: string, upTo: string | undefined): void {
    if (!this.sent.has(sessionId)) this.remember(sessionId, new Set());
    if (upTo !== undefined) this.raise(sessionId, upTo);
  }

  /** Whether this socket was sent the logged event `eventId` of `sessionId` (and still remembers it). */
  hasSent(sessionId: string, eventId: string): boolean {
    return this.sent.get(sessionId)?.has(eventId) ?? false;
  }

  /** The newest event id this socket has of `sessionId` (every event after it is new to it). */
  newest(sessionId: string): string | undefined {
    return this.highest.get(sessionId);
  }

  deliver(envelope: ServerEnvelope): void {
    const held = this.replaying.get(envelope.sessionId);
    if (held) {
      held.waiting.push(envelope);
      return;
    }
    this.send(envelope);
  }

  /** Hold live events of `sessionId` until the matching `endReplay` (replays may overlap). */
  beginReplay(sessionId: string): void {
    const r = this.replaying.get(sessionId);
    if (r) r.holds++;
    else this.replaying.set(sessionId, { holds: 1, waiting: [], resendAll: false });
  }

  /**
   * One replay is done. When it is the last one holding `sessionId`, everything waiting (the
   * replayed events of every replay, and the live ones held meanwhile) goes out in log order, each
   * only if this socket has not had it — except that `resendAll` (a subscribe without
   * lastEventId, "give me everything", or from an event this very socket was sent) sends every
   * replayed event even if it went out live before.
   */
  endReplay(sessionId: string, replayed: readonly ServerEnvelope[], resendAll = false): void {
    const r = this.replaying.get(sessionId);
    if (!r) {
      for (const e of replayed) this.send(e);
      return;
    }
    r.waiting.push(...replayed);
    r.resendAll ||= resendAll;
    if (--r.holds > 0) return;
    this.replaying.delete(sessionId);
    // An event both replayed and held live goes out once. What this socket was sent before stays
    // remembered, so a later subscribe from one of those events is still recognised (hasSent).
    const once = new Set<string>();
    for (const e of [...r.waiting].sort((a, b) => compareEventIds(a.eventId, b.eventId))) {
      if (once.has(e.eventId)) continue;
      once.add(e.eventId);
      this.send(e, r.resendAll);
    }
  }

  /**
   * Give up a replay without sending what it held: for a socket that is being closed so that its
   * client resumes by itself (sending newer held events first would hide the older missing ones).
   */
  abandonReplay(sessionId: string): void {
    this.replaying.delete(sessionId);
  }

  /** Resolves once `eventId` of `sessionId` has been sent on this socket (or after `timeoutMs`). */
  waitFor(sessionId: string, eventId: string, timeoutMs: number): Promise<void> {
    if (this.hasReached(sessionId, eventId)) return Promise.resolve();
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

  private hasReached(sessionId: string, eventId: string): boolean {
    const top = this.highest.get(sessionId);
    return top !== undefined && compareEventIds(top, eventId) >= 0;
  }

  /** Emit unless this socket had it already (`again`: even then). */
  private send(envelope: ServerEnvelope, again = false): void {
    const sid = envelope.sessionId;
    const ids = this.sent.get(sid) ?? new Set<string>();
    if (ids.has(envelope.eventId) && !again) return;
    this.remember(sid, ids);
    if (!ids.has(envelope.eventId)) {
      if (ids.size >= MAX_REMEMBERED) ids.delete(ids.values().next().value as string);
      ids.add(envelope.eventId);
    }
    this.emit(envelope);
    this.raise(sid, envelope.eventId);
  }

  /** (Re-)inserted last: the most recently sent to. */
  private remember(sid: string, ids: Set<string>): void {
    this.sent.delete(sid);
    this.sent.set(sid, ids);
    if (this.sent.size > this.maxWorkflows) this.forgetOldest();
  }

  private raise(sid: string, eventId: string): void {
    const top = this.highest.get(sid);
    if (top === undefined || compareEventIds(eventId, top) > 0) this.highest.set(sid, eventId);
    if (this.waiters.length) {
      const done = this.waiters.filter((w) => w.sessionId === sid && this.hasReached(sid, w.eventId));
      if (done.length) {
        this.waiters = this.waiters.filter((w) => !done.includes(w));
        for (const w of done) w.resolve();
      }
    }
  }

  private forgetOldest(): void {
    for (const sid of this.sent.keys()) {
      if (this.replaying.has(sid)) continue;
      this.sent.delete(sid);
      this.highest.delete(sid);
      return;
    }
  }
}
