/**
 * The dependency graph: effective dependencies per step (SPEC §6.4) and plan-level graph checks
 * (unknown / self dependencies, cycles named "a -> b -> a", depth limit).
 */
import { ProtocolError } from '@wfa/protocol';
import type { DependencyCondition, DependencyEffect, DependencyResolution, StepDependency } from '@wfa/protocol';
import { collectTemplateRefs } from './templates';
import { hasOwn } from './util';

/** The parts of a step the graph looks at (an input step or a stored ApprovalStep). */
export interface GraphStep {
  id: string;
  params: Record<string, unknown>;
  dependsOn?: string[] | undefined;
  requires?: StepDependency[] | undefined;
}

/**
 * One dependency of a step, with everything that decides how it behaves.
 * - a bare `dependsOn` id: blocks + ask_user;
 * - a template `{{id.field}}` without an explicit `requires` entry: blocks + ask_user, field from the template;
 * - an explicit `requires` entry wins for its stepId (the last one, if listed twice).
 * `checkFields`: fields the dependency's result must hold (its `requiredFields`, else its `field`
 * and the template fields); `requireAll` false means any one of them is enough.
 */
export interface EffectiveDep {
  stepId: string;
  field?: string;
  effect: DependencyEffect;
  resolution: DependencyResolution;
  hasFallback: boolean;
  fallbackValue?: unknown;
  condition?: DependencyCondition;
  checkFields: string[];
  requireAll: boolean;
  explicit: boolean;
  /** Fields this step's templates read from the dependency. */
  templateFields: string[];
}

export function effectiveDeps(step: GraphStep): EffectiveDep[] {
  const byId = new Map<string, EffectiveDep>();
  const templateFields = new Map<string, string[]>();
  const refs = collectTemplateRefs(step.params);
  for (const ref of refs) {
    const list = templateFields.get(ref.stepId) ?? [];
    if (ref.field !== undefined && !list.includes(ref.field)) list.push(ref.field);
    templateFields.set(ref.stepId, list);
  }
  const implicit = (stepId: string, field?: string): EffectiveDep => ({
    stepId,
    ...(field !== undefined ? { field } : {}),
    effect: 'blocks',
    resolution: 'ask_user',
    hasFallback: false,
    checkFields: [],
    requireAll: true,
    explicit: false,
    templateFields: [],
  });
  for (const id of step.dependsOn ?? []) if (!byId.has(id)) byId.set(id, implicit(id));
  for (const ref of refs) if (!byId.has(ref.stepId)) byId.set(ref.stepId, implicit(ref.stepId, ref.field));
  for (const r of step.requires ?? []) {
    const dep: EffectiveDep = {
      stepId: r.stepId,
      effect: r.effect,
      resolution: r.resolution,
      hasFallback: hasOwn(r, 'fallbackValue') && r.fallbackValue !== undefined,
      checkFields: [],
      requireAll: r.requireAll ?? true,
      explicit: true,
      templateFields: [],
    };
    if (r.field !== undefined) dep.field = r.field;
    if (dep.hasFallback) dep.fallbackValue = r.fallbackValue;
    if (r.condition !== undefined) dep.condition = r.condition;
    if (r.requiredFields !== undefined) dep.checkFields = [...r.requiredFields];
    byId.set(r.stepId, dep);
  }
  for (const dep of byId.values()) {
    const tf = templateFields.get(dep.stepId) ?? [];
    dep.templateFields = tf;
    if (dep.field === undefined && tf[0] !== undefined) dep.field = tf[0];
    if (dep.checkFields.length === 0) {
      dep.checkFields = [...new Set([...(dep.field !== undefined ? [dep.field] : []), ...tf])];
    }
  }
  return [...byId.values()];
}

/** Every step id this step waits on: dependencies plus the steps their conditions read. */
export function dependencyIds(step: GraphStep): string[] {
  const ids: string[] = [];
  for (const dep of effectiveDeps(step)) {
    if (!ids.includes(dep.stepId)) ids.push(dep.stepId);
    const c = dep.condition?.stepId;
    if (c !== undefined && !ids.includes(c)) ids.push(c);
  }
  return ids;
}

/**
 * Returns the longest chain (in edges). Refuses a graph with an unknown or self dependency, a cycle (named, e.g. "a -> b -> a", read as
 * "a depends on b, which depends on a"), or a chain longer than `maxDepth` edges.
 */
export function validateGraph(steps: GraphStep[], maxDepth: number): number {
  const ids = new Set(steps.map((s) => s.id));
  const edges = new Map<string, string[]>();
  for (const s of steps) {
    const deps = dependencyIds(s);
    for (const dep of deps) {
      if (dep === s.id) throw new ProtocolError('invalid_plan', `Step "${s.id}" depends on itself`);
      if (!ids.has(dep)) throw new ProtocolError('invalid_plan', `Step "${s.id}" depends on unknown step "${dep}"`);
    }
    edges.set(s.id, deps);
  }
  // Iterative three-colour DFS: a grey node met again closes a cycle.
  const colour = new Map<string, 0 | 1 | 2>();
  const depth = new Map<string, number>();
  for (const root of steps) {
    if (colour.get(root.id) === 2) continue;
    const path: string[] = [];
    const stack: Array<{ id: string; next: number }> = [{ id: root.id, next: 0 }];
    colour.set(root.id, 1);
    path.push(root.id);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const outs = edges.get(top.id) ?? [];
      if (top.next < outs.length) {
        const to = outs[top.next++]!;
        const c = colour.get(to) ?? 0;
        if (c === 1) {
          const cycle = [...path.slice(path.indexOf(to)), to];
          throw new ProtocolError('invalid_plan', `Dependency cycle: ${cycle.join(' -> ')}`, { cycle });
        }
        if (c === 0) {
          colour.set(to, 1);
          path.push(to);
          stack.push({ id: to, next: 0 });
        }
      } else {
        colour.set(top.id, 2);
        depth.set(top.id, Math.max(0, ...outs.map((o) => (depth.get(o) ?? 0) + 1)));
        stack.pop();
        path.pop();
      }
    }
  }
  let max = 0;
  for (const s of steps) {
    const d = depth.get(s.id) ?? 0;
    max = Math.max(max, d);
    if (d > maxDepth) {
      throw new ProtocolError('invalid_plan', `Dependency chain from "${s.id}" is ${d} dependencies deep (${d + 1} steps in a row); the limit is ${maxDepth} dependencies`, {
        depth: d,
        limit: maxDepth,
      });
    }
  }
  return max;
}

/** Steps that have `stepId` among their effective dependencies, in plan order. */
export function dependentsOf<S extends GraphStep>(steps: S[], stepId: string): Array<{ step: S; dep: EffectiveDep }> {
  const out: Array<{ step: S; dep: EffectiveDep }> = [];
  for (const s of steps) {
    const dep = effectiveDeps(s).find((d) => d.stepId === stepId);
    if (dep) out.push({ step: s, dep });
  }
  return out;
}
