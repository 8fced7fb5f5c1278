import { z } from 'zod';
import {
  ActionTypeSchema,
  ApprovalStateSchema,
  DependencyEffectSchema,
  DependencyResolutionSchema,
  ExecutionModeSchema,
  FailureActionSchema,
  PlanStateSchema,
  RiskLevelSchema,
  StepStateSchema,
} from './enums';
import { AuditHeadSchema } from './audit';
import { ApprovalPermissionsSchema, SecondApprovalSchema } from './permissions';

/** Step ids appear in job ids, Redis keys and templates, so they are restricted to a safe alphabet. */
export const StepIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'step ids are 1-64 characters of A-Z a-z 0-9 _ -');
export const SessionIdSchema = z.string().regex(/^wf_[A-Za-z0-9_-]{4,64}$/, 'session ids look like wf_<id>');

/** A JSON-ish params object; keys are checked per action by the catalog. */
export const ParamsSchema = z.record(z.string(), z.unknown());
export type Params = Record<string, unknown>;

/** Seed "Complex Dependency Scenarios": run-time condition on another step's result. */
export const DependencyConditionSchema = z.strictObject({
  stepId: StepIdSchema,
  field: z.string().min(1).max(200),
  operator: z.enum(['equals', 'exists', 'greater_than']),
  value: z.unknown().optional(),
});
export type DependencyCondition = z.infer<typeof DependencyConditionSchema>;

/** Seed `StepDependency`, with the conditional and multi-field extensions. */
export const StepDependencySchema = z.strictObject({
  stepId: StepIdSchema,
  field: z.string().min(1).max(200).optional(),
  effect: DependencyEffectSchema,
  resolution: DependencyResolutionSchema,
  fallbackValue: z.unknown().optional(),
  condition: DependencyConditionSchema.optional(),
  requiredFields: z.array(z.string().min(1).max(200)).max(20).optional(),
  requireAll: z.boolean().optional(),
});
export type StepDependency = z.infer<typeof StepDependencySchema>;

/** Seed `ActionStep` as a client submits it. */
export const ActionStepInputSchema = z.strictObject({
  id: StepIdSchema,
  type: ActionTypeSchema,
  action: z.string().min(1).max(64),
  params: ParamsSchema.default({}),
  description: z.string().min(1).max(500),
  dependsOn: z.array(StepIdSchema).max(50).optional(),
  requires: z.array(StepDependencySchema).max(50).optional(),
});
export type ActionStepInput = z.infer<typeof ActionStepInputSchema>;

/** Seed `StepResult`. */
export const StepResultSchema = z.object({
  success: z.boolean(),
  data: z.unknown().optional(),
  message: z.string().optional(),
  error: z.string().optional(),
  stepId: z.string().optional(),
  description: z.string().optional(),
  state: StepStateSchema,
  timestamp: z.number(),
});
export type StepResult = z.infer<typeof StepResultSchema>;

/** Seed `DependencyMap` entry. */
export const DependencyMapEntrySchema = z.object({
  dependsOn: z.array(z.string()),
  reason: z.string(),
  isBlocking: z.boolean(),
});
export const DependencyMapSchema = z.record(z.string(), DependencyMapEntrySchema);
export type DependencyMap = z.infer<typeof DependencyMapSchema>;

export const RiskSchema = z.object({ stepId: z.string(), level: RiskLevelSchema, description: z.string() });
export type Risk = z.infer<typeof RiskSchema>;

/** Seed `UserInterventionParams` as used in the "Unknown Contact" scenario. */
export const UserInterventionParamsSchema = z.object({
  reason: z.string(),
  entityToResolve: z.object({ type: z.string(), value: z.string() }).optional(),
  timeout: z.number(),
  state: StepStateSchema,
  timestamp: z.number(),
});
export type UserInterventionParams = z.infer<typeof UserInterventionParamsSchema>;

export const InterventionRequiredSchema = z.object({
  reason: z.string(),
  options: z.array(z.string()),
  timeout: z.number(),
  params: UserInterventionParamsSchema,
});
export type InterventionRequired = z.infer<typeof InterventionRequiredSchema>;

