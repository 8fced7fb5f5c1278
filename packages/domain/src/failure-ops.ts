/**
 * Internal: the FAILURE_RESOLUTION operations on a Work, shared by the exported `skipFailed` /
 * `retryFailed` (execution.ts) and `resolveFailure` (failures.ts), each recording its answer in
 * the same transition. Not part of the public index.
 */
import { ProtocolError } from '@wfa/protocol';
import type { ClientPayload, WorkflowDraft } from '@wfa/protocol';
import type { Work } from './engine';
import { isTerminalState } from './util';

type FailureAction = ClientPayload<'FAILURE_RESOLUTION'>['action'];

/** Record the answer to the open failure (audit; also how the engine knows it was answered). */
export function recordAnswer(w: Work, action: FailureAction, by: string): void {
  const stepId = w.d.partialFailure!.failedStep;
  w.d.failureResolutions = [...(w.d.failureResolutions ?? []), { stepId, action, at: w.now, by }];
}

export function assertPausedOnFailure(d: WorkflowDraft): void {
  const live = d.state === 'running' || d.state === 'waiting_intervention';
  if (!live || d.partialFailure === undefined || d.rollback) {
    throw new ProtocolError('invalid_state', 'This workflow is not waiting on a failed step', { planState: d.state });
  }
}

/** skip_failed: the failure is released; dependents of the failed step follow their own rules. */
export function releaseFailure(w: Work): void {
  delete w.d.partialFailure;
}

/** retry_failed: the failed step runs again under a new run (a new job id). */
export function retryFailure(w: Work): void {
  const failed = w.d.partialFailure?.failedStep;
  for (const s of w.d.steps) {
    if (s.id !== failed || !isTerminalState(s)) continue;
    s.state = 'pending';
    s.run += 1;
    delete s.result;
    delete s.finishedAt;
    delete s.startedAt;
  }
  delete w.d.partialFailure;
}
