/**
 * SPEC §6.11: the audit log's hash chain. Each entry's `hash` covers its stored JSON text up to the
 * hash itself (its last field), `prevHash` included, so any rewrite of a line shows. The first
 * entry chains from a genesis value bound to the workflow, so entries cannot be moved between
 * workflows. The draft keeps the head (count, last hash, and a seal over them and the version),
 * written in the same compare-and-set, so a log cut short is found too.
 *
 * With AUDIT_KEY set, hashes are HMAC-SHA256 under that key: someone who can write to Redis but
 * does not hold the key cannot rebuild a consistent chain after editing it. Without it they are
 * plain SHA-256, which finds any edit made without rebuilding the chain (docs/DECISIONS.md).
 */
import { createHash, createHmac, hash as oneShotHash } from 'node:crypto';
import type Redis from 'ioredis';
import {
  AuditEntrySchema,
  ProtocolError,
  type AuditAlg,
  type AuditEntry,
  type AuditHead,
  type AuditRecord,
  type AuditVerification,
  type WorkflowDraft,
} from '@wfa/protocol';

export class AuditSigner {
  readonly alg: AuditAlg;

  constructor(private readonly key?: string) {
    this.alg = key ? 'hmac-sha256' : 'sha256';
  }

  get keyed(): boolean {
    return this.key !== undefined;
  }

  /** Where a workflow's chain starts. */
  genesis(sessionId: string): string {
    return createHash('sha256').update(`wfa-audit:${sessionId}`).digest('hex');
  }

  /** The hash of an entry's text (without its `hash`), computed with `alg`; undefined when that needs a key this signer lacks. */
  hash(alg: AuditAlg, text: string): string | undefined {
    // The one-shot hash costs ~40% less than a Hash object, on every entry of every commit.
    if (alg === 'sha256') return oneShotHash('sha256', text);
    return this.key === undefined ? undefined : createHmac('sha256', this.key).update(text).digest('hex');
  }
}

/** `hash` goes last, so the text it covers is the stored line without it: no canonical form is needed. */
function withHash(text: string, hash: string): string {
  return `${text.slice(0, -1)},"hash":"${hash}"}`;
}

const HASH_TAIL = /,"hash":"([0-9a-f]{64})"\}$/;

/** The text an entry's hash covers, taken from the stored line; undefined when the line does not end in a hash. */
function hashedText(line: string): string | undefined {
  const m = HASH_TAIL.exec(line);
  return m ? `${line.slice(0, m.index)}}` : undefined;
}

/** The text a head's seal covers: which workflow, how many entries, the last one, at which version. */
function sealText(sessionId: string, count: number, hash: string, version: number): string {
  return `wfa-audit-head:${sessionId}:${count}:${hash}:${version}`;
}

/**
 * A commit this process must not make: it would extend a chain it cannot seal the same way (its
 * AUDIT_KEY is missing or another). A client is told `unavailable` (another gateway may take it);
 * the message, for the operator, says what to fix.
 */
export class AuditKeyError extends ProtocolError {
  constructor(readonly operatorMessage: string) {
    super('unavailable', `this server cannot extend the workflow's audit log: ${operatorMessage}`);
    this.name = 'AuditKeyError';
  }
}

/** What a deployment records of its AUDIT_KEY: a fingerprint from which the key cannot be read back. */
export function auditKeyFingerprint(key: string): string {
  return createHmac('sha256', key).update('wfa-audit-key-fingerprint').digest('hex').slice(0, 16);
}

/**
 * At start: every gateway and worker of a deployment must seal audit logs alike. The first process
 * with AUDIT_KEY records the key's fingerprint in Redis; a process with another key, or without
 * one once a key is recorded, refuses to start (its commits would be refused, or would break
 * keyed logs for good). Returns the reason to refuse, or undefined.
 */
