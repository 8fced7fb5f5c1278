import type { ActionName, ResolvedParams } from '@wfa/protocol';
import type { Workspace } from './workspace';

export interface HandlerContext {
  userId: string;
  sessionId: string;
  stepId: string;
  /** `${sessionId}:${stepId}`: the same for every redelivery of the step; every side effect must be idempotent under it. */
  idempotencyKey: string;
  /** IANA time zone of the user; working hours and "next full hour" are computed in it. */
  timezone: string;
  now: () => number;
  /** The user's built-in workspace. */
  workspace: Workspace;
  reportProgress: (progress: number, message: string) => Promise<void>;
}

export type HandlerOutcome =
  | { kind: 'completed'; data: unknown; message: string }
  | {
      kind: 'intervention';
      reason: string;
      options: string[];
      entityToResolve?: { type: string; value: string };
    };

export type StepHandler<A extends ActionName> = (params: ResolvedParams<A>, ctx: HandlerContext) => Promise<HandlerOutcome>;

/** Exhaustive over the catalog: adding an action without a handler is a compile error. */
export type HandlerMap = { [A in ActionName]: StepHandler<A> };

/** Undo of a completed step's effect for rollback (SPEC §6.7). Must be idempotent: rollback may be retried. */
export type Compensation = (data: unknown, ctx: HandlerContext) => Promise<void>;

/** Retrying cannot fix it (bad params, no such task, corrupt record): the worker fails the step without retries. */
export class PermanentStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentStepError';
  }
}

export function completed(data: unknown, message: string): HandlerOutcome {
  return { kind: 'completed', data, message };
}

/**
 * `ResolvedParams` is typed as if a field could still hold a `{{template}}` string (the catalog
 * builds both schema sets with one generic function), though the resolved schemas reject them at
 * runtime. These narrow such fields back, failing for good should a template ever slip through.
 */
export function resolvedNumber(value: number | string | undefined, field: string): number | undefined {
  if (typeof value === 'string') throw new PermanentStepError(`${field} is an unresolved template: ${value}`);
  return value;
}

export function resolvedList(value: string[] | string | undefined, field: string): string[] | undefined {
  if (typeof value === 'string') throw new PermanentStepError(`${field} is an unresolved template: ${value}`);
  return value;
}
