import type { ClientPayload, WorkflowDraft } from '@wfa/protocol';
import type { Actor, Transition } from './api';

/** SPEC §6.2/§6.3: the five WORKFLOW_APPROVAL actions. Throws ProtocolError on refusal (nothing changes). */
export function applyApproval(_d: WorkflowDraft, _p: ClientPayload<'WORKFLOW_APPROVAL'>, _a: Actor, _now: number): Transition {
  throw new Error('not implemented');
}
/** Seed edit operations, single or batch (all-or-nothing); events include EDIT_RESULT. */
export function applyEdit(_d: WorkflowDraft, _p: ClientPayload<'WORKFLOW_EDIT'>, _a: Actor, _now: number): Transition {
  throw new Error('not implemented');
}
/** CONFLICT_RESOLUTION for the dependent step `stepId`. */
export function resolveConflict(_d: WorkflowDraft, _p: ClientPayload<'CONFLICT_RESOLUTION'>, _a: Actor, _now: number): Transition {
  throw new Error('not implemented');
}
