/**
 * The "floor" baseline's gateway: a lower bound for any implementation of SPEC §5 on the product's
 * topology, with none of the product (bench/floor-jobs.ts says what it skips). A bare socket.io
 * server (JWT in the handshake, a room per user) that, for a WORKFLOW_APPROVAL, adds the seed's
 * three jobs as one BullMQ flow and acks, and relays every event a worker publishes on Redis
 * pub/sub to the owner's room, emitted with the event name equal to its type (the worker has
 * logged it durably first). No draft, no version, no approval state, no authorization against the
 * workflow, no validation. Env: REDIS_URL, FLOOR_QUEUE_PREFIX, FLOOR_CHANNEL, JWT_SECRET.
 * Prints FLOOR_GATEWAY_READY port=N; SIGTERM closes it.
 */
import { createServer } from 'node:http';
import { FlowProducer } from 'bullmq';
import Redis from 'ioredis';
import { Server } from 'socket.io';
import { FLOOR_QUEUE, floorFlow } from './floor-jobs';
import { requireJwt, requiredEnv } from './bare-io';

const env = (k: string) => requiredEnv('floor-gateway', k);
const url = env('REDIS_URL');
const prefix = env('FLOOR_QUEUE_PREFIX');
const channel = env('FLOOR_CHANNEL');
const secret = env('JWT_SECRET');

const flows = new FlowProducer({ connection: new Redis(url, { maxRetriesPerRequest: null, connectionName: 'bench-floor-gateway' }), prefix });
const subscriber = new Redis(url, { connectionName: 'bench-floor-relay' });
flows.on('error', () => undefined);
subscriber.on('error', () => undefined);
const http = createServer();
const io = new Server(http);
requireJwt(io, secret);
io.on('connection', (socket) => {
  const userId = socket.data.userId as string;
  void socket.join(`user:${userId}`);
  socket.on('WORKFLOW_APPROVAL', (m: { sessionId?: unknown }, ack?: (a: unknown) => void) => {
    const sessionId = typeof m?.sessionId === 'string' ? m.sessionId : undefined;
    if (!sessionId) return ack?.({ ok: false, error: { code: 'invalid_message', message: 'sessionId' } });
    flows.add(floorFlow(sessionId, userId)).then(
      () => ack?.({ ok: true }),
      (e: Error) => ack?.({ ok: false, error: { code: 'unavailable', message: e.message } }),
    );
  });
});
subscriber.on('message', (_ch: string, raw: string) => {
  const m = JSON.parse(raw) as { userId: string; envelope: { type: string } };
  io.to(`user:${m.userId}`).emit(m.envelope.type, m.envelope);
});

void subscriber.subscribe(channel).then(() => {
  http.listen(0, '127.0.0.1', () => {
    const a = http.address();
    process.stdout.write(`FLOOR_GATEWAY_READY port=${typeof a === 'object' && a ? a.port : 0} queue=${FLOOR_QUEUE}\n`);
  });
});
process.on('SIGTERM', () => {
  io.close();
  void Promise.all([flows.close(), subscriber.quit()]).finally(() => process.exit(0));
});
