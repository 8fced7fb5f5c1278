import { DEFAULT_PERMISSIONS } from '@wfa/protocol';
import type { ApprovalPreferences, ApprovalStep, DependencyMap, Risk, WorkflowDraft } from '@wfa/protocol';
import { ownerApprovalStatus } from './permissions';
import type { DraftContext, PlanInput, Transition } from './api';
import { effectiveDeps, dependencyIds } from './graph';
import { actionInfo, formatDuration, formatSeconds, riskLevelOf } from './risk';
import { dependencyReason, expectedOutcome, summaryOf, userFriendlyDescription } from './describe';
import { validatePlanSteps } from './validation';
import { finishWork, type Work } from './engine';
import { newEffects } from './dependencies';
import { isFinished, toDraftPayload } from './views';
import { clone } from './util';

/**
 * SPEC §6.9: which rule, if any, approves a step without asking. `alwaysConfirm` beats
 * `autoApprove`; high-risk steps are never auto-approved; `maxStepsWithoutConfirmation` N > 0
 * approves the non-high-risk steps of plans with at most N steps. Approvals switched off approves
 * everything ('approvals_disabled', the old direct-execution behaviour).
 */
export function autoApprovalRule(step: Pick<ApprovalStep, 'type' | 'action' | 'riskLevel'>, prefs: ApprovalPreferences, totalSteps: number): string | undefined {
  if (!prefs.approvalsEnabled) return 'approvals_disabled';
  if (step.riskLevel === 'high') return undefined;
  const ac = prefs.alwaysConfirm;
  if (ac.actionTypes.includes(step.type)) return undefined;
  if (ac.emailSends && step.action === 'send_email') return undefined;
  if (ac.calendarWrites && step.action === 'create_event') return undefined;
  const aa = prefs.autoApprove;
  if (aa.lowRiskSteps && step.riskLevel === 'low') return 'autoApprove.lowRiskSteps';
  if (aa.actionTypes.includes(step.type)) return 'autoApprove.actionTypes';
  if (aa.specificActions.includes(step.action)) return 'autoApprove.specificActions';
  if (aa.maxStepsWithoutConfirmation > 0 && totalSteps <= aa.maxStepsWithoutConfirmation) return 'autoApprove.maxStepsWithoutConfirmation';
  return undefined;
}

/** DependencyMap entry per step that has dependencies (seed shape). */
export function dependencyMap(steps: ApprovalStep[]): DependencyMap {
  const map: DependencyMap = {};
  for (const s of steps) {
    if (s.dependencies.length === 0) continue;
    const deps = effectiveDeps(s);
    map[s.id] = {
      dependsOn: [...s.dependencies],
      reason: dependencyReason(deps.map((e) => ({ dep: steps.find((x) => x.id === e.stepId), field: e.field }))),
      isBlocking: deps.some((e) => e.effect === 'blocks'),
    };
  }
  return map;
}

/**
 * Validate a plan (catalog, params, graph, limits) and build the stored draft (SPEC §6.1),
 * applying auto-approval preferences (§6.9). Version starts at 1. Events: [WORKFLOW_DRAFT].
 * If nothing waits on the user (approvals disabled, or everything auto-approved), execution
 * starts at once: `enqueue` holds the ready steps and the plan is `running`.
 * Throws ProtocolError `invalid_plan` / `limit_exceeded` (`invalid_message` for prototype keys).
 */
