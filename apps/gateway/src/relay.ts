import type Redis from 'ioredis';
import { RelayMessageSchema, type ServerEnvelope } from '@wfa/protocol';
import type { Logger } from '@wfa/runtime';

/**
 * Pub/sub → sockets. Every gateway hears every workflow event (published by the commit script
 * right after the event was logged) and hands it to its own sockets of the owner. Pub/sub may
 * drop messages while a connection is down; clients close such gaps with WORKFLOW_SUBSCRIBE.
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

export async function startRelay(
  subscriber: Redis,
  channel: string,
  logger: Logger,
  deliver: (userIds: string[], envelope: ServerEnvelope) => void,
): Promise<Relay> {
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
    try {
      deliver([msg.data.userId, ...(msg.data.watchers ?? [])], msg.data.envelope as ServerEnvelope);
    } catch (err) {
      // One bad delivery must never take the relay (or the process) down for everyone else.
      logger.error('relay: delivery failed', { error: String(err) });
    }
  });

  let stopped = false;
  let subscribed = false;
  const subscribe = async () => {
    await subscriber.subscribe(channel);
    subscribed = true;
  };
  const onReady = () => {
    if (stopped) return;
    subscribe().then(
      () => logger.debug('relay: subscribed', { channel }),
      (err: Error) => logger.warn('relay: subscribe failed; retried on the next reconnect', { error: err.message }),
    );
  };
  // A closed connection has lost its subscription (Redis forgets it); 'ready' brings it back.
  const onClose = () => {
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
      subscriber.off('ready', onReady);
      subscriber.off('close', onClose);
      subscribed = false;
      await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}
