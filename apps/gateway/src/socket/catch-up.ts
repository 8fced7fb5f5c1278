import type { ServerEnvelope } from '@wfa/protocol';
import type { Logger } from '@wfa/runtime';
import type { WorkflowStore } from '@wfa/store';
import type { CatchUp } from '../relay';
import type { AppSocket } from './context';
import type { AppServer } from './server';

/** Reads of event logs in flight at once during a catch-up. */
const READS_AT_ONCE = 50;
/** A socket's connect time, turned into Redis time, is this uncertain (clock offset, latency). */
const CONNECT_MARGIN_MS = 2_000;

function eventMs(eventId: string): number {
  return Number(eventId.split('-')[0]) || 0;
}

/**
 * The gateway's side of the relay's catch-up: after its subscription was lost, every connected
 * socket is sent what was logged meanwhile in the workflows it follows (its owner's index, and
 * every workflow it has been sent events of), in log order and each event once: live events of
 * those workflows are held back until the logged ones went out, and a socket skips what it has
 * had (SocketDelivery). A socket is not sent what was logged before it connected.
 */
export function socketCatchUp(io: AppServer, store: WorkflowStore, logger: Logger, now: () => number): CatchUp {
  return async (sinceMs) => {
    const sockets = [...io.sockets.sockets.values()] as AppSocket[];
    const userIds = [...new Set(sockets.map((s) => s.data.user.userId))];
    const indexed = new Map<string, string[]>();
    await inBatches(userIds, async (u) => {
      indexed.set(u, await store.userWorkflowIds(u).catch(() => []));
    });
    const follows = new Map<AppSocket, string[]>();
    for (const socket of sockets) {
      if (socket.disconnected) continue;
      const ids = [...new Set([...(indexed.get(socket.data.user.userId) ?? []), ...socket.data.delivery.rememberedIds()])];
      for (const id of ids) socket.data.delivery.beginReplay(id);
      follows.set(socket, ids);
    }

    return async () => {
      const logs = new Map<string, ServerEnvelope[]>();
      let complete = true;
      try {
        const offset = (await store.redisTimeMs()) - now();
        const wanted = [...new Set([...follows.values()].flat())];
        await inBatches(wanted, async (id) => {
          try {
            logs.set(id, await store.readEvents(id, `${sinceMs}-0`));
          } catch (err) {
            complete = false;
            logger.warn('relay: catch-up could not read a workflow log', { sessionId: id, error: String(err) });
          }
        });
        for (const [socket, ids] of follows) {
          const floor = Math.max(sinceMs, socket.handshake.issued + offset - CONNECT_MARGIN_MS);
          follows.delete(socket);
          for (const id of ids) {
            const events = (logs.get(id) ?? []).filter((e) => eventMs(e.eventId) > floor);
            socket.data.delivery.endReplay(id, events);
          }
        }
        return complete;
      } catch (err) {
        logger.warn('relay: catch-up failed; retried', { error: String(err) });
        return false;
      } finally {
        // Whatever happened, nothing stays held back (sockets not handled above).
        for (const [socket, ids] of follows) for (const id of ids) socket.data.delivery.endReplay(id, []);
      }
    };
  };
}

async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += READS_AT_ONCE) await Promise.all(items.slice(i, i + READS_AT_ONCE).map(fn));
}
