/**
 * SPEC §6.11: what one committed change of a workflow means for its audit log. Pure: the store
 * numbers, chains and writes the records in the same compare-and-set as the change.
 *
 * One record per step whose decision, params or state changed (the seed's four decisions first,
 * then `state_changed`), one for the plan when its state or approval changed, and, when a change
 * moved neither (a value provided for a conflict, a failure answer, a rollback asked for), one
 * `changed` record naming its cause: every version of a workflow leaves at least one entry.
 */
import type {
  ApprovalStep,
  AuditAction,
  AuditPlanSnapshot,
  AuditRecord,
  AuditStepSnapshot,
  WorkflowDraft,
} from '@wfa/protocol';
import { deepEqual } from './util';

/** Who made a change, and what asked for it. */
export interface AuditActor {
  /** The acting user, or `system` (the worker, a timer, the sweep). */
  userId: string;
  kind: 'user' | 'system';
  ipAddress?: string;
  userAgent?: string;
  /** A client message ("WORKFLOW_APPROVAL approve_all") or a system event ("step finished"). */
  cause: string;
  /** The reason the user gave with the message, for every step it changed... */
  reason?: string;
  /** ...or per step (a batch edit's reasons). */
  stepReasons?: Readonly<Record<string, string>>;
}

export const SYSTEM_ACTOR_ID = 'system';

/** The system acting for `cause` (worker, timers, sweep). */
export function systemActor(cause: string, userAgent = 'worker'): AuditActor {
  return { userId: SYSTEM_ACTOR_ID, kind: 'system', userAgent, cause };
}

/** Shares values with the draft: records are serialized as soon as they are made, never changed. */
function stepSnapshot(s: ApprovalStep): AuditStepSnapshot {
  return {
    state: s.state,
    approvalStatus: s.approvalStatus,
    params: s.params,
    ...(s.providedValues ? { providedValues: s.providedValues } : {}),
    ...(s.result ? { result: s.result as unknown as Record<string, unknown> } : {}),
  };
}

/**
 * The step before a change: its params only when the change modified them (a modification's
 * before/after), else they are `after`'s and are not written twice; its result only when it changed.
 */
function beforeSnapshot(was: ApprovalStep, now: ApprovalStep): AuditStepSnapshot {
  return {
    state: was.state,
    approvalStatus: was.approvalStatus,
    ...(deepEqual(was.params, now.params) ? {} : { params: was.params }),
    ...(was.providedValues && !deepEqual(was.providedValues, now.providedValues) ? { providedValues: was.providedValues } : {}),
    ...(was.result && was.result !== now.result && !deepEqual(was.result, now.result) ? { result: was.result as unknown as Record<string, unknown> } : {}),
  };
}

function planSnapshot(d: WorkflowDraft): AuditPlanSnapshot {
  return { planState: d.state, approvalStatus: d.approvalStatus };
}

/** Which of the seed's decisions (or plain state change) a step's change was; null: none of note. */
function stepAction(before: ApprovalStep | undefined, after: ApprovalStep): AuditAction | null {
  const paramsChanged = !deepEqual(before?.params ?? after.params, after.params);
  if (paramsChanged) return 'modified';
  const approval = before?.approvalStatus ?? 'draft_pending';
  if (approval !== after.approvalStatus) {
    // The owner's approval of a step that then waits for a second one is an approval too (SPEC §6.10).
    if (after.approvalStatus === 'step_approved' || after.approvalStatus === 'waiting_user_approval') return 'approved';
    if (after.approvalStatus === 'step_rejected') return 'rejected';
    if (after.approvalStatus === 'step_modified') return 'modified';
    return 'state_changed';
  }
  const state = before?.state ?? 'pending';
  if (state !== after.state) return after.state === 'skipped' ? 'skipped' : 'state_changed';
  // A value provided for a missing dependency (a conflict answer) changes what the step will use.
  if (!deepEqual(before?.providedValues, after.providedValues)) return 'changed';
  return null;
}

