import { z } from 'zod';
import { ApprovalPermissionsSchema, SecondApprovalSchema } from './permissions';
import { ErrorBodySchema } from './errors';
import {
  ApprovalActionSchema,
  ApprovalStateSchema,
  DependencyResolutionSchema,
  EditOperationSchema,
  ExecutionModeSchema,
  FailureActionSchema,
  PlanStateSchema,
  RiskLevelSchema,
  StepStateSchema,
  ActionTypeSchema,
} from './enums';
import {
  ActionStepInputSchema,
  ConflictOptionSchema,
  DependencyMapSchema,
  InterventionRequiredSchema,
  OpenConflictSchema,
  ParamsSchema,
  PartialFailureSchema,
  RiskSchema,
  RollbackSchema,
  SessionIdSchema,
  StepDependencySchema,
  StepIdSchema,
  StepResultSchema,
} from './model';
import { isRealIsoTime } from './iso-time';
import { ApprovalPreferencesPatchSchema, ApprovalPreferencesSchema } from './preferences';

const version = z.number().int().min(0);
const expectedVersion = { expectedVersion: version.optional() };
const reason = z.string().max(1000).optional();

// ---------------------------------------------------------------- client → server payloads

/** The user's local date-time (SPEC: times are ISO 8601), with or without an offset. */
const ISO_DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

export const UserMessagePayloadSchema = z.strictObject({
  message: z.string().min(1).max(4000),
  timezone: z.string().max(64).optional(),
  localDatetime: z
    .string()
    .max(64)
    .regex(ISO_DATE_TIME_RE, 'localDatetime is an ISO 8601 date-time, e.g. 2030-01-01T10:00:00')
    .refine(isRealIsoTime, 'localDatetime is not a real date-time')
    .optional(),
  mode: ExecutionModeSchema.optional(),
});

export const WorkflowSubmitPayloadSchema = z.strictObject({
  plan: z.strictObject({
    originalMessage: z.string().max(4000).optional(),
    summary: z.string().max(1000).optional(),
    // Only a sanity bound (the message size bounds it first): the step limit itself
    // (MAX_STEPS_PER_WORKFLOW, at most 500) is checked on the plan and answered limit_exceeded.
    steps: z.array(ActionStepInputSchema).min(1).max(10_000),
  }),
  mode: ExecutionModeSchema.optional(),
});

export const WorkflowApprovalPayloadSchema = z.strictObject({
  action: ApprovalActionSchema,
  stepId: StepIdSchema.optional(),
  modifications: ParamsSchema.optional(),
  reason,
  ...expectedVersion,
});

export const StepEditSchema = z.strictObject({
  operation: EditOperationSchema,
  stepId: StepIdSchema,
  newParams: ParamsSchema.optional(),
  reason,
});

/** One edit (seed `WorkflowEditMessage`) or the seed's batch form (`DraftEdit.edits`), applied all-or-nothing. */
export const WorkflowEditPayloadSchema = z.union([
  z.strictObject({ ...StepEditSchema.shape, ...expectedVersion }),
  z.strictObject({ edits: z.array(StepEditSchema).min(1).max(100), ...expectedVersion }),
]);

export const ConflictResolutionPayloadSchema = z.strictObject({
  stepId: StepIdSchema,
  option: ConflictOptionSchema.shape.action,
  value: z.unknown().optional(),
  ...expectedVersion,
});

export const InterventionResponsePayloadSchema = z.strictObject({
  stepId: StepIdSchema,
  /**
   * `provide_value` (value becomes the step's result), `skip`, or `retry` (value: new params or a
   * new query); or one of the labels the intervention offered, read as one of these
   * (intervention-options.ts).
   */
  option: z.string().min(1).max(200),
  value: z.unknown().optional(),
  ...expectedVersion,
});

export const FailureResolutionPayloadSchema = z.strictObject({ action: FailureActionSchema, ...expectedVersion });

