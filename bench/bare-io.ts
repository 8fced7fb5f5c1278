/**
 * What the bench's bare socket.io servers (bench/bare-server.ts, bench/floor-gateway.ts) share:
 * the JWT check any authenticated socket.io server makes in the handshake, and required env.
 */
import jwt from 'jsonwebtoken';
import type { Server } from 'socket.io';

/** Verify the handshake's HS256 token; `socket.data.userId` is its subject. */
export function requireJwt(io: Server, secret: string): void {
  io.use((socket, next) => {
    try {
      const claims = jwt.verify(String((socket.handshake.auth as Record<string, unknown>)['token']), secret, { algorithms: ['HS256'] }) as { sub: string };
      socket.data.userId = claims.sub;
      next();
    } catch {
      next(new Error('unauthorized'));
    }
  });
}

/** A bench child's required env variable (`who` names the child in the error). */
export function requiredEnv(who: string, name: string): string {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${who}: ${name} is not set`);
  return v;
}
