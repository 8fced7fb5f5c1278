import { z } from 'zod';
import { ActionTypeSchema, type ActionType } from './enums';

/**
 * A role name an approver holds (a JWT `roles` entry). Letters, digits and `_ . : -` only: it
 * names a Redis key (the role's index of plans awaiting it), and braces would be a hash tag.
 */
export const RoleNameSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a role is 1-64 letters, digits or _ . : -');

/** A param name in `canModifyParams`, or `*` for every param. */
const ParamNameSchema = z.string().regex(/^(\*|[A-Za-z_][A-Za-z0-9_]{0,63})$/, 'a param name, or * for all');

/**
 * The seed's `ApprovalPermissions` (SPEC §6.10), per user, set by an operator (the admin HTTP API):
 * which step types the user may approve, which params they may modify (`*`: all), whether they may
 * skip a step that others cannot run without, and which step types also need a second approval by
 * another user holding `approverRole`. A plan takes its owner's permissions when it is drafted.
 */
export const ApprovalPermissionsSchema = z.strictObject({
  canApproveSteps: z.array(ActionTypeSchema).max(ActionTypeSchema.options.length),
  canModifyParams: z.array(ParamNameSchema).max(100),
  canSkipMandatorySteps: z.boolean(),
  requiresSecondaryApproval: z.strictObject({
    stepTypes: z.array(ActionTypeSchema).max(ActionTypeSchema.options.length),
    approverRole: RoleNameSchema,
  }),
});
export type ApprovalPermissions = z.infer<typeof ApprovalPermissionsSchema>;

/** A user nobody configured may do everything a plan asks, alone (the behaviour before §6.10). */
export const DEFAULT_PERMISSIONS: ApprovalPermissions = Object.freeze({
  canApproveSteps: [...ActionTypeSchema.options] as ActionType[],
  canModifyParams: ['*'],
  canSkipMandatorySteps: true,
  requiresSecondaryApproval: Object.freeze({ stepTypes: [] as ActionType[], approverRole: 'approver' }),
}) as ApprovalPermissions;

/** A partial permissions object as the admin API takes it: every level optional, unknown keys refused. */
export const ApprovalPermissionsPatchSchema = z.strictObject({
  canApproveSteps: ApprovalPermissionsSchema.shape.canApproveSteps.optional(),
  canModifyParams: ApprovalPermissionsSchema.shape.canModifyParams.optional(),
  canSkipMandatorySteps: z.boolean().optional(),
  requiresSecondaryApproval: z
    .strictObject({
      stepTypes: ApprovalPermissionsSchema.shape.requiresSecondaryApproval.shape.stepTypes.optional(),
      approverRole: RoleNameSchema.optional(),
    })
    .optional(),
});
export type ApprovalPermissionsPatch = z.infer<typeof ApprovalPermissionsPatchSchema>;

/**
 * A step that needs a second approval (SPEC §6.10): the role that gives it, and once given, by whom
 * and when. The owner's approval first moves the step to `waiting_user_approval`.
 */
export const SecondApprovalSchema = z.object({
  approverRole: RoleNameSchema,
  approvedBy: z.string().optional(),
  approvedAt: z.number().optional(),
});
export type SecondApproval = z.infer<typeof SecondApprovalSchema>;