export async function auditKeyMismatch(redis: Redis, markerKey: string, key: string | undefined): Promise<string | undefined> {
  if (key === undefined) {
    const recorded = await redis.get(markerKey);
    return recorded ? 'this deployment seals audit logs with AUDIT_KEY (recorded in Redis) and this process has none: set the same AUDIT_KEY on every gateway and worker' : undefined;
  }
  const mine = auditKeyFingerprint(key);
  await redis.set(markerKey, mine, 'NX');
  const recorded = await redis.get(markerKey);
  return recorded === mine
    ? undefined
    : `this deployment seals audit logs with another AUDIT_KEY (fingerprint ${recorded}, this process ${mine}): every gateway and worker needs the same key (to start over with a new key, delete ${markerKey}; logs sealed with the old one then no longer verify)`;
}

/**
 * Before appending to a workflow's log: a process without AUDIT_KEY must not extend a keyed chain
 * (its entries would break it for good), nor a process with another key. Fails closed; an unkeyed
 * chain may become keyed (AUDIT_KEY turned on).
 */
export function assertCanExtend(signer: AuditSigner, sessionId: string, version: number, head: AuditHead | undefined): void {
  if (head?.alg !== 'hmac-sha256') return;
  if (!signer.keyed) {
    throw new AuditKeyError(`workflow ${sessionId}'s log is sealed with AUDIT_KEY and this process has none; set the same AUDIT_KEY on every gateway and worker`);
  }
  if (signer.hash('hmac-sha256', sealText(sessionId, head.count, head.hash, version)) !== head.seal) {
    throw new AuditKeyError(`workflow ${sessionId}'s log is sealed with another AUDIT_KEY (or its head was changed); every gateway and worker needs the same key`);
  }
}

/** Number and chain a commit's records after `head`; returns the JSON lines to append and the new, sealed head. */
export function chainRecords(
  signer: AuditSigner,
  sessionId: string,
  version: number,
  head: AuditHead | undefined,
  records: readonly AuditRecord[],
): { lines: string[]; head: AuditHead } {
  let count = head?.count ?? 0;
  let prevHash = head?.hash ?? signer.genesis(sessionId);
  const lines = records.map((r) => {
    count += 1;
    const text = JSON.stringify({ ...r, seq: count, sessionId, version, alg: signer.alg, prevHash });
    const hash = signer.hash(signer.alg, text) as string;
    prevHash = hash;
    return withHash(text, hash);
  });
  const seal = signer.hash(signer.alg, sealText(sessionId, count, prevHash, version)) as string;
  return { lines, head: { count, hash: prevHash, alg: signer.alg, seal } };
}

/** Most of a log one answer carries (its newest entries): bounded in count and in bytes. */
export const AUDIT_PAGE_MAX_BYTES = 1024 * 1024;

/**
 * Check a workflow's whole log against itself and the draft's head: every entry well formed, in
 * sequence, chained to the one before, its hash matching its stored text, the first one the
 * workflow's creation, the last one the head, and the head sealed. Reports the first problem found;
 * `entries` holds every entry that could be read, problem or not.
 */