export const WorkflowSubscribePayloadSchema = z.strictObject({ lastEventId: z.string().max(64).optional() });
export const EmptyPayloadSchema = z.strictObject({});
/**
 * The whole log is verified; the answer carries its newest entries (at most `limit`, and about
 * 1 MiB), before `beforeSeq` when given, oldest first; `hasOlder` says whether more precede them.
 */
export const WorkflowAuditPayloadSchema = z.strictObject({
  beforeSeq: z.number().int().min(1).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});
export const PreferencesSetPayloadSchema = z.strictObject({ preferences: ApprovalPreferencesPatchSchema });

/** Client payload schema per message type; the envelope's `type` selects one. */
export const CLIENT_PAYLOADS = {
  USER_MESSAGE: UserMessagePayloadSchema,
  WORKFLOW_SUBMIT: WorkflowSubmitPayloadSchema,
  WORKFLOW_APPROVAL: WorkflowApprovalPayloadSchema,
  WORKFLOW_EDIT: WorkflowEditPayloadSchema,
  CONFLICT_RESOLUTION: ConflictResolutionPayloadSchema,
  INTERVENTION_RESPONSE: InterventionResponsePayloadSchema,
  FAILURE_RESOLUTION: FailureResolutionPayloadSchema,
  WORKFLOW_SUBSCRIBE: WorkflowSubscribePayloadSchema,
  WORKFLOW_LIST: EmptyPayloadSchema,
  PREFERENCES_GET: EmptyPayloadSchema,
  PREFERENCES_SET: PreferencesSetPayloadSchema,
  /** SPEC §6.11's verify call: the workflow's audit log and whether its chain holds. */
  WORKFLOW_AUDIT: WorkflowAuditPayloadSchema,
} as const;
export type ClientMessageType = keyof typeof CLIENT_PAYLOADS;
export type ClientPayload<T extends ClientMessageType> = z.infer<(typeof CLIENT_PAYLOADS)[T]>;
export const CLIENT_MESSAGE_TYPES = Object.keys(CLIENT_PAYLOADS) as ClientMessageType[];

/** Message types that name an existing workflow in `sessionId`. */
export const WORKFLOW_SCOPED_TYPES: readonly ClientMessageType[] = [
  'WORKFLOW_APPROVAL',
  'WORKFLOW_EDIT',
  'CONFLICT_RESOLUTION',
  'INTERVENTION_RESPONSE',
  'FAILURE_RESOLUTION',
  'WORKFLOW_SUBSCRIBE',
  'WORKFLOW_AUDIT',
];

/** The seed envelope as a client sends it; the payload is parsed separately per type. */
export const ClientEnvelopeSchema = z.strictObject({
  type: z.string(),
  sessionId: SessionIdSchema.optional(),
  payload: z.unknown(),
  /** Optional for clients (the server stamps its own); the seed's messages carry it. */
  timestamp: z.number().optional(),
  messageId: z.string().min(1).max(128).optional(),
});
export type ClientEnvelope = z.infer<typeof ClientEnvelopeSchema>;

// ---------------------------------------------------------------- server → client payloads

export const DraftStepViewSchema = z.object({
  id: z.string(),
  order: z.number(),
  description: z.string(),
  userFriendlyDescription: z.string(),
  type: ActionTypeSchema,
  action: z.string(),
  riskLevel: RiskLevelSchema,
  estimatedTime: z.string(),
  dependencies: z.array(z.string()),
  requires: z.array(StepDependencySchema).optional(),
  expectedOutcome: z.string(),
  state: StepStateSchema,
  approvalStatus: ApprovalStateSchema,
  params: ParamsSchema,
  isModified: z.boolean(),
  autoApprovedBy: z.string().optional(),
  decidedBy: z.literal('system').optional(),
  /** SPEC §6.10: the step also needs a second approval by a holder of `approverRole` (and who gave it, when). */
  secondApproval: SecondApprovalSchema.optional(),
  rejectionReason: z.string().optional(),
});

