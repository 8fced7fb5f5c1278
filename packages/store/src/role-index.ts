import type Redis from 'ioredis';
import { approverRoles, awaitingRoles } from '@wfa/domain';
import { RoleNameSchema, type WorkflowDraft } from '@wfa/protocol';
import type { Keys } from './keys';
import { defineScripts } from './scripts';

/** A role's index outlives any draft that waits in it (a draft may wait up to 30 days); an idle role's goes. */
const ROLE_INDEX_TTL_SEC = 31 * 24 * 3600;
/** Entries read per role for one list. */
const LIST_PER_ROLE = 100;

/**
 * SPEC §6.10: per role, the workflows with a step waiting for that role's second approval, so an
 * approver finds them (`WORKFLOW_LIST`). Kept after every commit by the process that made it
 * (`sync`), versioned so that commits landing out of order cannot hide a waiting workflow
 * (sync-role-index.lua). Not atomic with the commit: a process that dies in between leaves an
 * entry behind until the workflow's next change, so readers check each entry against its draft.
 */
export class RoleIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly load: (sessionId: string) => Promise<WorkflowDraft | null>,
  ) {
    defineScripts(redis);
  }

  /** After a commit: the workflow is in the index of each role it waits for, and in no other. Only workflows with steps that need a second approval touch these keys. */
  async sync(draft: WorkflowDraft): Promise<void> {
    const roles = approverRoles(draft);
    if (roles.length === 0) return;
    const awaiting = new Set(awaitingRoles(draft));
    await Promise.all(roles.map((r) => this.write(r, draft.sessionId, draft.version, awaiting.has(r), draft.createdAt)));
  }

  /** Candidates: workflows that had a step waiting for one of `roles` (at most `limit` per role, newest first). */
  async ids(roles: readonly string[], limit = LIST_PER_ROLE): Promise<string[]> {
    const lists = await Promise.all(roles.map((r) => this.redis.zrevrange(this.keys.roleAwaiting(r), 0, limit - 1)));
    return [...new Set(lists.flat())];
  }

  /** Out of a role's index, as of `version` (a newer entry stays); without one: gone for good. */
  async remove(role: string, sessionId: string, version = Number.MAX_SAFE_INTEGER): Promise<void> {
    await this.write(role, sessionId, version, false, 0);
  }

  /**
   * Other users' workflows with a step waiting for one of `roles` (a token's roles; names a step
   * cannot carry are ignored). An entry that no longer waits for a role it is listed under, or
   * whose workflow is gone, leaves that index on the way; one whose draft cannot be read now stays
   * and is left out of this answer.
   */
  async awaiting(userId: string, tokenRoles: readonly string[]): Promise<WorkflowDraft[]> {
    const roles = tokenRoles.filter((r) => RoleNameSchema.safeParse(r).success);
    if (roles.length === 0) return [];
    const candidates = await this.ids(roles);
    // undefined: could not be read now; null: gone.
    const drafts = await Promise.all(candidates.map((id) => this.load(id).catch(() => undefined)));
    const found: WorkflowDraft[] = [];
    const stale: Promise<void>[] = [];
    candidates.forEach((id, i) => {
      const d = drafts[i];
      if (d === undefined) return;
      const waitsFor = d ? awaitingRoles(d) : [];
      if (d && d.userId !== userId && waitsFor.some((r) => roles.includes(r))) found.push(d);
      // The user's own workflow stays listed for the role's other holders.
      for (const r of roles) if (!waitsFor.includes(r) && (d === null || d.userId !== userId)) stale.push(this.remove(r, id, d?.version));
    });
    await Promise.all(stale).catch(() => undefined);
    return found;
  }

  private write(role: string, sessionId: string, version: number, waiting: boolean, createdAt: number): Promise<number> {
    return this.redis.syncRoleIndex(this.keys.roleAwaiting(role), this.keys.roleAwaitingVersions(role), sessionId, version, waiting ? '1' : '0', createdAt, ROLE_INDEX_TTL_SEC);
  }
}
