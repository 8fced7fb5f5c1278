import { isFinished, type Transition } from '@wfa/domain';
import type { StepQueue } from '@wfa/queue';
import type { WorkflowStore } from '@wfa/store';

/** After a committed change: remove what must not run, enqueue what became ready, tidy the index. */
export async function carryOut(deps: { steps: StepQueue; store: WorkflowStore }, t: Transition): Promise<void> {
  const sid = t.draft.sessionId;
  if (t.cancel.length) await deps.steps.remove(sid, t.cancel);
  if (t.enqueue.length) await deps.steps.enqueue(sid, t.enqueue);
  if (isFinished(t.draft)) {
    await deps.store.removeFromUserIndex(t.draft.userId, sid);
    await deps.store.markInactive(sid);
  }
}
