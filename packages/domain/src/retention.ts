import type { WorkflowDraft } from '@wfa/protocol';

/**
 * How long a workflow's records live (SPEC §6.1), counted from its last change: every committed
 * transition stamps `lastInteraction` and refreshes the keys' TTL.
 */
export const DRAFT_RETENTION_MS = 2 * 3600_000;
export const FINISHED_RETENTION_MS = 24 * 3600_000;
/** A draft's keys outlive its approval window by this much, so the expiry timer always finds it. */
export const EXPIRY_GRACE_MS = 10 * 60_000;

/** The approval window still runs: the workflow is a draft whose timeout has not decided yet. */
function inApprovalWindow(d: WorkflowDraft): d is WorkflowDraft & { expiresAt: number } {
  return d.state === 'created' && d.expiresAt !== undefined && d.expiredAt === undefined;
}

/**
 * When the stored workflow goes, for a change committed at `now`: a running or finished one 24 h
 * later; a draft 2 h later, or 10 minutes after its approval window ends if that is later.
 */
export function keysExpireAt(d: WorkflowDraft, now: number): number {
  if (d.state !== 'created') return now + FINISHED_RETENTION_MS;
  const base = now + DRAFT_RETENTION_MS;
  return inApprovalWindow(d) ? Math.max(base, d.expiresAt + EXPIRY_GRACE_MS) : base;
}

/**
 * The `expiresAt` clients see (WORKFLOW_LIST, WORKFLOW_STATUS, WORKFLOW_DRAFT): while the approval
 * window runs, its end (when the user's timeout decides); otherwise, when the workflow's records
 * go if nothing changes it again (a draft the timeout kept with save_draft, a running or finished
 * workflow). The draft's own `expiresAt` field keeps meaning the approval window only.
 */
export function visibleExpiresAt(d: WorkflowDraft): number {
  if (inApprovalWindow(d)) return d.expiresAt;
  return d.lastInteraction + (d.state === 'created' ? DRAFT_RETENTION_MS : FINISHED_RETENTION_MS);
}

/**
 * A workflow leaves its owner's index when it finishes; one whose records expire first (a draft
 * left alone with save_draft, a run paused for a day) is taken out by a durable check this long
 * after its keys should have gone, so Redis has expired them by then.
 */
export const RETIRE_CHECK_DELAY_MS = 60_000;

/** When to check whether records that go at `keysGoAt` are gone. */
export function retireCheckAt(keysGoAt: number): number {
  return keysGoAt + RETIRE_CHECK_DELAY_MS;
}