/** Seed `ApprovalStep`, as stored and as presented. */
export const ApprovalStepSchema = z.object({
  id: StepIdSchema,
  type: ActionTypeSchema,
  action: z.string(),
  params: ParamsSchema,
  description: z.string(),
  dependsOn: z.array(z.string()).optional(),
  requires: z.array(StepDependencySchema).optional(),
  state: StepStateSchema,
  result: StepResultSchema.optional(),
  order: z.number().int(),
  approvalStatus: ApprovalStateSchema,
  riskLevel: RiskLevelSchema,
  userFriendlyDescription: z.string(),
  expectedOutcome: z.string(),
  estimatedTime: z.string(),
  requiredPermissions: z.array(z.string()),
  /** Step ids this step depends on (blocking or not), derived from dependsOn, requires and templates. */
  dependencies: z.array(z.string()),
  isModified: z.boolean(),
  originalParams: ParamsSchema.optional(),
  userModifications: ParamsSchema.optional(),
  rejectionReason: z.string().optional(),
  /** Which preference rule approved this step automatically, if one did (SPEC §6.9). */
  autoApprovedBy: z.string().optional(),
  /** Set when the system, not the user, made the step's current decision (the approval timeout's default action). */
  decidedBy: z.literal('system').optional(),
  /** SPEC §6.10: this step also needs another user's approval (its owner's permissions say so). */
  secondApproval: SecondApprovalSchema.optional(),
  /** Execution attempt generation: a retry or re-run increments it, so its job id is new. */
  run: z.number().int().min(0),
  progress: z.number().min(0).max(100).optional(),
  /** Values provided for dependencies (conflict resolution or fallback), keyed by dependency step id. */
  providedValues: z.record(z.string(), z.unknown()).optional(),
  /** Dependencies whose value was dropped (`skip` under enhances/optional). */
  droppedDependencies: z.array(z.string()).optional(),
  /** Set when a dependency rule skipped this step (`skip` under `blocks`): the lost dependency's id. Absent when the user skipped it. */
  skippedBy: z.string().optional(),
  interventionRequired: InterventionRequiredSchema.optional(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
});
export type ApprovalStep = z.infer<typeof ApprovalStepSchema>;

export const ConflictOptionSchema = z.object({
  action: z.enum(['provide_value', 'skip_dependent', 'reapprove_dependency', 'use_fallback']),
  description: z.string(),
  impact: z.string(),
});
export type ConflictOption = z.infer<typeof ConflictOptionSchema>;

/** An open dependency conflict waiting on the user (SPEC §6.4 `ask_user`). */
export const OpenConflictSchema = z.object({
  stepId: z.string(),
  missingDependency: z.string(),
  field: z.string().optional(),
  issue: z.string(),
  options: z.array(ConflictOptionSchema),
  raisedAt: z.number(),
});
export type OpenConflict = z.infer<typeof OpenConflictSchema>;

export const PartialFailureSchema = z.object({
  completedSteps: z.array(z.string()),
  failedStep: z.string(),
  remainingSteps: z.array(z.string()),
  userOptions: z.array(z.enum(['retry_failed', 'skip_failed', 'rollback_all', 'continue_remaining'])),
});
export type PartialFailure = z.infer<typeof PartialFailureSchema>;

/**
 * FAILURE_RESOLUTION rollback_all (SPEC §6.7): requested by the user, carried out by a worker
 * (compensations newest first), then reported: what was undone, and what could not be (by name).
 */
export const RollbackSchema = z.object({
  requestedAt: z.number(),
  status: z.enum(['requested', 'done']),
  compensated: z.array(z.string()).optional(),
  notCompensated: z.array(z.object({ stepId: z.string(), description: z.string(), reason: z.string() })).optional(),
});
export type Rollback = z.infer<typeof RollbackSchema>;

/** One answer to a paused failure, kept for the audit (and so `continue_remaining` ends the plan failed). */
export const FailureResolutionRecordSchema = z.object({
  stepId: z.string(),
  action: FailureActionSchema,
  at: z.number(),
  by: z.string(),
});
export type FailureResolutionRecord = z.infer<typeof FailureResolutionRecordSchema>;

export const ExecutionContextSchema = z.object({
  entityId: z.string(),
  phoneNumber: z.string(),
  userTimezone: z.string(),
  localDatetime: z.string().optional(),
  /** Seed `Map<string, any>`, stored as a plain object keyed by step id. */
  stepResults: z.record(z.string(), z.unknown()),
  currentStepIndex: z.number().int(),
  planState: PlanStateSchema,
  entities: z.array(z.unknown()),
  sessionId: z.string(),
});
export type ExecutionContext = z.infer<typeof ExecutionContextSchema>;

/** Seed `WorkflowDraft` (extends ActionPlan); Sets are stored as arrays. */
export const WorkflowDraftSchema = z.object({
  sessionId: SessionIdSchema,
  userId: z.string(),
  phoneNumber: z.string(),
  entities: z.array(z.unknown()),
  version: z.number().int().min(0),
  mode: ExecutionModeSchema,
  originalMessage: z.string(),
  summary: z.string(),
  isMultiStep: z.boolean(),
  currentStepIndex: z.number().int(),
  state: PlanStateSchema,
  approvalStatus: ApprovalStateSchema,
  steps: z.array(ApprovalStepSchema),
  totalSteps: z.number().int(),
  dependencies: DependencyMapSchema,
  estimatedDuration: z.string(),
  risks: z.array(RiskSchema),
  approvedSteps: z.array(z.string()),
  rejectedSteps: z.array(z.string()),
  conflicts: z.array(OpenConflictSchema),
  partialFailure: PartialFailureSchema.optional(),
  cancelReason: z.string().optional(),
  createdAt: z.number(),
  lastInteraction: z.number(),
  /** When the draft's approval window ends (SPEC §6.8). */
  expiresAt: z.number().optional(),
  /** When the approval window ran out and the timeout's default action was applied (SPEC §6.8). */
  expiredAt: z.number().optional(),
  failureResolutions: z.array(FailureResolutionRecordSchema).optional(),
  rollback: RollbackSchema.optional(),
  finishedAt: z.number().optional(),
  executionContext: ExecutionContextSchema,
  /** The audit log's head (SPEC §6.11), set by the store with every commit. */
  audit: AuditHeadSchema.optional(),
  /** The owner's permissions (SPEC §6.10) as they stood when the plan was drafted; absent: the defaults. */
  permissions: ApprovalPermissionsSchema.optional(),
});
export type WorkflowDraft = z.infer<typeof WorkflowDraftSchema>;
