/** Resolving a step's params just before it runs (SPEC §6.5): never hand a template to a handler. */
import { RESOLVED_PARAM_SCHEMAS, isActionName } from '@wfa/protocol';
import type { ApprovalStep, WorkflowDraft } from '@wfa/protocol';
import { templateLookup } from './dependencies';
import { resolveTemplates } from './templates';

/** A schema complaint about one param (path[0] is the param's name). */
export interface ParamIssue {
  path: PropertyKey[];
  message: string;
}

/** What a step's params are once every template that can be resolved now is. */
export type ParamCheck =
  | { kind: 'ok'; params: Record<string, unknown> }
  /** Some template cannot be resolved yet (or ever): the problems say which. */
  | { kind: 'unresolved'; problems: string[] }
  | { kind: 'unknown_action' }
  /** Resolved, but not valid for the action's strict schema. */
  | { kind: 'invalid'; issues: ParamIssue[] };

export function checkStepParams(d: WorkflowDraft, s: ApprovalStep): ParamCheck {
  const { params, problems } = resolveTemplates(s.params, templateLookup(d, s));
  if (problems.length > 0) return { kind: 'unresolved', problems };
  if (!isActionName(s.action)) return { kind: 'unknown_action' };
  const r = RESOLVED_PARAM_SCHEMAS[s.action].safeParse(params);
  return r.success ? { kind: 'ok', params } : { kind: 'invalid', issues: r.error.issues };
}

/** "recipient: Invalid email; subject: Required" */
export function describeIssues(issues: readonly ParamIssue[]): string {
  return issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}

export type Resolved = { ok: true; params: Record<string, unknown> } | { ok: false; error: string };

/** Params with every template resolved and checked against the action's strict schema. */
export function resolveStepParams(d: WorkflowDraft, s: ApprovalStep): Resolved {
  const c = checkStepParams(d, s);
  const cannot = `Cannot run "${s.description}"`;
  switch (c.kind) {
    case 'ok':
      return { ok: true, params: c.params };
    case 'unresolved':
      return { ok: false, error: `${cannot}: ${c.problems.join('; ')}` };
    case 'unknown_action':
      return { ok: false, error: `${cannot}: unknown action "${s.action}"` };
    case 'invalid':
      return { ok: false, error: `${cannot}: invalid params after resolving templates: ${describeIssues(c.issues)}` };
  }
}