export function verifyChain(
  signer: AuditSigner,
  draft: WorkflowDraft,
  lines: readonly string[],
): { entries: AuditEntry[]; verification: AuditVerification } {
  const base = { count: lines.length, keyed: signer.keyed };
  // Each line read once: the check walks them, and the answer lists every one that could be read.
  const read = lines.map(readLine);
  const entries = read.flatMap((r) => ('entry' in r ? [r.entry] : []));
  const found = (reason: string, at?: { position: number; seq?: number }, code: 'tampered' | 'unverifiable' = 'tampered') => ({
    entries,
    verification: { ...base, valid: false, problem: { code, ...(at ?? {}), reason } },
  });
  let prevHash = signer.genesis(draft.sessionId);
  let lastVersion = -1;
  let keyedSeen = false;
  for (const [i, line] of lines.entries()) {
    const position = i + 1;
    const r = read[i]!;
    if (!('entry' in r)) return found(r.problem, { position });
    const e = r.entry;
    const at = { position, seq: e.seq };
    if (e.sessionId !== draft.sessionId) return found(`belongs to workflow ${e.sessionId}`, at);
    if (e.seq !== position) return found(`has sequence number ${e.seq}: an entry was dropped, added or moved`, at);
    if (position === 1 && e.action !== 'created') return found('is not the workflow\'s creation: the log does not start at the beginning', at);
    if (e.prevHash !== prevHash) return found('does not follow the entry before it (prevHash differs)', at);
    // A keyed process accepts unkeyed entries only before the first keyed one (AUDIT_KEY turned on
    // while the workflow lived); the head's keyed seal then vouches for the whole chain.
    if (signer.keyed && e.alg !== 'hmac-sha256' && keyedSeen) return found(`is hashed with ${e.alg} after keyed entries`, at);
    keyedSeen ||= e.alg === 'hmac-sha256';
    // The hash covers the stored bytes, so any rewrite of the line (even one that only reorders
    // its keys) shows.
    const text = hashedText(line);
    const expected = text === undefined ? undefined : signer.hash(e.alg, text);
    if (text !== undefined && expected === undefined) return found('is sealed with AUDIT_KEY, which this process does not have: it cannot check it', at, 'unverifiable');
    if (expected === undefined || expected !== e.hash) return found('was changed after it was written (its hash does not match)', at);
    if (e.version < lastVersion) return found(`has version ${e.version}, older than the entry before it`, at);
    lastVersion = e.version;
    prevHash = e.hash;
  }
  const head = draft.audit;
  if (!head) return found('the workflow keeps no record of its log (it began before the audit log existed, or that record was removed)');
  if (head.count !== lines.length) return found(`the workflow records ${head.count} entries and the log holds ${lines.length}`);
  if (head.hash !== prevHash) return found('the last entry is not the one the workflow records');
  if (lastVersion !== draft.version) return found(`the workflow is at version ${draft.version} and the log's last entry at ${lastVersion}`);
  if (signer.keyed && head.alg !== 'hmac-sha256') return found('the workflow\'s record of its log is not sealed with AUDIT_KEY');
  if (!head.alg || !head.seal) return found('the workflow\'s record of its log carries no seal');
  const seal = signer.hash(head.alg, sealText(draft.sessionId, head.count, head.hash, draft.version));
  if (seal === undefined) return found('the workflow\'s record of its log is sealed with AUDIT_KEY, which this process does not have: it cannot check it', undefined, 'unverifiable');
  if (seal !== head.seal) return found('the workflow\'s record of its log was changed (its seal does not match)');
  return { entries, verification: { ...base, valid: true } };
}

/** One stored line as an entry, or why it is not one. */
function readLine(line: string): { entry: AuditEntry } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { problem: 'is not JSON' };
  }
  const parsed = AuditEntrySchema.safeParse(raw);
  return parsed.success ? { entry: parsed.data } : { problem: `is not an audit entry (${parsed.error.issues[0]?.path.join('.') || 'shape'})` };
}

/** The newest entries before `beforeSeq`, oldest first: at most `limit` and about AUDIT_PAGE_MAX_BYTES. */
export function auditPage(entries: readonly AuditEntry[], lines: readonly string[], beforeSeq: number | undefined, limit: number): { entries: AuditEntry[]; hasOlder: boolean } {
  const eligible = beforeSeq === undefined ? entries : entries.filter((e) => e.seq < beforeSeq);
  const bytesOf = new Map(lines.map((l, i) => [i + 1, l.length]));
  const page: AuditEntry[] = [];
  let bytes = 0;
  for (let i = eligible.length - 1; i >= 0 && page.length < limit; i--) {
    const e = eligible[i]!;
    bytes += bytesOf.get(e.seq) ?? 0;
    if (page.length > 0 && bytes > AUDIT_PAGE_MAX_BYTES) break;
    page.push(e);
  }
  page.reverse();
  return { entries: page, hasOlder: page.length < eligible.length };
}
