/** Plan validation (refuses a plan) and draft validation (seed `ValidationResult`, never throws). */
import {
  ActionStepInputSchema,
  DRAFT_PARAM_SCHEMAS,
  ProtocolError,
  actionBelongsToType,
  isActionName,
} from '@wfa/protocol';
import type { ActionStepInput, ScalabilityLimits, ValidationResult, WorkflowDraft } from '@wfa/protocol';
import type { z } from 'zod';
import { effectiveDeps, validateGraph } from './graph';
import { depState, depsSettled, isDead } from './dependencies';
import { resolveStepParams } from './resolve';
import { assertSafeKeys, findStep, hasDeclinedStatus, isOpen, isUndecided } from './util';
import { quote } from './describe';

function issues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** Throws `invalid_plan` unless `params` fit the action's draft schema (templates allowed). */
export function validateParams(stepId: string, action: string, params: Record<string, unknown>): void {
  assertSafeKeys(params, `params of step "${stepId}"`);
  if (!isActionName(action)) throw new ProtocolError('invalid_plan', `Step "${stepId}": unknown action "${action}"`);
  const r = DRAFT_PARAM_SCHEMAS[action].safeParse(params);
  if (!r.success) {
    throw new ProtocolError('invalid_plan', `Step "${stepId}" (${action}): invalid params: ${issues(r.error)}`, {
      stepId,
      issues: r.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    });
  }
}

/** Catalog, params, ids, graph and limits of a submitted plan (SPEC §6.4, §6.12, §7). */
export function validatePlanSteps(steps: readonly ActionStepInput[], limits: ScalabilityLimits): void {
  if (!Array.isArray(steps) || steps.length === 0) throw new ProtocolError('invalid_plan', 'A plan needs at least one step');
  if (steps.length > limits.maxStepsPerWorkflow) {
    throw new ProtocolError('limit_exceeded', `A plan may have at most ${limits.maxStepsPerWorkflow} steps (got ${steps.length})`, {
      limit: limits.maxStepsPerWorkflow,
    });
  }
  const seen = new Set<string>();
  for (const [i, step] of steps.entries()) {
    assertSafeKeys(step, `step ${i + 1}`);
    const parsed = ActionStepInputSchema.safeParse(step);
    const id = typeof step?.id === 'string' ? step.id : `#${i + 1}`;
    if (seen.has(id)) throw new ProtocolError('invalid_plan', `Duplicate step id "${id}"`);
    seen.add(id);
    if (typeof step?.action === 'string' && !isActionName(step.action)) {
      throw new ProtocolError('invalid_plan', `Step "${id}": unknown action "${step.action}"`);
    }
    if (isActionName(step.action) && typeof step.type === 'string' && !actionBelongsToType(step.type, step.action)) {
      throw new ProtocolError('invalid_plan', `Step "${id}": action "${step.action}" is not a ${step.type} action`);
    }
    if (!parsed.success) throw new ProtocolError('invalid_plan', `Step "${id}" is malformed: ${issues(parsed.error)}`);
    validateParams(id, step.action, step.params ?? {});
  }
  validateGraph(
    steps.map((s) => ({ id: s.id, params: s.params ?? {}, dependsOn: s.dependsOn, requires: s.requires })),
    limits.maxDependencyDepth,
  );
}

/**
 * Seed rules `has_executable_steps` and `dependencies_satisfied` over effective dependencies,
 * plus warnings. Valid = no errors. Undecided steps are not errors (the start condition checks
 * them separately).
 */
export function validateDraft(d: WorkflowDraft): ValidationResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const live = d.steps.filter((s) => s.state !== 'skipped' && !hasDeclinedStatus(s));
  const executable = live.filter((s) => s.approvalStatus === 'step_approved' || s.state !== 'pending');
  if (executable.length === 0) {
    if (live.length === 0) errors.push('All steps were rejected or skipped - nothing to execute');
    else warnings.push('No step is approved yet');
  }
  for (const s of d.steps) {
    if (!isOpen(s)) continue;
    if (s.approvalStatus === 'step_modified') warnings.push(`Step ${quote(s)} was modified and needs approval again`);
    for (const dep of effectiveDeps(s)) {
      const D = findStep(d, dep.stepId);
      const st = depState(d, s, dep);
      const name = D ? quote(D) : `"${dep.stepId}"`;
      if (!D) {
        errors.push(`Step ${quote(s)} depends on a step that does not exist ("${dep.stepId}")`);
      } else if (st === 'conflict' || st === 'unresolved') {
        const why = D.state === 'completed' ? 'did not return what it needs' : isDead(d, D) ? 'will not run' : 'cannot run';
        errors.push(`Step ${quote(s)} has unmet dependencies: ${name} ${why} - choose how to proceed`);
      } else if (st === 'held') {
        warnings.push(`Step ${quote(s)} waits until ${name} is approved again`);
      } else if (st === 'frozen') {
        warnings.push(`Step ${quote(s)} waits until you decide what to do about the failure of ${name}`);
      } else if (st === 'pending' && s.approvalStatus === 'step_approved' && isUndecided(D)) {
        warnings.push(`Step ${quote(s)} waits for ${name} to be approved`);
      } else if (st === 'provided' && dep.hasFallback && D.state !== 'completed') {
        warnings.push(`Step ${quote(s)} will use its default value instead of ${name}`);
      } else if (st === 'dropped') {
        warnings.push(`Step ${quote(s)} will run without the value from ${name}`);
      }
      if (dep.explicit && dep.resolution === 'fallback' && !dep.hasFallback) {
        warnings.push(`Step ${quote(s)} has a fallback dependency on ${name} without a fallbackValue; the value would be dropped`);
      }
    }
    // With every dependency settled the params are final: a step that could not run is an error now,
    // not a failure later (e.g. a dropped value that a required param needed).
    if (s.approvalStatus === 'step_approved' && depsSettled(d, s)) {
      const r = resolveStepParams(d, s);
      if (!r.ok) errors.push(r.error);
    }
  }
  return { isValid: errors.length === 0, errors, warnings: [...new Set(warnings)] };
}
