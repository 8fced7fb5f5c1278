/**
 * The domain's public contract. Everything here is pure: given a workflow and an input,
 * return the next workflow and what the adapters must do. No I/O, no clock reads
 * (callers pass `now`), no randomness.
 */
import type {
  ActionStepInput,
  ApprovalPermissions,
  ApprovalPreferences,
  ExecutionMode,
  ScalabilityLimits,
  WorkflowDraft,
  WorkflowEvent,
} from '@wfa/protocol';

/** Who is acting: the owner, another user (approver role), or the system (timers, policies). */
export interface Actor {
  userId: string;
  roles: readonly string[];
  kind: 'user' | 'system';
}

export interface PlanInput {
  originalMessage?: string;
  summary?: string;
  steps: ActionStepInput[];
}

export interface DraftContext {
  sessionId: string;
  userId: string;
  phoneNumber?: string;
  timezone: string;
  localDatetime?: string;
  mode: ExecutionMode;
  now: number;
  preferences: ApprovalPreferences;
  /** The owner's permissions (SPEC §6.10); absent: the defaults (everything, no second approval). */
  permissions?: ApprovalPermissions;
  limits: ScalabilityLimits;
  /** How long the draft waits for decisions (ms); sets `expiresAt`. */
  draftTtlMs: number;
}

/** A job the adapters must enqueue (deterministic id from sessionId, stepId, run). */
export interface StepJobRef {
  stepId: string;
  run: number;
}

/**
 * The result of every accepted change. `draft.version` is already incremented.
 * `events` are appended to the durable log in order, then relayed.
 * `enqueue`: steps that became ready to run. `cancel`: queued jobs to remove.
 * `ack`: extra fields for the client's acknowledgement.
 */
export interface Transition {
  draft: WorkflowDraft;
  events: WorkflowEvent[];
  enqueue: StepJobRef[];
  cancel: StepJobRef[];
  ack: Record<string, unknown>;
}

/**
 * What `beginStep` returns when it has something to say. `execute` false means: persist
 * `transition` (the step failed permanently before running, e.g. a template could not be
 * resolved or the resolved params are invalid) and do NOT call the handler.
 * `execute` true: persist `transition` if non-null, then run the handler with `params`.
 */
export interface BeginResult {
  transition: Transition | null;
  params: Record<string, unknown>;
  execute: boolean;
}

/** What the worker gets when it may run a step. */
export interface StepStart {
  transition: Transition;
  /** Params with every template resolved from results / provided values / fallbacks. */
  params: Record<string, unknown>;
}

/** How a step handler finished. */
export type StepOutcome =
  | { kind: 'completed'; data: unknown; message: string }
  | { kind: 'failed'; error: string; retriable: boolean; finalAttempt: boolean }
  | {
      kind: 'intervention';
      reason: string;
      options: string[];
      timeoutSec: number;
      entityToResolve?: { type: string; value: string };
    };
