import { z } from 'zod';
import { SessionIdSchema, StepIdSchema } from './model';
import { ServerEnvelopeSchema } from './messages';

/** BullMQ job catalog: each job name with its versioned data schema (parsed in the worker). */
export const JOB_CATALOG = {
  'step.run': z.strictObject({ v: z.literal(1), sessionId: SessionIdSchema, stepId: StepIdSchema, run: z.number().int().min(0) }),
  'workflow.timer': z.strictObject({
    v: z.literal(1),
    sessionId: SessionIdSchema,
    kind: z.enum(['reminder', 'expire', 'intervention_timeout', 'rollback', 'retire']),
    /** For reminders: which interval; for intervention timeouts: which step and run. */
    index: z.number().int().min(0).optional(),
    stepId: StepIdSchema.optional(),
    run: z.number().int().min(0).optional(),
    /** For `retire`: whose index the workflow leaves once its records are gone. */
    userId: z.string().min(1).max(256).optional(),
  }),
} as const;
export type JobName = keyof typeof JOB_CATALOG;
export type JobData<N extends JobName> = z.infer<(typeof JOB_CATALOG)[N]>;

/** What travels on the pub/sub channel: an already-logged event, addressed to its owner. */
export const RelayMessageSchema = z.object({
  v: z.literal(1),
  userId: z.string(),
  /** Other users entitled to the workflow's events (second approvers). */
  watchers: z.array(z.string()).optional(),
  /** Roles whose holders may see the workflow: it has steps that need their second approval (SPEC §6.10). */
  watcherRoles: z.array(z.string()).optional(),
  envelope: ServerEnvelopeSchema,
});
export type RelayMessage = z.infer<typeof RelayMessageSchema>;
