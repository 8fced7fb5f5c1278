import type { ServerPayload, WorkflowDraft, WorkflowSummary } from '@wfa/protocol';

export function toDraftPayload(_d: WorkflowDraft): ServerPayload<'WORKFLOW_DRAFT'> {
  throw new Error('not implemented');
}
export function toStatusPayload(_d: WorkflowDraft): ServerPayload<'WORKFLOW_STATUS'> {
  throw new Error('not implemented');
}
export function toSummary(_d: WorkflowDraft): WorkflowSummary {
  throw new Error('not implemented');
}
export function isFinished(_d: WorkflowDraft): boolean {
  throw new Error('not implemented');
}