export const WorkflowDraftPayloadSchema = z.object({
  /** Whose plan it is (a second approver's sockets receive other users' drafts, SPEC §6.10). */
  userId: z.string().optional(),
  /** The owner's permissions the plan took (SPEC §6.10), when they are not the defaults. */
  permissions: ApprovalPermissionsSchema.optional(),
  originalMessage: z.string(),
  summary: z.string(),
  totalSteps: z.number(),
  estimatedDuration: z.string(),
  planState: PlanStateSchema,
  approvalStatus: ApprovalStateSchema,
  mode: ExecutionModeSchema,
  version,
  steps: z.array(DraftStepViewSchema),
  dependencies: DependencyMapSchema,
  risks: z.array(RiskSchema),
  expiresAt: z.number().optional(),
});

export const StepExecutionPayloadSchema = z.object({
  stepId: z.string(),
  status: StepStateSchema,
  progress: z.number().min(0).max(100).optional(),
  message: z.string(),
  result: StepResultSchema.optional(),
  nextStepId: z.string().optional(),
  interventionRequired: InterventionRequiredSchema.optional(),
  partialFailure: PartialFailureSchema.optional(),
  /** The workflow's version after the change that logged this event; none on a progress report (it changes no version). */
  version: version.optional(),
});

export const DependencyImpactSchema = z.object({
  stepId: z.string(),
  impact: z.enum(['will_use_fallback', 'needs_review', 'will_be_skipped', 'will_wait', 'will_ask_user', 'value_dropped', 'unaffected']),
  message: z.string(),
});
export type DependencyImpact = z.infer<typeof DependencyImpactSchema>;

export const ValidationResultSchema = z.object({
  isValid: z.boolean(),
  errors: z.array(z.string()),
  warnings: z.array(z.string()),
});
export type ValidationResult = z.infer<typeof ValidationResultSchema>;

export const EditResultPayloadSchema = z.object({
  success: z.boolean(),
  error: z.string().optional(),
  updatedStep: z.record(z.string(), z.unknown()).optional(),
  updatedSteps: z.array(z.record(z.string(), z.unknown())).optional(),
  dependencyImpacts: z.array(DependencyImpactSchema).optional(),
  validationResult: ValidationResultSchema.optional(),
  version: version.optional(),
});

export const DependencyConflictPayloadSchema = z.object({
  conflictType: z.enum(['missing_dependency', 'modified_dependency']),
  /** The step whose rejection/skip/failure/timeout caused the conflict (seed "rejection chain" shape). */
  rejectedStep: z.string().optional(),
  /** Seed Scenario 1 shape, when exactly one step is blocked. */
  blockedStep: z.string().optional(),
  missingDependency: z.string().optional(),
  affectedSteps: z.array(z.object({ stepId: z.string(), issue: z.string(), resolution: DependencyResolutionSchema })),
  options: z.array(ConflictOptionSchema),
  autoResolution: DependencyResolutionSchema.optional(),
  /** The workflow's version after the change that raised the conflict. */
  version: version.optional(),
});

export const StepStatusViewSchema = z.object({
  id: z.string(),
  state: StepStateSchema,
  approvalStatus: ApprovalStateSchema,
  result: StepResultSchema.optional(),
  /** Who decided, when it was not the user: the rule (SPEC §6.9) or the approval timeout's default action. */
  autoApprovedBy: z.string().optional(),
  rejectionReason: z.string().optional(),
  decidedBy: z.literal('system').optional(),
  /** SPEC §6.10: the step also needs a second approval by a holder of `approverRole` (and who gave it, when). */
  secondApproval: SecondApprovalSchema.optional(),
  /** Values standing in for a lost dependency's result (a conflict answered with a value, a fallback), by dependency step id. */
  providedValues: z.record(z.string(), z.unknown()).optional(),
});

