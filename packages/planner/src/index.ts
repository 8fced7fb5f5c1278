export type { PlanRequest, PlanResult, Planner } from './types';
export { RuleBasedPlanner, createDefaultPlanner, FAMILIES } from './planner';
export type { Family } from './families/family';
