import { ActionStepInputSchema, DRAFT_PARAM_SCHEMAS, ProtocolError, isActionName, type ActionStepInput } from '@wfa/protocol';
import { createDefaultPlanner } from './planner';
import type { PlanResult } from './types';

/** Thursday 14 March 2024, 10:30 UTC (11:30 in Paris, before the 31 March DST change). */
export const NOW = new Date('2024-03-14T10:30:00Z');

const planner = createDefaultPlanner();

export function plan(message: string, timezone = 'Europe/Paris', now: Date = NOW): PlanResult {
  const result = planner.plan({ message, timezone, now });
  expectValidSteps(result.steps);
  return result;
}

/** What the gateway checks on every submitted step: the envelope, the action's param schema, unique ids, known dependencies. */
export function expectValidSteps(steps: readonly ActionStepInput[]): void {
  expect(steps.length).toBeGreaterThan(0);
  const ids = new Set<string>();
  for (const step of steps) {
    expect(ActionStepInputSchema.safeParse(step).success).toBe(true);
    expect(isActionName(step.action)).toBe(true);
    if (!isActionName(step.action)) continue;
    const parsed = DRAFT_PARAM_SCHEMAS[step.action].safeParse(step.params);
    if (!parsed.success) throw new Error(`${step.id} params invalid: ${JSON.stringify(parsed.error.issues)}`);
    for (const dep of step.dependsOn ?? []) expect(ids.has(dep)).toBe(true);
    expect(ids.has(step.id)).toBe(false);
    ids.add(step.id);
  }
}

export function planErrorOf(message: string, timezone = 'Europe/Paris'): ProtocolError {
  try {
    planner.plan({ message, timezone, now: NOW });
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    const err = e as ProtocolError;
    expect(err.code).toBe('invalid_plan');
    expect(err.message).toMatch(/^I could not turn that into a plan: .+\. Try e\.g\. ".+"$/);
    return err;
  }
  throw new Error(`expected "${message}" to be refused`);
}

export function only(result: PlanResult): ActionStepInput {
  expect(result.steps).toHaveLength(1);
  return result.steps[0] as ActionStepInput;
}
