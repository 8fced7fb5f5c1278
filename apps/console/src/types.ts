import type { z } from 'zod';
import type {
  Ack,
  ConflictOption,
  DependencyImpact,
  InterventionRequired,
  PartialFailure,
  Rollback,
  ServerMessageType,
  ServerPayload,
  StepResult,
  WorkflowSummary,
  DraftStepViewSchema,
} from '@wfa/protocol';

export type { Ack, ConflictOption, DependencyImpact, InterventionRequired, PartialFailure, Rollback, StepResult, WorkflowSummary };
export type DraftPayload = ServerPayload<'WORKFLOW_DRAFT'>;
export type StatusPayload = ServerPayload<'WORKFLOW_STATUS'>;
export type DraftStepView = z.infer<typeof DraftStepViewSchema>;

/** A server event as delivered (SPEC §5). */
export interface ServerEvent<T extends ServerMessageType = ServerMessageType> {
  type: T;
  sessionId: string;
  eventId: string;
  payload: ServerPayload<T>;
  timestamp: number;
}

/** One step as the console shows it: the draft's view plus what execution reported. */
export interface StepVM extends DraftStepView {
  progress?: number;
  message?: string;
  result?: StepResult;
  intervention?: InterventionRequired;
  rejectionReason?: string;
  /** Values standing in for lost dependencies' results (a conflict answered with a value, a fallback), by dependency id. */
  providedValues?: Record<string, unknown>;
}

/** A dependency conflict waiting on the user, for the dependent step `stepId`. */
export interface ConflictVM {
  stepId: string;
  missingDependency?: string;
  issue: string;
  options: ConflictOption[];
}

export interface LogEntry {
  eventId: string;
  time: number;
  text: string;
  tone: 'info' | 'good' | 'warn' | 'bad';
}

export interface WorkflowVM {
  sessionId: string;
  /** Whose plan it is (from its draft); another user's when the viewer is its second approver. */
  ownerId?: string;
  /** The owner's permissions the plan took (SPEC §6.10); absent: the defaults (everything). */
  permissions?: DraftPayload['permissions'];
  originalMessage: string;
  summary: string;
  estimatedDuration: string;
  totalSteps: number;
  mode: string;
  planState: DraftPayload['planState'];
  /**
   * The plan state the event log said last. A snapshot sets `planState` ahead of the replay that
   * follows it; the activity list tells each logged change against this one, not the snapshot.
   */
  loggedPlanState?: DraftPayload['planState'];
  /**
   * Each step's approvalStatus as of the last event applied in log order (the draft, edits,
   * statuses): what an approval is told against. The view's own steps can be ahead of it while a
   * replay runs (the subscribe's snapshot is applied over each replayed event).
   */
  loggedApprovals?: Record<string, string>;
  approvalStatus: DraftPayload['approvalStatus'];
  version: number;
  expiresAt?: number;
  steps: StepVM[];
  dependencies: DraftPayload['dependencies'];
  risks: DraftPayload['risks'];
  conflicts: ConflictVM[];
  partialFailure?: PartialFailure;
  /** A requested or finished rollback_all, with what could not be undone. */
  rollback?: Rollback;
  /** What the last edit affects, as of the version it made (a later change makes it history). */
  impacts?: { stepId: string; list: DependencyImpact[]; warnings: string[]; version?: number };
  reminder?: { expiresAt: number; pendingStepIds: string[] };
  /** The conflicts the event log left open (dependent step id → missing dependency): a status without one says it was answered. */
  asked?: Record<string, string>;
  /** The highest event id applied: a re-subscribe resumes after it. */
  lastEventId?: string;
  /** The ids applied most recently, sorted (applied-events.ts): an older event replayed after a newer live one is still applied once. */
  appliedIds?: string[];
  /** Ids at or below it count as applied (forgotten from `appliedIds`, or applied before ids were remembered). */
  appliedFloor?: string;
  hasDraft: boolean;
  log: LogEntry[];
}
