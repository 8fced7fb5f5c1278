/** What clients see: the draft payload, status snapshots, list summaries. */
import { TERMINAL_PLAN_STATES } from '@wfa/protocol';
import type { ServerPayload, WorkflowDraft, WorkflowSummary } from '@wfa/protocol';
import { effectiveDeps } from './graph';
import { depState } from './dependencies';
import { findStep, isUndecided, clone } from './util';
import { visibleExpiresAt } from './retention';

type Step = WorkflowDraft['steps'][number];

/** Who decided a step when it was not (only) the user, and why: the same on the draft and the status. */
function decisionNotes(s: Step): Pick<Step, 'autoApprovedBy' | 'decidedBy' | 'rejectionReason' | 'secondApproval'> {
  const notes: Pick<Step, 'autoApprovedBy' | 'decidedBy' | 'rejectionReason' | 'secondApproval'> = {};
  if (s.secondApproval !== undefined) notes.secondApproval = clone(s.secondApproval);
  if (s.autoApprovedBy !== undefined) notes.autoApprovedBy = s.autoApprovedBy;
  if (s.decidedBy !== undefined) notes.decidedBy = s.decidedBy;
  if (s.rejectionReason !== undefined) notes.rejectionReason = s.rejectionReason;
  return notes;
}

export function toDraftPayload(d: WorkflowDraft): ServerPayload<'WORKFLOW_DRAFT'> {
  const payload: ServerPayload<'WORKFLOW_DRAFT'> = {
    userId: d.userId,
    originalMessage: d.originalMessage,
    summary: d.summary,
    totalSteps: d.totalSteps,
    estimatedDuration: d.estimatedDuration,
    planState: d.state,
    approvalStatus: d.approvalStatus,
    mode: d.mode,
    version: d.version,
    steps: d.steps.map((s) => {
      const view: ServerPayload<'WORKFLOW_DRAFT'>['steps'][number] = {
        id: s.id,
        order: s.order,
        description: s.description,
        userFriendlyDescription: s.userFriendlyDescription,
        type: s.type,
        action: s.action,
        riskLevel: s.riskLevel,
        estimatedTime: s.estimatedTime,
        dependencies: [...s.dependencies],
        expectedOutcome: s.expectedOutcome,
        state: s.state,
        approvalStatus: s.approvalStatus,
        params: clone(s.params),
        isModified: s.isModified,
      };
      if (s.requires !== undefined) view.requires = clone(s.requires);
      return Object.assign(view, decisionNotes(s));
    }),
    dependencies: clone(d.dependencies),
    risks: clone(d.risks),
  };
  payload.expiresAt = visibleExpiresAt(d);
  if (d.permissions) payload.permissions = clone(d.permissions);
  return payload;
}

export function toStatusPayload(d: WorkflowDraft): ServerPayload<'WORKFLOW_STATUS'> {
  const payload: ServerPayload<'WORKFLOW_STATUS'> = {
    planState: d.state,
    approvalStatus: d.approvalStatus,
    version: d.version,
    steps: d.steps.map((s) => {
      const v: ServerPayload<'WORKFLOW_STATUS'>['steps'][number] = { id: s.id, state: s.state, approvalStatus: s.approvalStatus };
      if (s.result !== undefined) v.result = clone(s.result);
      // What the user (or a fallback) gave in place of a lost dependency, so every device can show it.
      if (s.providedValues !== undefined && Object.keys(s.providedValues).length > 0) v.providedValues = clone(s.providedValues);
      return Object.assign(v, decisionNotes(s));
    }),
  };
  if (d.conflicts.length > 0) payload.conflicts = clone(d.conflicts);
  if (d.partialFailure !== undefined) payload.partialFailure = clone(d.partialFailure);
  payload.expiresAt = visibleExpiresAt(d);
  if (d.expiredAt !== undefined) payload.expired = true;
  if (d.rollback !== undefined) payload.rollback = clone(d.rollback);
  return payload;
}

/**
 * What waits on the user: undecided steps, plus rejected steps that hold a `wait` dependent
 * (only re-approving them lets that dependent run).
 */
export function pendingStepIds(d: WorkflowDraft): string[] {
  // A step the owner approved that waits for a second approval waits on the approver, not the owner.
  const ids = d.steps.filter((s) => s.state === 'pending' && isUndecided(s) && s.approvalStatus !== 'waiting_user_approval').map((s) => s.id);
  for (const s of d.steps) {
    if (s.state !== 'pending') continue;
    for (const dep of effectiveDeps(s)) {
      if (depState(d, s, dep) === 'held' && !ids.includes(dep.stepId) && findStep(d, dep.stepId)) ids.push(dep.stepId);
    }
  }
  return ids;
}

export function toSummary(d: WorkflowDraft): WorkflowSummary {
  const summary: WorkflowSummary = {
    sessionId: d.sessionId,
    summary: d.summary,
    originalMessage: d.originalMessage,
    planState: d.state,
    approvalStatus: d.approvalStatus,
    version: d.version,
    createdAt: d.createdAt,
    pendingStepIds: isFinished(d) ? [] : pendingStepIds(d),
    conflicts: [...new Set(d.conflicts.map((c) => c.stepId))],
    interventions: d.steps.filter((s) => s.state === 'waiting_intervention').map((s) => s.id),
    failedStepIds: d.steps.filter((s) => s.state === 'failed').map((s) => s.id),
    userId: d.userId,
    awaitingSecondApproval: isFinished(d) ? [] : d.steps.filter((s) => s.state === 'pending' && s.approvalStatus === 'waiting_user_approval').map((s) => s.id),
  };
  summary.expiresAt = visibleExpiresAt(d);
  return summary;
}

export function isFinished(d: WorkflowDraft): boolean {
  return TERMINAL_PLAN_STATES.includes(d.state);
}
