import type { ActionStepInput } from '@wfa/protocol';

/** What the gateway hands the planner for a USER_MESSAGE (SPEC §5). */
export interface PlanRequest {
  message: string;
  /** IANA zone, e.g. 'Europe/Paris'; an empty value means 'UTC'. */
  timezone: string;
  /** The reference instant for every relative date ("tomorrow", "in 2 hours"); the planner never reads the clock. */
  now: Date;
  /**
   * The user's local wall-clock time as their device reported it. Accepted for context only:
   * `now` + `timezone` are authoritative, so a skewed device clock cannot move a meeting.
   */
  localDatetime?: string;
}

export interface PlanResult {
  originalMessage: string;
  summary: string;
  steps: ActionStepInput[];
}

export interface Planner {
  /** Throws ProtocolError('invalid_plan', <human message>) when the request cannot be planned. */
  plan(req: PlanRequest): PlanResult;
}
