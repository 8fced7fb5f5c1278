import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';

/** Lua scripts, each in its own file whose header states KEYS, ARGV and the return contract. */
const COMMIT_WORKFLOW = readFileSync(join(__dirname, 'lua', 'commit-workflow.lua'), 'utf8');
const RESERVE_USER_SLOT = readFileSync(join(__dirname, 'lua', 'reserve-user-slot.lua'), 'utf8');
const REPLACE_IF_UNCHANGED = readFileSync(join(__dirname, 'lua', 'replace-if-unchanged.lua'), 'utf8');
const SYNC_ROLE_INDEX = readFileSync(join(__dirname, 'lua', 'sync-role-index.lua'), 'utf8');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    commitWorkflow(...args: (string | number)[]): Result<(number | string)[], Context>;
    reserveUserSlot(key: string, limit: number, score: number, sessionId: string): Result<number, Context>;
    replaceIfUnchanged(key: string, expected: string, next: string): Result<number, Context>;
    syncRoleIndex(index: string, versions: string, sessionId: string, version: number, waiting: '1' | '0', createdAt: number, ttlSec: number): Result<number, Context>;
  }
}

/** Registers the scripts on a connection (EVALSHA with automatic EVAL fallback). */
export function defineScripts(redis: Redis): void {
  if (typeof (redis as Partial<Redis>).commitWorkflow === 'function') return;
  redis.defineCommand('commitWorkflow', { lua: COMMIT_WORKFLOW });
  redis.defineCommand('reserveUserSlot', { lua: RESERVE_USER_SLOT, numberOfKeys: 1 });
  redis.defineCommand('replaceIfUnchanged', { lua: REPLACE_IF_UNCHANGED, numberOfKeys: 1 });
  redis.defineCommand('syncRoleIndex', { lua: SYNC_ROLE_INDEX, numberOfKeys: 2 });
}
