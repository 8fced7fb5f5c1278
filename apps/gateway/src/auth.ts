import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { isValidTimeZone } from '@wfa/protocol';

/** SPEC §4 claims. */
const ClaimsSchema = z.object({
  sub: z.string().min(1).max(200),
  roles: z.array(z.string().max(100)).max(50).optional(),
  phoneNumber: z.string().max(40).optional(),
  // A zone nobody could plan in is refused with the token, not on every later message.
  timezone: z.string().max(64).refine(isValidTimeZone).optional(),
  exp: z.number().optional(),
});

/** What a socket whose token expired is told, on a message and when it is closed. */
export const TOKEN_EXPIRED = 'the token has expired; connect again with a new one';

export interface AuthUser {
  userId: string;
  roles: string[];
  phoneNumber?: string;
  timezone?: string;
  /** When the token expires (its `exp`, in ms); the connection is refused from then on. */
  expiresAt?: number;
}

/**
 * The secret as a KeyObject, made once per secret: given a string, jsonwebtoken first tries (and
 * fails, with a thrown error) to parse it as a public key on every verify, which made handshakes
 * CPU-bound under many connections (bench/). Same key, same checks.
 */
const secretKeys = new Map<string, KeyObject>();
function secretKey(secret: string): KeyObject {
  let key = secretKeys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret));
    secretKeys.set(secret, key);
  }
  return key;
}

/** Verify an HS256 token (other algorithms refused, `exp` honoured). Returns null when invalid. */
export function verifyToken(token: unknown, secret: string): AuthUser | null {
  if (typeof token !== 'string' || token.length === 0 || token.length > 8192) return null;
  try {
    const decoded = jwt.verify(token, secretKey(secret), { algorithms: ['HS256'] });
    const claims = ClaimsSchema.safeParse(decoded);
    if (!claims.success) return null;
    const { sub, roles, phoneNumber, timezone, exp } = claims.data;
    return { userId: sub, roles: roles ?? [], phoneNumber, timezone, ...(exp !== undefined ? { expiresAt: exp * 1000 } : {}) };
  } catch {
    return null;
  }
}

export function signToken(
  secret: string,
  claims: { sub: string; roles?: string[]; timezone?: string; phoneNumber?: string },
  expiresInSeconds = 30 * 24 * 3600,
): string {
  return jwt.sign(claims, secret, { algorithm: 'HS256', expiresIn: expiresInSeconds });
}

/** `Authorization: Bearer <token>`, or (for a browser opening Bull Board) the `wfa_token` cookie. */
export function tokenFromHttp(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers['authorization'];
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const cookie = headers['cookie'];
  if (typeof cookie === 'string') {
    const m = /(?:^|;\s*)wfa_token=([^;]+)/.exec(cookie);
    if (m?.[1]) return decodeURIComponent(m[1]);
  }
  return undefined;
}
