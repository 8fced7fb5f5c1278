import type Redis from 'ioredis';
import type { Keys } from './keys';

const PENDING = '__pending__';
const REPLY_TTL_SECONDS = 24 * 3600;
const CLAIM_TTL_MS = 30_000;

export type Claim = { kind: 'claimed' } | { kind: 'answered'; reply: unknown } | { kind: 'in_progress' };

/**
 * At-most-once application of client messages that carry a `messageId` (SPEC §5): the first
 * delivery claims the id, later ones get the stored answer. Keyed by user, message type and id,
 * so an id reused for a different kind of message is not mistaken for a resend.
 */
export class ReplyCache {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async claim(userId: string, type: string, messageId: string, waitMs = 5000): Promise<Claim> {
    const key = this.keys.reply(userId, type, messageId);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const set = await this.redis.set(key, PENDING, 'PX', CLAIM_TTL_MS, 'NX');
      if (set === 'OK') return { kind: 'claimed' };
      const raw = await this.redis.get(key);
      if (raw !== null && raw !== PENDING) return { kind: 'answered', reply: JSON.parse(raw) };
      if (Date.now() > deadline) return { kind: 'in_progress' };
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async store(userId: string, type: string, messageId: string, reply: unknown): Promise<void> {
    await this.redis.set(this.keys.reply(userId, type, messageId), JSON.stringify(reply), 'EX', REPLY_TTL_SECONDS);
  }

  /** A refused message changed nothing, so the same id may be tried again. */
  async release(userId: string, type: string, messageId: string): Promise<void> {
    await this.redis.del(this.keys.reply(userId, type, messageId));
  }
}
