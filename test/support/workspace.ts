import Redis from 'ioredis';
import { redisUrl } from './processes';

/** Read-only view of a user's built-in workspace (what a user would check in their calendar). */
export class WorkspaceProbe {
  readonly redis: Redis;
  constructor(
    private readonly prefix: string,
    private readonly userId: string,
    url = redisUrl(),
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 3 });
  }
  private key(collection: string): string {
    return `${this.prefix}ws:{${this.userId}}:${collection}`;
  }
  async all(collection: 'events' | 'tasks' | 'contacts' | 'drafts' | 'outbox' | 'inbox'): Promise<Record<string, any>[]> {
    const h = await this.redis.hgetall(this.key(collection));
    return Object.values(h).map((v) => JSON.parse(v));
  }
  /** Put a record in place as if the user had created it elsewhere (an external change). */
  async put(collection: 'tasks' | 'contacts', id: string, record: Record<string, unknown>): Promise<void> {
    await this.redis.hset(this.key(collection), id, JSON.stringify(record));
  }
  close(): void {
    this.redis.disconnect();
  }
}
