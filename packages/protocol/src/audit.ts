import { z } from 'zod';
import { ApprovalStateSchema, PlanStateSchema, StepStateSchema } from './enums';

/**
 * SPEC §6.11: the audit trail. The seed's `AuditTrail` (userId, action, stepId, timestamp,
 * ipAddress, userAgent, reason) plus what a reviewer needs to read one entry on its own: the
 * workflow and its version after the change, who acted (a user or the system), what asked for the
 * change (`cause`), and the step (or plan) before and after it, params included. Each entry is
 * chained to the one before it by `prevHash`, and the draft keeps the chain's head (count and last
 * hash), so an edited, dropped, reordered or cut-off entry is found by the verify call.
 */
export const AUDIT_ACTIONS = [
  // the seed's four decisions
  'approved',
  'rejected',
  'modified',
  'skipped',
  // and every other change of state
  'created',
  'state_changed',
  'plan_state_changed',
  'changed',
  // rollback_all, per completed step
  'compensated',
  'not_compensated',
] as const;
export const AuditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditActionSchema>;

export const AuditStepSnapshotSchema = z.strictObject({
  state: StepStateSchema,
  approvalStatus: ApprovalStateSchema,
  /** Always in `after`; in `before` only when the change modified them (a step's params are otherwise `after`'s). */
  params: z.record(z.string(), z.unknown()).optional(),
  /** Values the user provided for missing dependencies (a conflict answer), by dependency id. */
  providedValues: z.record(z.string(), z.unknown()).optional(),
  /** What the step did, once it finished (the seed's StepResult: success, message, data or error). */
  result: z.record(z.string(), z.unknown()).optional(),
});
export type AuditStepSnapshot = z.infer<typeof AuditStepSnapshotSchema>;

export const AuditPlanSnapshotSchema = z.strictObject({
  planState: PlanStateSchema,
  approvalStatus: ApprovalStateSchema,
});
export type AuditPlanSnapshot = z.infer<typeof AuditPlanSnapshotSchema>;

const SnapshotSchema = z.union([AuditStepSnapshotSchema, AuditPlanSnapshotSchema]);

/** `sha256`: a plain hash chain; `hmac-sha256`: keyed with AUDIT_KEY, so only a holder of the key can rebuild it. */
export const AuditAlgSchema = z.enum(['sha256', 'hmac-sha256']);
export type AuditAlg = z.infer<typeof AuditAlgSchema>;

/** One entry as the domain derives it from a change, before it is numbered and chained. */
export const AuditRecordSchema = z.strictObject({
  userId: z.string(),
  actorKind: z.enum(['user', 'system']),
  action: AuditActionSchema,
  stepId: z.string().optional(),
  timestamp: z.number(),
  ipAddress: z.string(),
  userAgent: z.string(),
  reason: z.string().optional(),
  /** What asked for the change: a client message ("WORKFLOW_APPROVAL approve_all") or a system event ("step finished"). */
  cause: z.string(),
  /** The step (or, without stepId, the plan) before the change; null when it did not exist yet. */
  before: SnapshotSchema.nullable(),
  after: SnapshotSchema,
});
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

export const AuditEntrySchema = AuditRecordSchema.extend({
  /** 1, 2, 3... in the order the changes were committed. */
  seq: z.number().int().min(1),
  sessionId: z.string(),
  /** The workflow's version once this change was committed. */
  version: z.number().int().min(0),
  alg: AuditAlgSchema,
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/**
 * Kept in the draft and written in the same compare-and-set as the entries: a cut-off tail shows.
 * `seal` is the hash (with `alg`, keyed under AUDIT_KEY) of the session, count, last hash and the
 * workflow's version, so the head itself cannot be rewritten to match a shortened log.
 */
export const AuditHeadSchema = z.strictObject({
  count: z.number().int().min(0),
  hash: z.string(),
  alg: AuditAlgSchema.optional(),
  seal: z.string().optional(),
});
export type AuditHead = z.infer<typeof AuditHeadSchema>;

/** The verify call's answer. `problem` names the first entry found wrong (1-based position in the log). */
export const AuditVerificationSchema = z.object({
  valid: z.boolean(),
  count: z.number().int(),
  keyed: z.boolean(),
  problem: z
    .object({
      /** `tampered`: the log or its head does not hold together; `unverifiable`: this process lacks the key to check it. */
      code: z.enum(['tampered', 'unverifiable']),
      /** 1-based place in the log of the first entry found wrong. */
      position: z.number().int().optional(),
      /** That entry's own `seq`, when it could be read. */
      seq: z.number().int().optional(),
      reason: z.string(),
    })
    .optional(),
});
export type AuditVerification = z.infer<typeof AuditVerificationSchema>;