export const WorkflowStatusPayloadSchema = z.object({
  planState: PlanStateSchema,
  approvalStatus: ApprovalStateSchema,
  version,
  steps: z.array(StepStatusViewSchema),
  conflicts: z.array(OpenConflictSchema).optional(),
  partialFailure: PartialFailureSchema.optional(),
  expiresAt: z.number().optional(),
  /** The draft's approval window ran out (the timeout's default action was applied). */
  expired: z.literal(true).optional(),
  /** A requested or finished rollback_all, with its report once done. */
  rollback: RollbackSchema.optional(),
  /** On a subscribe's snapshot: the id of the last logged event the snapshot reflects. */
  asOfEventId: z.string().optional(),
});

export const WorkflowReminderPayloadSchema = z.object({ expiresAt: z.number(), pendingStepIds: z.array(z.string()) });

export const SERVER_PAYLOADS = {
  WORKFLOW_DRAFT: WorkflowDraftPayloadSchema,
  STEP_EXECUTION: StepExecutionPayloadSchema,
  EDIT_RESULT: EditResultPayloadSchema,
  DEPENDENCY_CONFLICT: DependencyConflictPayloadSchema,
  WORKFLOW_STATUS: WorkflowStatusPayloadSchema,
  WORKFLOW_REMINDER: WorkflowReminderPayloadSchema,
} as const;
export type ServerMessageType = keyof typeof SERVER_PAYLOADS;
export type ServerPayload<T extends ServerMessageType> = z.infer<(typeof SERVER_PAYLOADS)[T]>;

/** A server event before it is logged: the domain produces these. */
export type WorkflowEvent = { [T in ServerMessageType]: { type: T; payload: ServerPayload<T> } }[ServerMessageType];

/** A server envelope as delivered: `eventId` is the id of the event in the workflow's durable log. */
export const ServerEnvelopeSchema = z.object({
  type: z.enum(Object.keys(SERVER_PAYLOADS) as [ServerMessageType, ...ServerMessageType[]]),
  sessionId: z.string(),
  eventId: z.string(),
  payload: z.unknown(),
  timestamp: z.number(),
});
export type ServerEnvelope<T extends ServerMessageType = ServerMessageType> = {
  type: T;
  sessionId: string;
  eventId: string;
  payload: ServerPayload<T>;
  timestamp: number;
};

// ---------------------------------------------------------------- acknowledgements

export const WorkflowSummarySchema = z.object({
  sessionId: z.string(),
  summary: z.string(),
  originalMessage: z.string(),
  planState: PlanStateSchema,
  approvalStatus: ApprovalStateSchema,
  version,
  createdAt: z.number(),
  expiresAt: z.number().optional(),
  pendingStepIds: z.array(z.string()),
  conflicts: z.array(z.string()),
  interventions: z.array(z.string()),
  failedStepIds: z.array(z.string()),
  /** The owner's user id (an approver's list holds other users' plans). */
  userId: z.string(),
  /** Steps the owner approved that wait for a second approval (SPEC §6.10). */
  awaitingSecondApproval: z.array(z.string()),
});
export type WorkflowSummary = z.infer<typeof WorkflowSummarySchema>;

export type AckOk = { ok: true } & Record<string, unknown>;
export type AckError = { ok: false; error: z.infer<typeof ErrorBodySchema> };
export type Ack = AckOk | AckError;
export type AckCallback = (ack: Ack) => void;

/** socket.io event maps derived from the catalogs: a missing or misspelt handler is a compile error. */
export type ClientToServerEvents = {
  [T in ClientMessageType]: (envelope: unknown, ack?: AckCallback) => void;
};
export type ServerToClientEvents = {
  [T in ServerMessageType]: (envelope: ServerEnvelope<T>) => void;
} & { ERROR: (envelope: { type: 'ERROR'; payload: z.infer<typeof ErrorBodySchema>; timestamp: number }) => void };

export { ApprovalPreferencesSchema };
