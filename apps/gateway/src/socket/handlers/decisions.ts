import { ProtocolError } from '@wfa/protocol';
import { applyApproval, applyEdit, resolveConflict } from '@wfa/domain';
import type { MessageHandler } from '../context';
import { actorOf, decide } from './effects';

export const onWorkflowApproval: MessageHandler<'WORKFLOW_APPROVAL'> = (ctx, payload) =>
  decide(ctx, (draft) => applyApproval(draft, payload, actorOf(ctx), ctx.deps.now()));

export const onWorkflowEdit: MessageHandler<'WORKFLOW_EDIT'> = (ctx, payload) =>
  decide(ctx, (draft) => applyEdit(draft, payload, actorOf(ctx), ctx.deps.now()));

export const onConflictResolution: MessageHandler<'CONFLICT_RESOLUTION'> = (ctx, payload) =>
  decide(ctx, (draft) => resolveConflict(draft, payload, actorOf(ctx), ctx.deps.now()));

export const onInterventionResponse: MessageHandler<'INTERVENTION_RESPONSE'> = (ctx) =>
  decide(ctx, () => {
    throw new ProtocolError('invalid_state', 'no intervention is waiting on this workflow');
  });

export const onFailureResolution: MessageHandler<'FAILURE_RESOLUTION'> = (ctx) =>
  decide(ctx, () => {
    throw new ProtocolError('invalid_state', 'no failure is waiting on this workflow');
  });
