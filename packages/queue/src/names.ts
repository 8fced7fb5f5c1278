/** Queue names and deterministic job ids. */
export const STEP_QUEUE = 'steps';
export const TIMER_QUEUE = 'timers';

/**
 * One job per (workflow, step, run). The id is deterministic so that enqueuing the same ready
 * step twice (two finishing dependencies racing, a retried advance) adds it once.
 * BullMQ reserves ':' in ids, hence the '__' separators; session and step ids never contain it.
 */
export function stepJobId(sessionId: string, stepId: string, run: number): string {
  return `${sessionId}__${stepId}__${run}`;
}

export function timerJobId(sessionId: string, kind: string, suffix: string | number = 0): string {
  return `${sessionId}__${kind}__${suffix}`;
}
