import { compareEventIds, type ServerEnvelope } from '@wfa/protocol';
import type { Logger } from '@wfa/runtime';
import type { WorkflowStore } from '@wfa/store';
import type { CatchUp } from '../relay';
import type { AppSocket } from './context';
import type { AppServer } from './server';

/** Reads of event logs in flight at once during a catch-up. */
const READS_AT_ONCE = 50;
/** A socket's connect time, turned into Redis time, is this uncertain (clock offset, latency). */
const CONNECT_MARGIN_MS = 2_000;
/** Clocks of the processes that record when a workflow finished may differ from Redis's this much. */
const FINISHED_MARGIN_MS = 60_000;
/** Workflows read per user from the owner's index (far above the live-workflow limit's default). */
const INDEX_READ = 1_000;

interface Follow {
  socket: AppSocket;
  sessionId: string;
}

/**
 * The gateway's side of the relay's catch-up (relay.ts). After its subscription was lost, every
 * connected socket is sent what was logged meanwhile in the workflows it follows (its owner's
 * index and recently finished list, and every workflow it was sent events or a snapshot of), in
 * log order and each event
 * once: live events of those workflows are held back before the relay subscribes again, and go
 * out after the logged ones (SocketDelivery). For each socket and workflow it starts after the
 * newest event the socket has; for a workflow it has nothing of, after it connected (or after
 * `sinceMs`, whichever is later).
 *
 * `prepare` fails (and the relay does not subscribe yet, so nothing can overtake) while the owner
 * indexes cannot be read. A log that cannot be read once subscribed closes the sockets that
 * follow it, without sending what was held: their clients reconnect and resume from the last
 * event they have (SPEC §5), which is before everything they missed.
 */
export function socketCatchUp(io: AppServer, store: WorkflowStore, logger: Logger, now: () => number): CatchUp {
  return async (sinceMs) => {
    const userIds = [...new Set([...io.sockets.sockets.values()].map((s) => s.data.user.userId))];
    const indexed = new Map<string, string[]>();
    await inBatches(userIds, async (u) => {
      // Live workflows, and those that finished since (the finishing process's clock: a margin).
      const [live, finished] = await Promise.all([store.userWorkflowIds(u, INDEX_READ), store.recentlyFinishedIds(u, sinceMs - FINISHED_MARGIN_MS)]);
      indexed.set(u, [...live, ...finished]);
    });
    // Taken after the reads, just before the relay subscribes: a socket that connected meanwhile
    // is held too.
    const follows: Follow[] = [];
    for (const socket of io.sockets.sockets.values() as Iterable<AppSocket>) {
      if (socket.disconnected) continue;
      const ids = new Set([...(indexed.get(socket.data.user.userId) ?? []), ...socket.data.delivery.rememberedIds()]);
      for (const sessionId of ids) {
        socket.data.delivery.beginReplay(sessionId);
        follows.push({ socket, sessionId });
      }
    }
    const release = (list: readonly Follow[], logs?: ReadonlyMap<string, ServerEnvelope[]>, floors?: ReadonlyMap<Follow, string>) => {
      for (const f of list) {
        const floor = floors?.get(f);
        const missed = floor === undefined ? [] : (logs?.get(f.sessionId) ?? []).filter((e) => compareEventIds(e.eventId, floor) > 0);
        f.socket.data.delivery.endReplay(f.sessionId, missed);
      }
    };

    return {
      cancel: () => release(follows),
      run: async () => {
        let offset: number;
        try {
          offset = (await store.redisTimeMs()) - now();
        } catch (err) {
          resumeElsewhere(follows, logger, err);
          return;
        }
        // Where each socket stands in each workflow, and so where each log must be read from.
        const floors = new Map<Follow, string>();
        const readFrom = new Map<string, string>();
        for (const f of follows) {
          const connectedMs = f.socket.handshake.issued + offset - CONNECT_MARGIN_MS;
          const floor = f.socket.data.delivery.newest(f.sessionId) ?? `${Math.max(sinceMs, connectedMs)}-0`;
          floors.set(f, floor);
          const from = readFrom.get(f.sessionId);
          if (from === undefined || compareEventIds(floor, from) < 0) readFrom.set(f.sessionId, floor);
        }
        const logs = new Map<string, ServerEnvelope[]>();
        const unreadable = new Set<string>();
        await inBatches([...readFrom], async ([sessionId, from]) => {
          try {
            logs.set(sessionId, await store.readEvents(sessionId, from));
          } catch (err) {
            unreadable.add(sessionId);
            logger.warn('relay: catch-up could not read a workflow log', { sessionId, error: String(err) });
          }
        });
        const failed = follows.filter((f) => unreadable.has(f.sessionId));
        if (failed.length) resumeElsewhere(failed, logger, 'unreadable log');
        release(
          follows.filter((f) => !unreadable.has(f.sessionId)),
          logs,
          floors,
        );
      },
    };
  };
}

/** Close these sockets without sending what was held: each client reconnects and resumes. */
function resumeElsewhere(follows: readonly Follow[], logger: Logger, why: unknown): void {
  const sockets = new Set(follows.map((f) => f.socket));
  logger.warn('relay: catch-up failed; closing the affected connections so their clients resume', { sockets: sockets.size, error: String(why) });
  for (const socket of sockets) {
    // Closing the transport (not socket.disconnect) makes socket.io clients reconnect by themselves.
    socket.conn.close();
  }
  for (const f of follows) f.socket.data.delivery.abandonReplay(f.sessionId);
}

async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += READS_AT_ONCE) await Promise.all(items.slice(i, i + READS_AT_ONCE).map(fn));
}
