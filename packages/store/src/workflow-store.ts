import type Redis from 'ioredis';
import { FINISHED_RETENTION_MS, approverRoles, auditRecords, awaitingRoles, isFinished, keysExpireAt, secondApprovers, type AuditActor } from '@wfa/domain';
import {
  ProtocolError,
  ServerEnvelopeSchema,
  WorkflowDraftSchema,
  type ServerEnvelope,
  type WorkflowDraft,
  type WorkflowEvent,
} from '@wfa/protocol';
import type { Keys } from './keys';
import { defineScripts } from './scripts';
import { CorruptRecordError, VersionConflictError } from './errors';
import { DraftCache, KeyedSerializer } from './draft-cache';
import { AuditSigner, assertCanExtend, chainRecords, verifyChain } from './audit-chain';
import { RoleIndex } from './role-index';

/** The part of a domain Transition the store persists. */
export interface Commit {
  draft: WorkflowDraft;
  events: WorkflowEvent[];
  /** Jobs the change will enqueue: the workflow is marked active first, so a crash between the
   * commit and the enqueue is repaired by the sweep instead of losing an approved step. */
  enqueue?: readonly unknown[];
  /** Mark the workflow active with the commit although it enqueues nothing (a rollback the worker
   * will carry out: the sweep schedules it should the scheduling process die first). */
  markActive?: boolean;
}

/** Serialize with `version` first: the commit script reads it without decoding the document. */
export function serializeDraft(draft: WorkflowDraft): string {
  const { version, ...rest } = draft;
  return JSON.stringify({ version, ...rest });
}

/** TTL in seconds of the keys a commit at `now` writes (SPEC §6.1; the rule is the domain's `keysExpireAt`). */
export function ttlFor(draft: WorkflowDraft, now: number): number {
  return Math.ceil((keysExpireAt(draft, now) - now) / 1000);
}

/**
 * How long a create may take between reserving its owner's slot and committing its draft. Generous:
 * the entry's age is read on another process's clock than the one that wrote it, and an entry
 * without its draft only appears when a draft expired (hours) or a create failed.
 */
const CREATE_IN_FLIGHT_MS = 10 * 60_000;
/** How long, and how many, finished workflows stay in the owner's recently finished list. */
const RECENTLY_FINISHED_MS = 3_600_000;
const RECENTLY_FINISHED_MAX = 1_000;

export interface WorkflowStoreOptions {
  /**
   * Start each `mutate` from this process's last known version of the workflow instead of reading
   * it, and run one workflow's mutations in this process one at a time. It saves a read and a
   * parse per transition where one process makes most of a workflow's changes in a row: the
   * worker (begin, finish, the next step's begin...; sibling steps stop conflicting) and the
   * gateway (the draft it created, then the user's decisions on it).
   */
  cacheDrafts?: boolean;
  /** AUDIT_KEY: hash the audit log with HMAC-SHA256 under this key (else plain SHA-256). */
  auditKey?: string;
}

export class WorkflowStore {
  private readonly cache?: DraftCache;
  private readonly serial?: KeyedSerializer;
  private readonly audit: AuditSigner;
  /** Second approvers' indexes of the workflows waiting for their roles (SPEC §6.10). */
  readonly roles: RoleIndex;

  constructor(
    private readonly redis: Redis,
    readonly keys: Keys,
    private readonly now: () => number = Date.now,
    options: WorkflowStoreOptions = {},
  ) {
    defineScripts(redis);
    this.audit = new AuditSigner(options.auditKey);
    this.roles = new RoleIndex(redis, keys, (id) => this.load(id));
    if (options.cacheDrafts) {
      this.cache = new DraftCache();
      this.serial = new KeyedSerializer();
    }
  }

  /** Always read from Redis; never touches the cache (a sweep's reads must not evict it). */
  async load(sessionId: string): Promise<WorkflowDraft | null> {
    return (await this.loadSized(sessionId)).draft;
  }

  /** `load`, with the length of the stored text (what the draft cache counts). */
  private async loadSized(sessionId: string): Promise<{ draft: WorkflowDraft | null; bytes: number }> {
    const raw = await this.redis.get(this.keys.draft(sessionId));
    return { draft: this.parseDraft(sessionId, raw), bytes: raw?.length ?? 0 };
  }

  /** Remember a version this process read or wrote; a finished workflow is rarely changed again. */
  private remember(draft: WorkflowDraft, bytes: number): void {
    if (!this.cache) return;
    if (isFinished(draft)) this.cache.delete(draft.sessionId);
    else this.cache.set(draft, bytes);
  }

