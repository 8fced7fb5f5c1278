import { isFinished, type StepJobRef, type Transition } from '@wfa/domain';
import type { WorkflowStore } from './workflow-store';

/** The step queue as a committed change needs it (StepQueue in @wfa/queue). */
export interface StepJobs {
  remove(sessionId: string, refs: readonly StepJobRef[]): Promise<void>;
  enqueue(sessionId: string, refs: readonly StepJobRef[]): Promise<void>;
}

/**
 * After a committed change, in the gateway and the worker alike: remove the jobs that must not
 * run, enqueue what became ready, and once the workflow is finished drop it from the owner's
 * index (into its recently finished list) and from the sweep's set.
 */
export async function carryOut(deps: { steps: StepJobs; store: WorkflowStore }, t: Transition): Promise<void> {
  const sid = t.draft.sessionId;
  if (t.cancel.length) await deps.steps.remove(sid, t.cancel);
  await deps.steps.enqueue(sid, t.enqueue);
  // Approvers find the workflows that wait for their role (SPEC §6.10); a no-op for all others.
  await deps.store.roles.sync(t.draft);
  if (isFinished(t.draft)) {
    // Independent of each other: sent together, they share one round trip.
    await Promise.all([deps.store.retireFromUserIndex(t.draft.userId, sid), deps.store.markInactive(sid)]);
  }
}
