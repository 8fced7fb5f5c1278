/**
 * INTERVENTION_RESPONSE (SPEC §6.6): the user answers a step that is `waiting_intervention`
 * (e.g. the seed's "Unknown Contact"). Three answers:
 *  - provide_value: the value stands in for the step's result; dependents proceed as after a
 *    normal completion;
 *  - skip: the step is skipped by the user; dependents follow their own rules (rule 4);
 *  - retry: the step runs again (new run) with new input.
 * Every answer goes through the engine, so enqueue / cancel / version / plan state stay consistent.
 */
import { INTERVENTION_ANSWERS, ProtocolError, interventionAnswerOf, isActionName, isInterventionAnswer, type InterventionAnswer } from '@wfa/protocol';
import type { ActionName, ApprovalStep, ClientPayload, WorkflowDraft } from '@wfa/protocol';
import type { Actor, Transition } from './api';
import { beginWork, completeStep, finishWork, type Work } from './engine';
import { assertLive, assertVersion } from './decisions';
import { applyParamChanges } from './edits';
import { assertMayModify, assertMaySkip, assertOwner, providedToDependents, reopenSecondApproval } from './permissions';
import { dependentsOf } from './graph';
import { checkStepParams, describeIssues } from './resolve';
import { collectTemplateRefs } from './templates';
import { FORBIDDEN_KEYS, assertSafeKeys, isOpen, isPlainObject, requireStep, clone } from './util';

/**
 * The param a bare string answer to `retry` replaces: search_contacts → query, otherwise the
 * action's first required string param. Actions without one (list_*, get_all_contacts,
 * find_free_time, fetch_emails) take only an object of params.
 */
export const PRIMARY_TEXT_PARAM: Readonly<Partial<Record<ActionName, string>>> = {
  search_contacts: 'query',
  create_event: 'title',
  create_task: 'title',
  update_task: 'taskId',
  complete_task: 'taskId',
  create_contact: 'name',
  send_email: 'recipient',
  create_draft: 'recipient',
  summarize: 'text',
  user_intervention: 'reason',
};

export function respondToIntervention(
  d: WorkflowDraft,
  p: ClientPayload<'INTERVENTION_RESPONSE'>,
  actor: Actor,
  now: number,
): Transition {
  assertOwner(d, actor, 'answer its questions');
  assertVersion(d, p.expectedVersion);
  assertLive(d);
  const s0 = requireStep(d, p.stepId);
  if (s0.state !== 'waiting_intervention') {
    throw new ProtocolError('invalid_state', `Step "${s0.id}" is not waiting for your answer (it is ${s0.state.replace('_', ' ')})`, {
      stepId: s0.id,
      state: s0.state,
    });
  }
  const { option, value } = readAnswer(s0, p.option, p.value);
  // Like a decision's unread fields (decision-fields.ts): a value that skip would drop unread is
  // refused, so the user learns it was not used.
  if (option === 'skip' && p.value !== undefined) {
    throw new ProtocolError('invalid_message', 'skip takes no value; send provide_value or retry to use it', { field: 'value' });
  }
  const w = beginWork(d, now);
  const s = requireStep(w.d, p.stepId);
  delete s.interventionRequired;
  switch (option) {
    case 'provide_value':
      return provide(w, s, value);
    case 'skip':
      assertMaySkip(w.d, s);
      return skip(w, s);
    case 'retry':
      return retry(w, s, value);
  }
}

/**
 * The answer as the domain knows it: one of the three answers, or one of the labels this
 * intervention offered (SPEC §5). A label that stands for a choice itself (e.g. "blue") is
 * provided as the value when no other value came with it.
 */
function readAnswer(s: ApprovalStep, option: string, value: unknown): { option: InterventionAnswer; value: unknown } {
  const offered = s.interventionRequired?.options ?? [];
  // An offered label first: a choice may happen to read "skip".
  if (isInterventionAnswer(option) && !offered.includes(option)) return { option, value };
  if (!offered.includes(option)) {
    throw new ProtocolError('invalid_message', `"${option}" is not an option of this question: answer with one of ${[...offered, ...INTERVENTION_ANSWERS].map((o) => `"${o}"`).join(', ')}`, {
      stepId: s.id,
      options: offered,
    });
  }
  const meant = interventionAnswerOf(option, s.action);
  return { option: meant.option, value: meant.option === 'provide_value' && !meant.needsInput && value === undefined ? option : value };
}

/** Fields the step's dependents read from it: their template fields, `field`, `requiredFields`. */
export function fieldsNeededFrom(d: WorkflowDraft, stepId: string): string[] {
  const fields = new Set<string>();
  for (const { dep } of dependentsOf(d.steps, stepId)) {
    for (const f of [...dep.checkFields, ...dep.templateFields, ...(dep.field !== undefined ? [dep.field] : [])]) fields.add(f);
  }
  return [...fields];
}

