import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { RoleNameSchema, type AckCallback, type ClientToServerEvents, type ServerEnvelope, type ServerToClientEvents } from '@wfa/protocol';
import { TOKEN_EXPIRED, verifyToken } from '../auth';
import { roleRoom, userRoom, type AppSocket, type SocketData, type SocketDeps } from './context';
import { SocketDelivery } from './delivery';
import { answer, dispatch } from './dispatch';
import { HANDLERS } from './handlers';
import { TokenBucket } from './rate-limit';

export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Messages being handled, per server, and whether it has stopped taking new ones (shutdown). */
const work = new WeakMap<AppServer, { inflight: Set<Promise<void>>; closing: boolean }>();
/** How long a closing gateway still answers messages that were already on their way. */
const LATE_ARRIVALS_MS = 250;

/** Whether this server is shutting down (drainMessages was called). */
export function isClosing(io: AppServer): boolean {
  return work.get(io)?.closing ?? false;
}

/**
 * SPEC §3 SIGTERM: stop taking messages (each new one is answered `unavailable`, so a client
 * resends it, with its messageId, to another gateway), then wait up to `timeoutMs` for the ones
 * being handled, so every message that was applied is also acknowledged before sockets close.
 */
export async function drainMessages(io: AppServer, timeoutMs: number): Promise<void> {
  const w = work.get(io);
  if (!w) return;
  w.closing = true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  // Sockets stay open a moment even when idle: a message already on its way when the signal came
  // is answered (`unavailable`) rather than lost with the connection.
  const lateArrivals = new Promise<void>((resolve) => setTimeout(resolve, LATE_ARRIVALS_MS));
  const drained = (async () => {
    await lateArrivals;
    while (w.inflight.size > 0) await Promise.allSettled([...w.inflight]);
  })();
  await Promise.race([drained, timeout]);
  clearTimeout(timer);
}

/**
 * socket.io on the default namespace and path (SPEC §5). Each client message type is an event of
 * the same name; the handshake must carry a valid token (`auth: { token }`).
 */
export function createSocketServer(http: HttpServer, deps: SocketDeps & { jwtSecret: string }): AppServer {
  const io: AppServer = new Server(http, {
    // socket.io drops the connection for frames above this, before we can parse them; up to it, our
    // own limit answers a clear invalid_message and the socket stays usable.
    maxHttpBufferSize: Math.max(1_000_000, deps.limits.messagePayloadSizeLimit * 16),
    cors: { origin: true, credentials: true },
  });

  const w = { inflight: new Set<Promise<void>>(), closing: false };
  work.set(io, w);

  io.use((socket, next) => {
    // A gateway that is shutting down takes no new connections (the client tries again, elsewhere).
    if (w.closing) {
      next(new Error('unavailable'));
      return;
    }
    const user = verifyToken((socket.handshake.auth as Record<string, unknown> | undefined)?.['token'], deps.jwtSecret);
    if (!user) {
      next(new Error('unauthorized'));
      return;
    }
    socket.data.user = user;
    socket.data.bucket = new TokenBucket(deps.rate.perSecond, deps.rate.burst);
    socket.data.delivery = new SocketDelivery((e) => {
      (socket as AppSocket).emit(e.type, e as never);
      deps.metrics?.recordDelivered();
    });
    next();
  });

  io.on('connection', (socket: AppSocket) => {
    void socket.join(userRoom(socket.data.user.userId));
    // A role a step may name (RoleNameSchema); any other role in the token can never match one.
    for (const role of socket.data.user.roles) if (RoleNameSchema.safeParse(role).success) void socket.join(roleRoom(role));
    disconnectAtExpiry(socket, deps.now);
    // Every event goes through one door, made-up names included, so each is counted by the rate
    // limit, refused while closing and drained on shutdown like any message (dispatch names it).
    socket.onAny((event: string, ...args: unknown[]) => {
      // The acknowledgement is the last argument whenever it is a function (socket.io's rule), so
      // it is called even when the arguments around it are wrong.
      const last = args[args.length - 1];
      const ack = typeof last === 'function' ? (last as AckCallback) : undefined;
      // A callback a client passed as `undefined` arrives as a trailing null: not an argument.
      const values = ack ? args.slice(0, -1) : args;
      while (values.length > 1 && values[values.length - 1] == null) values.pop();
      if (w.closing) {
        const error = { code: 'unavailable' as const, message: 'this gateway is shutting down; send it again (another gateway will answer)' };
        answer(socket, ack, { ok: false, error }, deps.now);
        return;
      }
      const handled = dispatch(deps, HANDLERS, socket, event, values, ack);
      w.inflight.add(handled);
      const done = () => void w.inflight.delete(handled);
      handled.then(done, done);
    });
  });
  return io;
}

/** Longest delay a Node timer takes (about 24.8 days); a later expiry re-arms on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * SPEC §4 "`exp` honoured" for the life of a connection, not only at its handshake: when the
 * token expires, the socket is told (`ERROR` unauthorized) and closed, so it receives no more
 * events; the client connects again with a new token.
 */
function disconnectAtExpiry(socket: AppSocket, now: () => number): void {
  const expiresAt = socket.data.user.expiresAt;
  if (expiresAt === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = expiresAt - now();
    if (left > 0) {
      timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      timer.unref();
      return;
    }
    socket.emit('ERROR', { type: 'ERROR', payload: { code: 'unauthorized', message: TOKEN_EXPIRED }, timestamp: now() });
    socket.disconnect(true);
  };
  arm();
  socket.once('disconnect', () => clearTimeout(timer));
}

/**
 * Hand one logged event to every local socket of its owner, of other users named as watchers, and
 * of users holding a watcher role (SPEC §6.10 approvers); a socket in several of them gets it once.
 */
export function deliverToUsers(io: AppServer, userIds: readonly string[], envelope: ServerEnvelope, roles: readonly string[] = []): void {
  const rooms = io.sockets.adapter.rooms;
  const targets = [...userIds.map((u) => rooms.get(userRoom(u))), ...roles.map((r) => rooms.get(roleRoom(r)))].filter((ids) => ids !== undefined);
  const seen = targets.length > 1 ? new Set<string>() : undefined;
  for (const ids of targets) {
    for (const id of ids) {
      if (seen) {
        if (seen.has(id)) continue;
        seen.add(id);
      }
      io.sockets.sockets.get(id)?.data.delivery?.deliver(envelope);
    }
  }
}
