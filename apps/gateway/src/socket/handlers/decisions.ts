import { applyApproval, applyEdit, resolveConflict, resolveFailure, respondToIntervention } from '@wfa/domain';
import type { MessageHandler } from '../context';
import { actorOf, decide } from './effects';

export const onWorkflowApproval: MessageHandler<'WORKFLOW_APPROVAL'> = (ctx, payload) =>
  decide(ctx, (draft) => applyApproval(draft, payload, actorOf(ctx), ctx.deps.now()));

export const onWorkflowEdit: MessageHandler<'WORKFLOW_EDIT'> = (ctx, payload) =>
  decide(ctx, (draft) => applyEdit(draft, payload, actorOf(ctx), ctx.deps.now()));

export const onConflictResolution: MessageHandler<'CONFLICT_RESOLUTION'> = (ctx, payload) =>
  decide(ctx, (draft) => resolveConflict(draft, payload, actorOf(ctx), ctx.deps.now()));

export const onInterventionResponse: MessageHandler<'INTERVENTION_RESPONSE'> = (ctx, payload) =>
  decide(ctx, (draft) => respondToIntervention(draft, payload, actorOf(ctx), ctx.deps.now()));

/** rollback_all is accepted here and carried out by a worker, where the compensations live. */
export const onFailureResolution: MessageHandler<'FAILURE_RESOLUTION'> = async (ctx, payload) => {
  // Marked active with the accepted decision (sent just before its commit), so should this process
  // die before scheduling the rollback, the sweep does it; a refused one marks nothing.
  const rollback = payload.action === 'rollback_all';
  const ack = await decide(ctx, (draft) => ({ ...resolveFailure(draft, payload, actorOf(ctx), ctx.deps.now()), markActive: rollback }));
  if (rollback) {
    await ctx.deps.timers.scheduleRollback(ctx.envelope.sessionId as string, Number(ack['version']), ctx.deps.now());
  }
  return ack;
};
