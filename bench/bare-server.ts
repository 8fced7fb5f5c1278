/**
 * Baseline for "gateway memory per connected client": a bare socket.io server doing only what any
 * authenticated socket.io server does (verify a JWT in the handshake, join the user's room).
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { requireJwt } from './bare-io';

const secret = process.env['JWT_SECRET'] ?? 'bench-secret-0123456789abcdef';
const http = createServer();
const io = new Server(http);
requireJwt(io, secret);
io.on('connection', (socket) => {
  void socket.join(`user:${socket.data.userId as string}`);
  socket.on('PING', (_m: unknown, ack?: (a: unknown) => void) => ack?.({ ok: true }));
});
http.listen(0, '127.0.0.1', () => {
  const a = http.address();
  process.stdout.write(`BARE_READY port=${typeof a === 'object' && a ? a.port : 0}\n`);
});
process.on('SIGTERM', () => {
  io.close();
  process.exit(0);
});
