import type { WorkflowDraft } from '@wfa/protocol';
import type { StepJobRef, StepOutcome, StepStart, Transition } from './api';

/**
 * The worker may run (stepId, run) only if this returns non-null (fail closed).
 * Already running with this run (a redelivered job): transition is null, params given.
 */
export function beginStep(_d: WorkflowDraft, _stepId: string, _run: number, _now: number): { transition: Transition | null; params: Record<string, unknown> } | null {
  throw new Error('not implemented');
}
export function finishStep(_d: WorkflowDraft, _stepId: string, _run: number, _o: StepOutcome, _now: number): Transition | null {
  throw new Error('not implemented');
}
export function reportProgress(_d: WorkflowDraft, _stepId: string, _run: number, _progress: number, _message: string, _now: number): Transition | null {
  throw new Error('not implemented');
}
/** Steps that should have a job now (approved, deps done, workflow running); for reconciliation. */
export function readyToRun(_d: WorkflowDraft): StepJobRef[] {
  throw new Error('not implemented');
}
export type { StepStart };