export function buildDraft(plan: PlanInput, ctx: DraftContext): Transition {
  validatePlanSteps(plan.steps, ctx.limits);
  const inputs = clone(plan.steps);
  const desc = inputs.map((s) => ({ id: s.id, action: s.action, params: s.params ?? {}, description: s.description }));
  const steps: ApprovalStep[] = inputs.map((s, i) => {
    const info = actionInfo(s.action);
    const params = s.params ?? {};
    const step: ApprovalStep = {
      id: s.id,
      type: s.type,
      action: s.action,
      params,
      description: s.description,
      state: 'pending',
      order: i + 1,
      approvalStatus: 'draft_pending',
      riskLevel: riskLevelOf(s.action),
      userFriendlyDescription: userFriendlyDescription(desc[i]!, desc),
      expectedOutcome: expectedOutcome(desc[i]!, desc),
      estimatedTime: formatSeconds(info.seconds),
      requiredPermissions: [...info.permissions],
      dependencies: dependencyIds({ id: s.id, params, dependsOn: s.dependsOn, requires: s.requires }),
      isModified: false,
      run: 0,
    };
    if (s.dependsOn !== undefined) step.dependsOn = s.dependsOn;
    if (s.requires !== undefined) step.requires = s.requires;
    return step;
  });
  const permissions = ctx.permissions ?? DEFAULT_PERMISSIONS;
  const second = permissions.requiresSecondaryApproval;
  for (const s of steps) {
    if (second.stepTypes.includes(s.type)) s.secondApproval = { approverRole: second.approverRole };
    // Preferences approve for the owner, so never beyond what the owner may approve, and never
    // instead of another user's second approval (SPEC §6.10; approvals switched off included).
    const rule = permissions.canApproveSteps.includes(s.type) ? autoApprovalRule(s, ctx.preferences, steps.length) : undefined;
    if (rule !== undefined) {
      s.approvalStatus = ownerApprovalStatus(s);
      s.autoApprovedBy = rule;
    }
  }
  const risks: Risk[] = steps
    .filter((s) => s.riskLevel !== 'low')
    .map((s) => ({ stepId: s.id, level: s.riskLevel, description: actionInfo(s.action).riskText ?? `${s.userFriendlyDescription} (${s.riskLevel} risk)` }));
  const draft: WorkflowDraft = {
    sessionId: ctx.sessionId,
    userId: ctx.userId,
    phoneNumber: ctx.phoneNumber ?? '',
    entities: [],
    version: 0,
    mode: ctx.mode,
    originalMessage: plan.originalMessage ?? '',
    summary: plan.summary?.trim() ? plan.summary : summaryOf(steps),
    isMultiStep: steps.length > 1,
    currentStepIndex: 0,
    state: 'created',
    approvalStatus: 'draft_pending',
    steps,
    totalSteps: steps.length,
    dependencies: dependencyMap(steps),
    estimatedDuration: formatDuration(steps.reduce((sum, s) => sum + actionInfo(s.action).seconds, 0)),
    risks,
    approvedSteps: [],
    rejectedSteps: [],
    conflicts: [],
    createdAt: ctx.now,
    lastInteraction: ctx.now,
    expiresAt: ctx.now + ctx.draftTtlMs,
    executionContext: {
      entityId: ctx.userId,
      phoneNumber: ctx.phoneNumber ?? '',
      userTimezone: ctx.timezone,
      stepResults: {},
      currentStepIndex: 0,
      planState: 'created',
      entities: [],
      sessionId: ctx.sessionId,
    },
  };
  if (ctx.localDatetime !== undefined) draft.executionContext.localDatetime = ctx.localDatetime;
  // Kept only when it differs from the defaults: most drafts stay as small as before.
  if (ctx.permissions && JSON.stringify(ctx.permissions) !== JSON.stringify(DEFAULT_PERMISSIONS)) draft.permissions = clone(ctx.permissions);
  const w: Work = { d: draft, readyBefore: [], stateBefore: 'created', now: ctx.now, fx: newEffects() };
  const t = finishWork(w, { lead: () => [{ type: 'WORKFLOW_DRAFT', payload: toDraftPayload(w.d) }] });
  // The draft announcement carries the state; a separate snapshot is only needed for a terminal one.
  t.events = t.events.filter((e) => e.type !== 'WORKFLOW_STATUS' || isFinished(t.draft));
  t.ack = { sessionId: t.draft.sessionId, version: t.draft.version };
  return t;
}
