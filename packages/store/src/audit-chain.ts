/**
 * SPEC §6.11: the audit log's hash chain. Each entry's `hash` covers its stored JSON text up to the
 * hash itself (its last field), `prevHash` included, so any rewrite of a line shows. The first
 * entry chains from a genesis value bound to the workflow, so entries cannot be moved between
 * workflows. The draft keeps the head (count, last hash), written
 * in the same compare-and-set, so a log cut short is found too.
 *
 * With AUDIT_KEY set, hashes are HMAC-SHA256 under that key: someone who can write to Redis but
 * does not hold the key cannot rebuild a consistent chain after editing it. Without it they are
 * plain SHA-256, which finds any edit made without rebuilding the chain (docs/DECISIONS.md).
 */
import { createHash, createHmac } from 'node:crypto';
import {
  AuditEntrySchema,
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
    if (alg === 'sha256') return createHash('sha256').update(text).digest('hex');
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

/** Number and chain a commit's records after `head`; returns the JSON lines to append and the new head. */
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
  return { lines, head: { count, hash: prevHash } };
}

/**
 * Check a workflow's whole log against itself and the draft's head: every entry well formed, in
 * sequence, chained to the one before, its hash matching its content, and the last one the head.
 * Reports the first problem found.
 */
export function verifyChain(
  signer: AuditSigner,
  draft: WorkflowDraft,
  lines: readonly string[],
): { entries: AuditEntry[]; verification: AuditVerification } {
  const entries: AuditEntry[] = [];
  const base = { count: lines.length, keyed: signer.keyed };
  // A log that does not verify is still shown whole (every entry that parses), so a reader sees
  // what follows the problem too.
  const all = () => lines.flatMap((l) => {
    try {
      const p = AuditEntrySchema.safeParse(JSON.parse(l));
      return p.success ? [p.data] : [];
    } catch {
      return [];
    }
  });
  const fail = (reason: string, position?: number) => ({
    entries: all(),
    verification: { ...base, valid: false, problem: position === undefined ? { reason } : { position, reason } },
  });
  let prevHash = signer.genesis(draft.sessionId);
  let lastVersion = -1;
  for (const [i, line] of lines.entries()) {
    const position = i + 1;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return fail('is not JSON', position);
    }
    const parsed = AuditEntrySchema.safeParse(raw);
    if (!parsed.success) return fail(`is not an audit entry (${parsed.error.issues[0]?.path.join('.') || 'shape'})`, position);
    const e = parsed.data;
    entries.push(e);
    if (e.sessionId !== draft.sessionId) return fail(`belongs to workflow ${e.sessionId}`, position);
    if (e.seq !== position) return fail(`has sequence number ${e.seq}: an entry was dropped, added or moved`, position);
    if (e.prevHash !== prevHash) return fail('does not follow the entry before it (prevHash differs)', position);
    if (signer.keyed && e.alg !== 'hmac-sha256') return fail(`is hashed with ${e.alg}, not keyed with AUDIT_KEY`, position);
    // The hash covers the stored bytes, so any rewrite of the line (even one that only reorders
    // its keys) shows.
    const text = hashedText(line);
    const expected = text === undefined ? undefined : signer.hash(e.alg, text);
    if (text !== undefined && expected === undefined) return fail('is keyed (hmac-sha256) and this process has no AUDIT_KEY to check it', position);
    if (expected === undefined || expected !== e.hash) return fail('was changed after it was written (its hash does not match)', position);
    if (e.version < lastVersion) return fail(`has version ${e.version}, older than the entry before it`, position);
    lastVersion = e.version;
    prevHash = e.hash;
  }
  const head = draft.audit;
  if (!head) return lines.length === 0 ? { entries, verification: { ...base, valid: true } } : fail('the workflow records no audit head');
  if (head.count !== lines.length) return fail(`the workflow records ${head.count} entries and the log holds ${lines.length}`);
  if (head.hash !== prevHash) return fail('the last entry is not the one the workflow records');
  if (lastVersion !== draft.version) return fail(`the workflow is at version ${draft.version} and the log's last entry at ${lastVersion}`);
  return { entries, verification: { ...base, valid: true } };
}
