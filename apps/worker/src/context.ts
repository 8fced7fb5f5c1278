/**
 * What the step and timer processors share: their dependencies, a mutation that treats a
 * workflow that is gone as "nothing to do", and the context a handler or compensation runs in.
 */
import type Redis from 'ioredis';
import type { WorkflowDraft } from '@wfa/protocol';
import type { AuditActor } from '@wfa/domain';
import type { StepQueue, TimerQueue } from '@wfa/queue';
import type { Logger } from '@wfa/runtime';
import type { Commit, Keys, WorkflowStore } from '@wfa/store';
import { Workspace, type HandlerContext } from './handlers';

export interface ProcessorDeps {
  store: WorkflowStore;
  steps: StepQueue;
  timers: TimerQueue;
  /** Command connection the built-in workspace lives on. */
  redis: Redis;
  keys: Keys;
  logger: Logger;
  now: () => number;
}

/** `store.mutate`, or null when the workflow no longer exists (expired or deleted meanwhile). */
export function mutateIfPresent<T extends Commit>(store: WorkflowStore, sessionId: string, change: (draft: WorkflowDraft) => T | null, actor: AuditActor) {
  return store.mutate(sessionId, change, actor).catch((err: unknown) => {
    if ((err as { code?: string }).code === 'not_found') return null;
    throw err;
  });
}

/** A step's handler (or compensation) context: the user's workspace (refusing writes once `signal` aborts), time zone and the step's idempotency key. */
export function handlerContext(
  deps: Pick<ProcessorDeps, 'redis' | 'keys' | 'now'>,
  draft: WorkflowDraft,
  stepId: string,
  reportProgress: HandlerContext['reportProgress'] = async () => undefined,
  signal?: AbortSignal,
): HandlerContext {
  return {
    userId: draft.userId,
    sessionId: draft.sessionId,
    stepId,
    idempotencyKey: `${draft.sessionId}:${stepId}`,
    timezone: draft.executionContext.userTimezone,
    now: deps.now,
    workspace: new Workspace(deps.redis, deps.keys, draft.userId, signal),
    reportProgress,
  };
}
