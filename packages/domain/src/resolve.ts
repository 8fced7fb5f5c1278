/** Resolving a step's params just before it runs (SPEC §6.5): never hand a template to a handler. */
import { RESOLVED_PARAM_SCHEMAS, isActionName } from '@wfa/protocol';
import type { ApprovalStep, WorkflowDraft } from '@wfa/protocol';
import { templateLookup } from './dependencies';
import { resolveTemplates } from './templates';

export type Resolved = { ok: true; params: Record<string, unknown> } | { ok: false; error: string };

/** Params with every template resolved and checked against the action's strict schema. */
export function resolveStepParams(d: WorkflowDraft, s: ApprovalStep): Resolved {
  const { params, problems } = resolveTemplates(s.params, templateLookup(d, s));
  if (problems.length > 0) return { ok: false, error: `Cannot run "${s.description}": ${problems.join('; ')}` };
  if (!isActionName(s.action)) return { ok: false, error: `Cannot run "${s.description}": unknown action "${s.action}"` };
  const r = RESOLVED_PARAM_SCHEMAS[s.action].safeParse(params);
  if (!r.success) {
    const why = r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    return { ok: false, error: `Cannot run "${s.description}": invalid params after resolving templates: ${why}` };
  }
  return { ok: true, params };
}
