import type Redis from 'ioredis';
import { RelayMessageSchema, type ServerEnvelope } from '@wfa/protocol';
import type { Logger } from '@wfa/runtime';

/**
 * Pub/sub → sockets. Every gateway hears every workflow event (published by the commit script
 * right after the event was logged) and hands it to its own sockets of the owner. Pub/sub may
 * drop messages while a connection is down; clients close such gaps with WORKFLOW_SUBSCRIBE.
 */
export async function startRelay(
  subscriber: Redis,
  channel: string,
  logger: Logger,
  deliver: (userIds: string[], envelope: ServerEnvelope) => void,
): Promise<() => Promise<void>> {
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
  await subscriber.subscribe(channel);
  // Re-assert the subscription now and then: SUBSCRIBE to a subscribed channel is a no-op, and it
  // restores one lost without notice (seen under heavy contention: a gateway stopped relaying).
  const keepAlive = setInterval(() => {
    if (subscriber.status === 'ready') subscriber.subscribe(channel).catch(() => undefined);
  }, 5000);
  keepAlive.unref();
  return async () => {
    clearInterval(keepAlive);
    await subscriber.unsubscribe(channel).catch(() => undefined);
  };
}
