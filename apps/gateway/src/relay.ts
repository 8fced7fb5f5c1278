import type Redis from 'ioredis';
import { RelayMessageSchema, type ServerEnvelope } from '@wfa/protocol';
import type { Logger } from '@wfa/runtime';

/**
 * Pub/sub → sockets. Every gateway hears every workflow event (published by the commit script
 * right after the event was logged) and hands it to its own sockets of the owner.
 *
 * Pub/sub drops what is published while the subscriber connection is down, though workers (on
 * connections of their own) may go on committing. When the subscription comes back after a loss,
 * `catchUp` reads what was logged since shortly before the last event heard (event ids are Redis
 * time, in ms) and hands it to the sockets that were connected, so a socket that stayed connected
 * misses nothing and gets nothing twice (SPEC §5, §6.13).
 *
 * The subscriber connection must be made with ioredis's `autoResubscribe: false`: the relay
 * subscribes itself on each 'ready', after its catch-up has started holding live events back, so
 * nothing heard after a reconnect overtakes what is caught up.
 *
 * SUBSCRIBE is only ever sent on a `ready` connection. ioredis (5.x) writes a SUBSCRIBE issued
 * during its connection handshake straight away, ahead of its INFO ready check; Redis then puts the
 * connection in subscriber mode, the ready check fails, ioredis reconnects and does not
 * re-subscribe, while the SUBSCRIBE promise has already resolved. The gateway then relayed nothing
 * at all, silently: the intermittent "a client gets no event" failures of issue 6. Subscribing on
 * every 'ready' (first connect and each reconnect) also covers a reconnect ioredis would not
 * re-subscribe after; SUBSCRIBE to a subscribed channel is a no-op.
 */
export interface Relay {
  /** Subscribed on a ready connection: events published now reach this gateway (for /health). */
  live(): boolean;
  stop(): Promise<void>;
}

/**
 * Called on a regained subscription, before SUBSCRIBE, with the Redis time (ms) after which events
 * may have been missed: it holds back live events of what it will catch up and returns what to do
 * next: `run` once subscribed (read the logs, deliver, release), or `cancel` if the subscription
 * failed (release; nothing was heard meanwhile). It rejects when it cannot start (Redis not fully
 * back): the relay then does not subscribe yet and tries again shortly.
 */
export type CatchUp = (sinceMs: number) => Promise<{ run(): Promise<void>; cancel(): void }>;

/**
 * Event ids come from Redis's clock at commit, but a burst in one workflow can run a few ms ahead
 * of it, so an event published after the last one heard may carry a slightly smaller id.
 */
const CATCH_UP_MARGIN_MS = 2_000;
const CATCH_UP_RETRY_MS = 1_000;

function eventMs(eventId: string): number {
  const ms = Number(eventId.split('-')[0]);
  return Number.isFinite(ms) ? ms : 0;
}

export async function startRelay(
  subscriber: Redis,
  channel: string,
  logger: Logger,
  deliver: (userIds: string[], envelope: ServerEnvelope, roles: string[]) => void,
  catchUp?: CatchUp,
): Promise<Relay> {
  // Redis time of the newest event heard; what is missed after a loss comes later than this.
  let lastHeardMs = 0;
  subscriber.on('message', (ch: string, raw: string) => {
    if (ch !== channel) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      logger.warn('relay: dropped a message that is not JSON');
      return;
    }
    const msg = RelayMessageSchema.safeParse(json);
    if (!msg.success) {
      logger.warn('relay: dropped a malformed message');
      return;
    }
    lastHeardMs = Math.max(lastHeardMs, eventMs(msg.data.envelope.eventId));
    try {
      deliver([msg.data.userId, ...(msg.data.watchers ?? [])], msg.data.envelope as ServerEnvelope, msg.data.watcherRoles ?? []);
    } catch (err) {
      // One bad delivery must never take the relay (or the process) down for everyone else.
      logger.error('relay: delivery failed', { error: String(err) });
    }
  });

  let stopped = false;
  let subscribed = false;
  let everSubscribed = false;
  // Set while events may have been missed and not caught up yet: the Redis time to read from.
  let missedSince: number | undefined;
  let retry: NodeJS.Timeout | undefined;
  const subscribe = async () => {
    await subscriber.subscribe(channel);
    subscribed = true;
    everSubscribed = true;
  };
  /** Subscribe, and if events may have been missed, catch up first (retried until it can). */
  const resubscribe = async () => {
    const since = missedSince;
    let pending: Awaited<ReturnType<CatchUp>> | undefined;
    if (since !== undefined && catchUp) {
      try {
        pending = await catchUp(since);
      } catch (err) {
        // Not subscribed, so nothing is heard out of order; the logs are read on the next try.
        logger.warn('relay: cannot catch up yet; subscribing again shortly', { error: String(err) });
        scheduleRetry();
        return;
      }
    }
    try {
      await subscribe();
    } catch (err) {
      pending?.cancel();
      throw err;
    }
    await pending?.run();
    if (since !== undefined) logger.info('relay: subscribed again; caught up on what was logged meanwhile', { since });
    if (missedSince === since && subscribed) missedSince = undefined;
  };
  const scheduleRetry = () => {
    if (stopped) return;
    clearTimeout(retry);
    retry = setTimeout(() => {
      if (subscriber.status === 'ready' && !subscribed) chain = chain.then(() => resubscribe().catch(() => undefined));
    }, CATCH_UP_RETRY_MS);
  };
  // One (re)subscription at a time: a reconnect during a catch-up waits for it, so two catch-ups
  // never release each other's held events out of order.
  let chain: Promise<void> = Promise.resolve();
  const onReady = () => {
    if (stopped) return;
    chain = chain.then(() =>
      resubscribe().then(
        () => logger.debug('relay: subscribed', { channel }),
        (err: Error) => logger.warn('relay: subscribe failed; retried on the next reconnect', { error: err.message }),
      ),
    );
  };
  // A closed connection has lost its subscription (Redis forgets it); 'ready' brings it back.
  const onClose = () => {
    if (everSubscribed && !stopped) {
      const since = Math.max(0, lastHeardMs - CATCH_UP_MARGIN_MS);
      missedSince = missedSince === undefined ? since : Math.min(missedSince, since);
    }
    subscribed = false;
  };
  subscriber.on('ready', onReady);
  subscriber.on('close', onClose);
  // The first subscription, on a ready connection, before the gateway says it is ready.
  if (subscriber.status !== 'ready') {
    await new Promise<void>((resolve) => subscriber.once('ready', () => resolve()));
  }
  await subscribe();
  return {
    live: () => subscribed,
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      subscriber.off('ready', onReady);
      subscriber.off('close', onClose);
      subscribed = false;
      await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}
