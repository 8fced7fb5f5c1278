import { z } from 'zod';

/** Seed `StepState`, plus `skipped` (SPEC §6.2: a skipped step is not run). */
export const StepStateSchema = z.enum([
  'pending',
  'running',
  'completed',
  'failed',
  'waiting_intervention',
  'timeout',
  'skipped',
]);
export type StepState = z.infer<typeof StepStateSchema>;

/** Seed `PlanState`, plus `cancelled` (SPEC §6.5: a workflow ends completed, failed or cancelled). */
export const PlanStateSchema = z.enum(['created', 'running', 'waiting_intervention', 'completed', 'failed', 'cancelled']);
export type PlanState = z.infer<typeof PlanStateSchema>;

export const ApprovalStateSchema = z.enum([
  'draft_pending',
  'step_approved',
  'step_rejected',
  'step_modified',
  'waiting_user_approval',
  'user_cancelled',
]);
export type ApprovalState = z.infer<typeof ApprovalStateSchema>;

export const RiskLevelSchema = z.enum(['low', 'medium', 'high']);
export type RiskLevel = z.infer<typeof RiskLevelSchema>;

export const ActionTypeSchema = z.enum(['calendar', 'task', 'contact', 'analysis', 'email', 'system']);
export type ActionType = z.infer<typeof ActionTypeSchema>;

export const DependencyEffectSchema = z.enum(['blocks', 'enhances', 'optional']);
export type DependencyEffect = z.infer<typeof DependencyEffectSchema>;

export const DependencyResolutionSchema = z.enum(['wait', 'skip', 'fallback', 'ask_user']);
export type DependencyResolution = z.infer<typeof DependencyResolutionSchema>;

/** Seed `EditOperation`, plus `restore_params` (undo of a modification, issue 3). */
export const EditOperationSchema = z.enum(['modify_params', 'skip_step', 'approve_step', 'reject_step', 'restore_params']);
export type EditOperation = z.infer<typeof EditOperationSchema>;

export const ApprovalActionSchema = z.enum(['approve_all', 'approve_step', 'reject_step', 'modify_step', 'cancel_all']);
export type ApprovalAction = z.infer<typeof ApprovalActionSchema>;

export const ExecutionModeSchema = z.enum(['review_all', 'step_by_step']);
export type ExecutionMode = z.infer<typeof ExecutionModeSchema>;

export const FailureActionSchema = z.enum(['retry_failed', 'skip_failed', 'rollback_all', 'continue_remaining']);
export type FailureAction = z.infer<typeof FailureActionSchema>;

/** Terminal step states: a step in one of these never changes again (except by an explicit retry). */
export const TERMINAL_STEP_STATES: readonly StepState[] = ['completed', 'failed', 'timeout', 'skipped'];
export const TERMINAL_PLAN_STATES: readonly PlanState[] = ['completed', 'failed', 'cancelled'];

/** For clients that hold a plan state as a plain string (the console). */
export function isTerminalPlanState(state: string): boolean {
  return (TERMINAL_PLAN_STATES as readonly string[]).includes(state);
}
