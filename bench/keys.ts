import type Redis from 'ioredis';

/**
 * Remove every key of one bench run (its key prefix), bounded: at most ~2,000 SCAN pages and 20 s,
 * so a cleanup never outlasts the run it follows. Best effort: a Redis that is gone has nothing
 * left to clean.
 */
export async function removeRunKeys(redis: Redis, prefix: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  let cursor = '0';
  let pages = 0;
  try {
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0' && ++pages < 2000 && Date.now() < deadline);
  } catch {
    /* Redis gone: nothing to clean */
  }
}
