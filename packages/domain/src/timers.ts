/**
 * Draft timers (SPEC §6.8, seed ApprovalTimeout): reminders while a draft waits for decisions, and
 * the expiry with the user's default action. Both are fired by durable timer jobs that may run
 * late or twice, so each answers null when it no longer applies (and then nothing is written).
 */
import type { WorkflowDraft } from '@wfa/protocol';
import type { Actor, Transition } from './api';
import { beginWork, finishWork } from './engine';
import { opApprove, opReject } from './edits';
import { isUndecided, clone } from './util';
import { mayApprove } from './permissions';
import { pendingStepIds } from './views';

export type DraftTimeoutAction = 'save_draft' | 'auto_reject' | 'auto_approve';

export const TIMEOUT_REJECT_REASON = 'Not approved in time';
export const TIMEOUT_NOT_LOW_RISK_REASON = 'Not approved in time (only low-risk steps are approved automatically)';
export const TIMEOUT_NO_SECOND_APPROVAL_REASON = 'Not approved in time (the second approval did not come)';
export const TIMEOUT_NOT_PERMITTED_REASON = 'Not approved in time (your permissions do not let this kind of step be approved for you)';
export const TIMEOUT_AUTO_APPROVED_BY = 'timeout.auto_approve';

/** What waits on the user in a draft: undecided steps, rejected steps holding a `wait` dependent, open conflicts. */
function waitingOnUser(d: WorkflowDraft): string[] {
  return [...new Set([...pendingStepIds(d), ...d.conflicts.map((c) => c.stepId)])];
}

function undecided(d: WorkflowDraft) {
  return d.steps.filter((s) => s.state === 'pending' && isUndecided(s));
}

/**
 * A reminder (`index` = which of the configured intervals fired; the content does not depend on
 * it). Only while the workflow is still an unexpired draft with something waiting on the user.
 * A reminder changes nothing: the draft comes back as it was (same version, same
 * lastInteraction, so a reminder never extends the draft's life), with one WORKFLOW_REMINDER.
 */
export function draftReminder(d: WorkflowDraft, _index: number, now: number): Transition | null {
  if (d.state !== 'created' || d.expiresAt === undefined || d.expiredAt !== undefined || now >= d.expiresAt) return null;
  const pending = waitingOnUser(d);
  if (pending.length === 0) return null;
  return {
    draft: clone(d),
    events: [{ type: 'WORKFLOW_REMINDER', payload: { expiresAt: d.expiresAt, pendingStepIds: pending } }],
    enqueue: [],
    cancel: [],
    ack: {},
  };
}

/**
 * The approval window ran out. Null unless the workflow is still a draft with undecided steps and
 * has not expired before (a repeated timer changes nothing). `expiresAt` is cleared and
 * `expiredAt` set (status payloads then say `expired: true`).
 *  - save_draft: nothing is decided; the draft is kept for the user to finish.
 *  - auto_reject: every undecided step is rejected ("Not approved in time"); dependents follow
 *    their rules; if nothing is left to run the workflow ends cancelled (engine).
 *  - auto_approve: undecided low-risk steps are approved (`autoApprovedBy` "timeout.auto_approve"),
 *    the other undecided ones rejected; execution then starts by the usual rule of the mode.
 * Only undecided steps are decided by the timeout: a conflict the user has not answered stays open.
 * `actor` is the system: each step it decides says so (`decidedBy: 'system'`, on the wire in WORKFLOW_STATUS
 * and WORKFLOW_DRAFT), with `autoApprovedBy` / `rejectionReason` naming the rule.
 */
export function expireDraft(d: WorkflowDraft, defaultAction: DraftTimeoutAction, _actor: Actor, now: number): Transition | null {
  if (d.state !== 'created' || d.expiredAt !== undefined || undecided(d).length === 0) return null;
  const w = beginWork(d, now);
  w.d.expiredAt = now;
  delete w.d.expiresAt;
  if (defaultAction === 'auto_reject') {
    for (const s of undecided(w.d)) {
      opReject(w.d, s, s.approvalStatus === 'waiting_user_approval' ? TIMEOUT_NO_SECOND_APPROVAL_REASON : TIMEOUT_REJECT_REASON);
      s.decidedBy = 'system';
    }
  } else if (defaultAction === 'auto_approve') {
    // A step its owner approved that waits for someone else's approval stays so: the timeout
    // approves for the owner only, and never gives a second approval (SPEC §6.10).
    for (const s of undecided(w.d).filter((x) => x.approvalStatus !== 'waiting_user_approval')) {
      // On the owner's behalf: never a step their permissions do not let them approve (SPEC §6.10).
      if (s.riskLevel === 'low' && mayApprove(w.d, s)) {
        opApprove(w.d, s);
        s.autoApprovedBy = TIMEOUT_AUTO_APPROVED_BY;
      } else {
        opReject(w.d, s, s.riskLevel === 'low' ? TIMEOUT_NOT_PERMITTED_REASON : TIMEOUT_NOT_LOW_RISK_REASON);
      }
      s.decidedBy = 'system';
    }
  }
  const t = finishWork(w, { snapshot: true });
  if (t.draft.state === 'cancelled') t.draft.cancelReason = 'The draft expired: nothing was approved in time';
  return t;
}
