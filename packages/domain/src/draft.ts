import type { DraftContext, PlanInput, Transition } from './api';

/**
 * Validate a plan (catalog, params, graph, limits) and build the stored draft (SPEC §6.1),
 * applying auto-approval preferences (§6.9). Version starts at 1. Events: [WORKFLOW_DRAFT].
 * If nothing waits on the user (approvals disabled, or everything auto-approved), execution
 * starts at once: `enqueue` holds the ready steps and the plan is `running`.
 * Throws ProtocolError `invalid_plan` / `limit_exceeded`.
 */
export function buildDraft(_plan: PlanInput, _ctx: DraftContext): Transition {
  throw new Error('not implemented');
}
