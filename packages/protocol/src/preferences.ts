import { z } from 'zod';
import { ALL_ACTIONS, type ActionName } from './catalog';
import { ActionTypeSchema, PlanStateSchema, StepStateSchema } from './enums';

/** Seed `ApprovalTimeout`; reminder intervals are ms after the draft was presented (SPEC §5). */
export const ApprovalTimeoutSchema = z.strictObject({
  timeoutMs: z.number().int().positive().max(30 * 24 * 3600 * 1000),
  defaultAction: z.enum(['auto_approve', 'auto_reject', 'save_draft']),
  reminderIntervals: z.array(z.number().int().positive()).max(20),
});
export type ApprovalTimeout = z.infer<typeof ApprovalTimeoutSchema>;

/** Seed `ApprovalPreferences` plus `timeout` and `approvalsEnabled` (SPEC §5). */
export const ApprovalPreferencesSchema = z.strictObject({
  autoApprove: z.strictObject({
    lowRiskSteps: z.boolean(),
    actionTypes: z.array(ActionTypeSchema),
    specificActions: z.array(z.string().max(64)).max(50),
    maxStepsWithoutConfirmation: z.number().int().min(0).max(1000),
  }),
  alwaysConfirm: z.strictObject({
    highRiskActions: z.boolean(),
    actionTypes: z.array(ActionTypeSchema),
    emailSends: z.boolean(),
    calendarWrites: z.boolean(),
  }),
  notifications: z.strictObject({
    stepStateChanges: z.array(StepStateSchema),
    planStateChanges: z.array(PlanStateSchema),
    interventionRequired: z.boolean(),
  }),
  timeout: ApprovalTimeoutSchema,
  approvalsEnabled: z.boolean(),
});
export type ApprovalPreferences = z.infer<typeof ApprovalPreferencesSchema>;

/**
 * A partial preferences object as PREFERENCES_SET takes it: every level optional, unknown keys
 * refused. `specificActions` names actions of the catalog (SPEC §7; the seed's calendar, task and
 * contact actions, and the email ones SPEC added). It is checked here, at the edge, and not on
 * stored records: one written before this check keeps its other preferences.
 */
export const ApprovalPreferencesPatchSchema = z.strictObject({
  autoApprove: ApprovalPreferencesSchema.shape.autoApprove
    .partial()
    .extend({ specificActions: z.array(z.enum(ALL_ACTIONS as [ActionName, ...ActionName[]])).max(50).optional() })
    .optional(),
  alwaysConfirm: ApprovalPreferencesSchema.shape.alwaysConfirm.partial().optional(),
  notifications: ApprovalPreferencesSchema.shape.notifications.partial().optional(),
  timeout: ApprovalTimeoutSchema.partial()
    .extend({
      // The same interval twice sent the same reminder twice; refused here, at the edge.
      reminderIntervals: ApprovalTimeoutSchema.shape.reminderIntervals
        .refine((xs) => new Set(xs).size === xs.length, 'reminderIntervals lists the same interval twice')
        .optional(),
    })
    .optional(),
  approvalsEnabled: z.boolean().optional(),
});
export type ApprovalPreferencesPatch = z.infer<typeof ApprovalPreferencesPatchSchema>;

export const DEFAULT_PREFERENCES: ApprovalPreferences = {
  autoApprove: { lowRiskSteps: false, actionTypes: [], specificActions: [], maxStepsWithoutConfirmation: 0 },
  alwaysConfirm: { highRiskActions: true, actionTypes: [], emailSends: true, calendarWrites: false },
  notifications: {
    stepStateChanges: ['running', 'completed', 'failed', 'waiting_intervention', 'timeout', 'skipped'],
    planStateChanges: ['running', 'waiting_intervention', 'completed', 'failed', 'cancelled'],
    interventionRequired: true,
  },
  timeout: { timeoutMs: 2 * 3600 * 1000, defaultAction: 'save_draft', reminderIntervals: [] },
  approvalsEnabled: true,
};

/** Seed `ScalabilityLimits` with SPEC §6.12 defaults. */
export const ScalabilityLimitsSchema = z.object({
  maxStepsPerWorkflow: z.number().int().positive(),
  maxConcurrentWorkflowsPerUser: z.number().int().positive(),
  maxDependencyDepth: z.number().int().positive(),
  messagePayloadSizeLimit: z.number().int().positive(),
});
export type ScalabilityLimits = z.infer<typeof ScalabilityLimitsSchema>;

export const DEFAULT_LIMITS: ScalabilityLimits = {
  maxStepsPerWorkflow: 50,
  maxConcurrentWorkflowsPerUser: 20,
  maxDependencyDepth: 10,
  messagePayloadSizeLimit: 64 * 1024,
};