/** Sets a dotted path on plain data, never through a prototype key and never over a non-object. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  if (parts.some((x) => x === '' || FORBIDDEN_KEYS.has(x))) return;
  let cur = target;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (next === undefined) cur[part] = {};
    else if (!isPlainObject(next)) return;
    cur = cur[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1]!;
  if (cur[last] === undefined) cur[last] = value;
}

/**
 * The answer as result data: a plain object is the data itself; a string or number fills every
 * field a dependent needs from this step, plus `value` (so `{{step.value}}` works too).
 */
function answerData(d: WorkflowDraft, stepId: string, value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) throw new ProtocolError('invalid_message', 'provide_value needs a value');
  if (isPlainObject(value)) {
    assertSafeKeys(value, 'value');
    if (Object.keys(value).length === 0) throw new ProtocolError('invalid_message', 'The value must not be an empty object');
    return clone(value);
  }
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
    if (typeof value === 'string' && value.trim() === '') throw new ProtocolError('invalid_message', 'The value must not be empty');
    const data: Record<string, unknown> = { value };
    for (const f of fieldsNeededFrom(d, stepId)) setPath(data, f, value);
    return data;
  }
  throw new ProtocolError('invalid_message', 'The value must be a string, a number or an object of fields');
}

/**
 * Refuse an answer that would make a dependent's params invalid (e.g. "John" where an email is
 * needed), when that can be told now: only params that read from this step, and only when every
 * template of the dependent already resolves.
 */
function checkDependentsFit(d: WorkflowDraft, stepId: string): void {
  for (const { step } of dependentsOf(d.steps, stepId)) {
    if (!isOpen(step)) continue;
    const reading = new Set(Object.keys(step.params).filter((k) => collectTemplateRefs({ [k]: step.params[k] }).some((r) => r.stepId === stepId)));
    if (reading.size === 0) continue;
    const c = checkStepParams(d, step);
    if (c.kind !== 'invalid') continue;
    const bad = c.issues.filter((i) => reading.has(String(i.path[0])));
    if (bad.length === 0) continue;
    throw new ProtocolError('invalid_message', `The value does not fit step "${step.id}" (${step.description}): ${describeIssues(bad)}`, { stepId: step.id });
  }
}

function provide(w: Work, s: ApprovalStep, value: unknown): Transition {
  // The value stands in the templates of the steps that read this one, as a value provided for a
  // conflict does (SPEC §6.10): their permitted params only, and their second approval again.
  providedToDependents(w.d, s.id);
  const lead = completeStep(w, s, answerData(w.d, s.id, value), 'Provided by you');
  checkDependentsFit(w.d, s.id);
  return finishWork(w, { snapshot: true, lead });
}

/**
 * Skipped by the user: `skippedBy` stays absent (it means "a dependency rule skipped it"). The step
 * started, so it can never be re-approved: a `wait` dependent is asked instead (rule 4).
 */
function skip(w: Work, s: ApprovalStep): Transition {
  s.state = 'skipped';
  s.finishedAt = w.now;
  delete s.skippedBy;
  delete s.progress;
  return finishWork(w, {
    snapshot: true,
    lead: () => [{ type: 'STEP_EXECUTION', payload: { stepId: s.id, status: 'skipped', message: 'Skipped by you' } }],
  });
}

/**
 * Run again with new input. A string replaces the action's primary text param; an object is
 * merged like modify (null removes a param; validated per action → invalid_plan); no value runs it
 * again as it was. The answer is the user's approval of the new params: the step stays approved.
 */
function retry(w: Work, s: ApprovalStep, value: unknown): Transition {
  let modifications: Record<string, unknown> | undefined;
  if (typeof value === 'string') {
    if (value.trim() === '') throw new ProtocolError('invalid_message', 'The new input must not be empty');
    const key = isActionName(s.action) ? PRIMARY_TEXT_PARAM[s.action] : undefined;
    if (key === undefined) {
      throw new ProtocolError('invalid_message', `Step "${s.id}" (${s.action}) has no text input to replace; send an object of params`);
    }
    modifications = { [key]: value };
  } else if (isPlainObject(value)) {
    assertSafeKeys(value, 'value');
    if (Object.keys(value).length > 0) modifications = value;
  } else if (value !== undefined && value !== null) {
    throw new ProtocolError('invalid_message', 'retry takes a string (new input) or an object of params');
  }
  if (modifications) {
    assertMayModify(w.d, s, Object.keys(modifications));
    applyParamChanges(w.d, s, modifications);
    // New input is a new request: a second approval given for the old one does not cover it.
    reopenSecondApproval(s);
  }
  s.state = 'pending';
  s.run += 1;
  delete s.result;
  delete s.startedAt;
  delete s.finishedAt;
  delete s.progress;
  return finishWork(w, {
    snapshot: true,
    lead: () => [{ type: 'STEP_EXECUTION', payload: { stepId: s.id, status: 'pending', message: modifications ? 'Trying again with your new input' : 'Trying again' } }],
  });
}