  private parseDraft(sessionId: string, raw: string | null | undefined): WorkflowDraft | null {
    if (!raw) return null;
    const parsed = WorkflowDraftSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) throw new CorruptRecordError(this.keys.draft(sessionId), parsed.error.message);
    return parsed.data;
  }

  /** Event envelopes as the commit script takes them (it adds the eventId). */
  private eventJson(sessionId: string, events: readonly WorkflowEvent[], now: number): string[] {
    return events.map((e) => JSON.stringify({ type: e.type, sessionId, payload: e.payload, timestamp: now }));
  }

  /**
   * The relay message's JSON up to its envelope value (the script appends the envelope): the owner,
   * and who else may see this change (SPEC §6.10): the users who gave a second approval in the
   * workflow, and the roles a step waits for, before or after the change (so an approver also
   * hears the change that ends their wait: their own approval, a cancel).
   */
  private relayHead(draft: WorkflowDraft, before?: WorkflowDraft | null): string {
    let extra = '';
    if (approverRoles(draft).length > 0) {
      const users = [...new Set([...secondApprovers(draft), ...(before ? secondApprovers(before) : [])])];
      const roles = [...new Set([...awaitingRoles(draft), ...(before ? awaitingRoles(before) : [])])];
      if (users.length) extra += `"watchers":${JSON.stringify(users)},`;
      if (roles.length) extra += `"watcherRoles":${JSON.stringify(roles)},`;
    }
    return `{"v":1,"userId":${JSON.stringify(draft.userId)},${extra}"envelope":`;
  }

  /** The logged envelopes, with the ids the commit script gave them (reply[1..]). */
  private logged(sessionId: string, events: readonly WorkflowEvent[], reply: unknown[], now: number): ServerEnvelope[] {
    return events.map((e, i) => ({ type: e.type, sessionId, eventId: String(reply[i + 1]), payload: e.payload, timestamp: now })) as ServerEnvelope[];
  }

  /**
   * Atomically replace the draft (if its stored version is still `expectedVersion`, or -1 for a
   * new one), write step statuses, append the change's audit entries (what changed from `before`,
   * by `actor`; the draft takes the log's new head), and append + publish the events. Returns the
   * logged envelopes.
   */
  async commit(expectedVersion: number, change: Commit, actor: AuditActor, before: WorkflowDraft | null = null): Promise<ServerEnvelope[]> {
    const { draft, events } = change;
    // A commit at the same version changes nothing a decision depends on (a draft reminder): it
    // leaves the log and its head as they are.
    const now = this.now();
    let auditLines: string[] = [];
    if (!before || draft.version !== before.version) {
      if (before) assertCanExtend(this.audit, draft.sessionId, before.version, before.audit);
      const chained = chainRecords(this.audit, draft.sessionId, draft.version, before?.audit, auditRecords(before, draft, actor, now));
      draft.audit = chained.head;
      auditLines = chained.lines;
    }
    // Sent before the commit on the same connection, so Redis runs it first, but not awaited on
    // its own: the commit does not wait a round trip for it.
    const marked = change.enqueue?.length || change.markActive ? this.redis.sadd(this.keys.activeWorkflows, draft.sessionId) : undefined;
    const sid = draft.sessionId;
    const stepKeys = draft.steps.map((s) => this.keys.stepStatus(sid, s.id));
    const json = serializeDraft(draft);
    const committed = this.redis.commitWorkflow(
      3 + stepKeys.length,
      this.keys.draft(sid),
      this.keys.events(sid),
      this.keys.audit(sid),
      ...stepKeys,
      String(expectedVersion),
      json,
      String(ttlFor(draft, now)),
      this.keys.channel,
      this.relayHead(draft, before),
      String(events.length),
      ...this.eventJson(sid, events, now),
      String(auditLines.length),
      ...auditLines,
      ...draft.steps.map((s) => s.state),
    );
    // A mark that failed while the commit went through is tried once more, not reported as a
    // failed commit.
    const [mark, commit] = await Promise.allSettled([marked, committed]);
    if (commit.status === 'rejected') throw commit.reason;
    const reply = commit.value;
    if (Number(reply[0]) !== 1) throw new VersionConflictError(Number(reply[1]));
    if (mark.status === 'rejected') await this.markActive(sid);
    this.remember(draft, json.length);
    return this.logged(sid, events, reply, now);
  }

  /**
   * Log and publish events that change no state a decision depends on (progress reports):
   * no read, no compare-and-set, no conflict with concurrent decisions. Returns [] if the
   * workflow is gone.
   */
  async appendEvents(owner: WorkflowDraft, events: WorkflowEvent[]): Promise<ServerEnvelope[]> {
    const sid = owner.sessionId;
    const now = this.now();
    const reply = await this.redis.commitWorkflow(
      3,
      this.keys.draft(sid),
      this.keys.events(sid),
      this.keys.audit(sid),
      'append',
      '',
      String(FINISHED_RETENTION_MS / 1000),
      this.keys.channel,
      this.relayHead(owner),
      String(events.length),
      ...this.eventJson(sid, events, now),
      '0',
    );
    if (Number(reply[0]) !== 1) return [];
    return this.logged(sid, events, reply, now);
  }

  /**
   * Optimistic read-modify-write: load, apply `change`, commit; on a concurrent change, load
   * again and re-apply (the domain re-checks everything, including a client's expectedVersion).
   * `change` returns null for "nothing to do". Throws `not_found` when the workflow is gone.
   */
  async mutate<T extends Commit>(
    sessionId: string,
    change: (draft: WorkflowDraft) => T | null,
    actor: AuditActor,
    attempts = 20,
  ): Promise<{ result: T | null; envelopes: ServerEnvelope[]; before: WorkflowDraft }> {
    if (!this.serial) return this.mutateNow(sessionId, change, actor, attempts);
    return this.serial.run(sessionId, () => this.mutateNow(sessionId, change, actor, attempts));
  }

  private async mutateNow<T extends Commit>(
    sessionId: string,
    change: (draft: WorkflowDraft) => T | null,
    actor: AuditActor,
    attempts: number,
  ): Promise<{ result: T | null; envelopes: ServerEnvelope[]; before: WorkflowDraft }> {
    for (let attempt = 0; ; attempt++) {
      const cached = attempt === 0 ? this.cache?.get(sessionId) : undefined;
      const fresh = cached ? undefined : await this.loadSized(sessionId);
      const before = cached ?? fresh?.draft;
      if (!before) {
        this.cache?.delete(sessionId);
        throw new ProtocolError('not_found', `no workflow ${sessionId}`);
      }
      if (fresh) this.remember(before, fresh.bytes);
      let result: T | null;
      try {
        result = change(before);
      } catch (err) {
        // A refusal computed on a remembered version may be stale: decide again on a fresh read.
        if (cached) continue;
        throw err;
      }
      if (!result) {
        // Likewise "nothing to do" (e.g. "this step may not run") only counts on a fresh read.
        if (cached) continue;
        return { result: null, envelopes: [], before };
      }
      try {
        const envelopes = await this.commit(before.version, result, actor, before);
        return { result, envelopes, before };
      } catch (err) {
        this.cache?.delete(sessionId);
        if (!(err instanceof VersionConflictError) || attempt >= attempts) throw err;
      }
    }
  }

  /** Events after `afterId` (exclusive), oldest first, from the durable log. */
  async readEvents(sessionId: string, afterId?: string): Promise<ServerEnvelope[]> {
    const start = afterId ? `(${afterId}` : '-';
    const rows = await this.redis.xrange(this.keys.events(sessionId), start, '+');
    return rows.map(([id, fields]) => {
      const json = fields[1] ?? '{}';
      const parsed = ServerEnvelopeSchema.safeParse(JSON.parse(json));
      if (!parsed.success) throw new CorruptRecordError(`${this.keys.events(sessionId)}#${id}`, parsed.error.message);
      return parsed.data as ServerEnvelope;
    });
  }

  /** The draft and the id of the last event it reflects, read together (one MULTI). */
  async snapshot(sessionId: string): Promise<{ draft: WorkflowDraft | null; lastEventId?: string }> {
    const res = await this.redis
      .multi()
      .get(this.keys.draft(sessionId))
      .xrevrange(this.keys.events(sessionId), '+', '-', 'COUNT', 1)
      .exec();
    const draft = this.parseDraft(sessionId, res?.[0]?.[1] as string | null | undefined);
    const top = res?.[1]?.[1] as [string, string[]][] | undefined;
    return draft ? { draft, lastEventId: top?.[0]?.[0] } : { draft: null };
  }

  /**
   * SPEC §6.11's verify call: the workflow's audit log, read with its draft in one MULTI, and
   * whether the chain holds. Null when the workflow is gone.
   */
  async verifiedAudit(sessionId: string): Promise<(ReturnType<typeof verifyChain> & { draft: WorkflowDraft; lines: string[] }) | null> {
    const res = await this.redis.multi().get(this.keys.draft(sessionId)).lrange(this.keys.audit(sessionId), 0, -1).exec();
    const failed = res?.find(([err]) => err)?.[0];
    if (failed) throw failed;
    const draft = this.parseDraft(sessionId, res?.[0]?.[1] as string | null | undefined);
    if (!draft) return null;
    const lines = (res?.[1]?.[1] as string[] | undefined) ?? [];
    return { draft, lines, ...verifyChain(this.audit, draft, lines) };
  }

  // ------------------------------------------------------------ the sweep's set of active workflows

  async activeWorkflowIds(count = 1000): Promise<string[]> {
    return this.redis.srandmember(this.keys.activeWorkflows, count);
  }

  async markActive(sessionId: string): Promise<void> {
    await this.redis.sadd(this.keys.activeWorkflows, sessionId);
  }

  async markInactive(sessionId: string): Promise<void> {
    await this.redis.srem(this.keys.activeWorkflows, sessionId);
  }

  // ------------------------------------------------------------ the user's index of live workflows

  /**
   * Add a new workflow to its owner's index unless the owner already has `limit` entries there, in
   * one step. Returns null when added, else the number of entries found (some may be expired
   * drafts: `listUserWorkflows` prunes them).
   */
  async reserveInUserIndex(userId: string, sessionId: string, createdAt: number, limit: number): Promise<number | null> {
    const found = Number(await this.redis.reserveUserSlot(this.keys.userActive(userId), limit, createdAt, sessionId));
    return found < 0 ? null : found;
  }

  async removeFromUserIndex(userId: string, sessionId: string): Promise<void> {
    await this.redis.zrem(this.keys.userActive(userId), sessionId);
  }

  /**
   * A finished workflow leaves the owner's index for the list of recently finished ones (the last
   * hour, at most 1,000): a gateway catching up after an outage finds a workflow that finished
   * meanwhile there. One MULTI: both keys share the user's hash tag.
   */
  async retireFromUserIndex(userId: string, sessionId: string): Promise<void> {
    const now = this.now();
    const finished = this.keys.userFinished(userId);
    await this.redis
      .multi()
      .zrem(this.keys.userActive(userId), sessionId)
      .zadd(finished, now, sessionId)
      .zremrangebyscore(finished, '-inf', now - RECENTLY_FINISHED_MS)
      .zremrangebyrank(finished, 0, -(RECENTLY_FINISHED_MAX + 1))
      .pexpire(finished, RECENTLY_FINISHED_MS)
      .exec();
  }

  /** Workflows of the owner that finished at or after `sinceMs` (the finishing process's clock). */
  async recentlyFinishedIds(userId: string, sinceMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.userFinished(userId), sinceMs, '+inf', 'LIMIT', 0, RECENTLY_FINISHED_MAX);
  }

  /** How long the workflow's records have left (ms), or null once they are gone. */
  async recordTtlMs(sessionId: string): Promise<number | null> {
    const ms = await this.redis.pttl(this.keys.draft(sessionId));
    if (ms === -2) return null;
    // No TTL at all (set by hand): look again after a finished workflow's lifetime.
    return ms < 0 ? FINISHED_RETENTION_MS : ms;
  }

  /** Ids in the owner's index, newest first (finished workflows leave it; see listUserWorkflows). */
  async userWorkflowIds(userId: string, limit = 100): Promise<string[]> {
    return this.redis.zrevrange(this.keys.userActive(userId), 0, limit - 1);
  }

  /** Redis's clock in ms: event ids are taken from it (commit-workflow.lua). */
  async redisTimeMs(): Promise<number> {
    const [sec, micro] = await this.redis.time();
    return Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
  }

  /**
   * Newest first; entries whose draft has expired are pruned on the way. A young entry without its
   * draft is a create in flight (its slot is reserved before the draft is committed): skipped, kept.
   */
  async listUserWorkflows(userId: string, limit = 100): Promise<WorkflowDraft[]> {
    const flat = await this.redis.zrevrange(this.keys.userActive(userId), 0, limit - 1, 'WITHSCORES');
    const ids = flat.filter((_, i) => i % 2 === 0);
    const createdAt = flat.filter((_, i) => i % 2 === 1).map(Number);
    const drafts = await Promise.all(ids.map((id) => this.load(id).catch(() => null)));
    const settledBefore = this.now() - CREATE_IN_FLIGHT_MS;
    const gone = ids.filter((_, i) => !drafts[i] && (createdAt[i] ?? 0) < settledBefore);
    if (gone.length) await this.redis.zrem(this.keys.userActive(userId), ...gone);
    return drafts.filter((d): d is WorkflowDraft => d !== null && d.userId === userId);
  }
}