function stepReason(action: AuditAction, s: ApprovalStep): string | undefined {
  if (action === 'rejected') return s.rejectionReason;
  if (action === 'changed') return s.providedValues ? `value provided for ${Object.keys(s.providedValues).join(', ')}` : undefined;
  if (action === 'approved') return approvalReason(s);
  if (action === 'skipped') return s.skippedBy ? `its dependency ${s.skippedBy} was lost` : undefined;
  if (s.state === 'failed' || s.state === 'timeout') return s.result?.error ?? s.result?.message;
  return undefined;
}

/** How an approval came about: a preference rule, and which of two approvals it was (SPEC §6.10). */
function approvalReason(s: ApprovalStep): string | undefined {
  const role = s.secondApproval?.approverRole;
  // The second approval is a user's own, whatever rule gave the first.
  if (s.approvalStatus === 'step_approved' && s.secondApproval?.approvedBy) return `second approval (role "${role}")`;
  const parts: string[] = [];
  if (s.autoApprovedBy) parts.push(`approved automatically: ${s.autoApprovedBy}`);
  if (s.approvalStatus === 'waiting_user_approval') parts.push(`first approval; waits for a second approval (role "${role}")`);
  return parts.length ? parts.join('; ') : undefined;
}

/** The records one commit adds; `before` is null for a workflow's first commit. */
export function auditRecords(before: WorkflowDraft | null, after: WorkflowDraft, actor: AuditActor, now: number): AuditRecord[] {
  const who: Who = {
    userId: actor.userId,
    actorKind: actor.kind,
    timestamp: now,
    ipAddress: actor.ipAddress ?? '',
    userAgent: actor.userAgent ?? '',
    cause: actor.cause,
  };
  const records: AuditRecord[] = [];
  if (!before) records.push({ ...who, action: 'created', before: null, after: planSnapshot(after) });
  const previous = new Map((before?.steps ?? []).map((s) => [s.id, s]));
  for (const s of after.steps) {
    const was = previous.get(s.id);
    const action = stepAction(was, s);
    if (!action) continue;
    const reason = (actor.kind === 'user' ? (actor.stepReasons?.[s.id] ?? actor.reason) : undefined) ?? stepReason(action, s);
    records.push({
      ...who,
      action,
      stepId: s.id,
      ...(reason !== undefined ? { reason } : {}),
      before: was ? beforeSnapshot(was, s) : null,
      after: stepSnapshot(s),
    });
  }
  records.push(...rollbackRecords(before, after, who));
  if (before && (before.state !== after.state || before.approvalStatus !== after.approvalStatus)) {
    const reason = after.state === 'cancelled' ? after.cancelReason : undefined;
    records.push({ ...who, action: 'plan_state_changed', ...(reason !== undefined ? { reason } : {}), before: planSnapshot(before), after: planSnapshot(after) });
  }
  if (records.length === 0) records.push({ ...who, action: 'changed', before: planSnapshot(before ?? after), after: planSnapshot(after) });
  return records;
}

type Who = Pick<AuditRecord, 'userId' | 'actorKind' | 'timestamp' | 'ipAddress' | 'userAgent' | 'cause'>;

/** rollback_all carried out: one record per completed step, undone or not (with why not). */
function rollbackRecords(before: WorkflowDraft | null, after: WorkflowDraft, who: Who): AuditRecord[] {
  const done = new Set([...(before?.rollback?.compensated ?? []), ...(before?.rollback?.notCompensated ?? []).map((n) => n.stepId)]);
  const step = (id: string) => after.steps.find((s) => s.id === id);
  const one = (action: AuditAction, stepId: string, reason?: string): AuditRecord[] => {
    const s = step(stepId);
    if (!s || done.has(stepId)) return [];
    return [{ ...who, action, stepId, ...(reason !== undefined ? { reason } : {}), before: beforeSnapshot(s, s), after: stepSnapshot(s) }];
  };
  return [
    ...(after.rollback?.compensated ?? []).flatMap((id) => one('compensated', id, 'undone')),
    ...(after.rollback?.notCompensated ?? []).flatMap((n) => one('not_compensated', n.stepId, n.reason)),
  ];
}
