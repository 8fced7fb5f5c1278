import { DRAFT_PARAM_SCHEMAS, WHOLE_TEMPLATE_RE } from '@wfa/protocol';
import type { z } from 'zod';
import { h } from '../dom';
import { plainFieldIssue, type FieldKind } from '../plain-issues';
import { FieldErrors } from './field-errors';
import { browserTimeZone, fromPickerValue, toPickerValue } from '../local-time';

type Kind = FieldKind;
interface FieldSpec {
  name: string;
  kind: Kind;
  optional: boolean;
  options?: string[];
  hint?: string;
}

const TIME_FIELDS = new Set(['start', 'end', 'from', 'to', 'due']);
const LONG_FIELDS = new Set(['body', 'description', 'notes', 'text']);

interface Def {
  type: string;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  element?: z.ZodType;
  entries?: Record<string, string>;
  format?: string;
}
const defOf = (schema: z.ZodType): Def => (schema as unknown as { def: Def }).def;

/** Derive a form field from the action's catalog schema (SPEC §7), unwrapping optional and template unions. */
function describe(name: string, schema: z.ZodType): FieldSpec {
  let def = defOf(schema);
  let optional = false;
  while (def.type === 'optional' || def.type === 'union') {
    if (def.type === 'optional' && def.innerType) {
      optional = true;
      def = defOf(def.innerType);
    } else if (def.type === 'union' && def.options?.[0]) def = defOf(def.options[0]);
    else break;
  }
  const hint = TIME_FIELDS.has(name) ? 'Date and time in ISO 8601, e.g. 2026-12-01T15:00:00Z' : undefined;
  const base = { name, optional, ...(hint ? { hint } : {}) };
  switch (def.type) {
    case 'string':
      return { ...base, kind: def.format === 'email' ? 'email' : LONG_FIELDS.has(name) ? 'longtext' : 'text' };
    case 'number':
      return { ...base, kind: 'number' };
    case 'array':
      return { ...base, kind: 'list', hint: 'One per line' };
    case 'enum':
      return { ...base, kind: 'enum', options: Object.keys(def.entries ?? {}) };
    default:
      return { ...base, kind: 'json', hint: 'JSON value' };
  }
}

export interface ParamForm {
  element: HTMLElement;
  /** Validated changes, or undefined (errors are then shown next to their fields). */
  read(): Record<string, unknown> | undefined;
  /** The server's complaints (`details.issues`) next to their fields; false when none names a field. */
  showIssues(issues: Array<{ field: string; message: string }>): boolean;
}

const shapeOf = (action: string): Record<string, z.ZodType> | undefined =>
  (DRAFT_PARAM_SCHEMAS as unknown as Record<string, { shape: Record<string, z.ZodType> }>)[action]?.shape;

/** A zod issue of the form's own check in plain words (a value-or-template union: its value's complaint). */
function issueText(issue: z.core.$ZodIssue, f: FieldSpec | undefined): string {
  if (issue.code === 'invalid_union') {
    const first = issue.errors[0]?.[0];
    if (first) return issueText(first, f);
  }
  if (issue.code === 'invalid_type' && (issue.expected === 'int' || (issue.expected === 'number' && f?.kind === 'number'))) return 'Enter a whole number.';
  if (issue.code === 'invalid_format' && issue.format === 'email') return 'Enter a valid email address (or keep the value from the earlier step).';
  if (issue.code === 'unrecognized_keys') return `Unknown field(s): ${issue.keys.join(', ')}.`;
  return plainFieldIssue(issue.message, f?.kind, f?.options);
}

export function buildParamForm(stepId: string, action: string, params: Record<string, unknown>): ParamForm {
  const shape = shapeOf(action);
  const fields: FieldSpec[] = shape ? Object.entries(shape).map(([n, s]) => describe(n, s)) : Object.keys(params).map((n) => ({ name: n, kind: 'json' as Kind, optional: true }));
  const controls = new Map<string, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>();
  const errors = new FieldErrors();
  const formError = h('p', { class: 'field-error', role: 'alert' });

  /** Time fields edited with a date-time picker, and the picker's first value (unchanged: the original text is kept). */
  const pickers = new Map<string, string>();

  const rows = fields.map((f) => {
    const id = `param-${stepId}-${f.name}`;
    const cur = params[f.name];
    // A time field holding a date-time, or nothing yet, gets a picker; a date alone or a value
    // from an earlier step stays text, with the ISO hint.
    const picked = TIME_FIELDS.has(f.name) && f.kind === 'text' ? (cur === undefined ? '' : toPickerValue(cur)) : undefined;
    if (picked !== undefined) {
      pickers.set(f.name, picked);
      f = { ...f, hint: `Your local time (${browserTimeZone()})` };
    }
    const text = cur === undefined ? '' : f.kind === 'list' && Array.isArray(cur) ? cur.map(String).join('\n') : typeof cur === 'string' ? cur : JSON.stringify(cur);
    const describedBy = `${id}-hint ${id}-error`;
    let control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
    if (f.kind === 'enum') {
      control = h('select', { id, name: f.name, 'aria-describedby': describedBy }, f.optional ? h('option', { value: '' }, '(not set)') : null, (f.options ?? []).map((o) => h('option', { value: o }, o)));
      control.value = text;
    } else if (f.kind === 'longtext' || f.kind === 'list' || f.kind === 'json') {
      control = h('textarea', { id, name: f.name, rows: f.kind === 'longtext' ? 4 : 3, 'aria-describedby': describedBy });
      control.value = text;
    } else if (picked !== undefined) {
      control = h('input', { id, name: f.name, type: 'datetime-local', step: 60, value: picked, 'aria-describedby': describedBy });
    } else {
      control = h('input', { id, name: f.name, type: 'text', inputmode: f.kind === 'number' ? 'numeric' : f.kind === 'email' ? 'email' : null, autocomplete: 'off', value: text, 'aria-describedby': describedBy });
    }
    if (!f.optional) control.setAttribute('aria-required', 'true');
    controls.set(f.name, control);
    const err = h('span', { class: 'field-error', id: `${id}-error` });
    errors.add(f.name, control, err);
    return h(
      'div',
      { class: 'field' },
      h('label', { for: id }, f.name, f.optional ? h('span', { class: 'muted' }, ' (optional)') : h('span', { class: 'req' }, ' (required)')),
      control,
      h('span', { class: 'hint', id: `${id}-hint` }, [f.hint, typeof cur === 'string' && WHOLE_TEMPLATE_RE.test(cur) ? 'Filled from an earlier step; type a value to replace it.' : ''].filter(Boolean).join(' ')),
      err,
    );
  });

  const element = h('div', { class: 'param-form' }, rows, formError);

  function parseField(f: FieldSpec, raw: string): unknown {
    const trimmed = raw.trim();
    if (WHOLE_TEMPLATE_RE.test(trimmed)) return trimmed;
    switch (f.kind) {
      case 'number':
        return trimmed === '' || Number.isNaN(Number(trimmed)) ? trimmed : Number(trimmed);
      case 'list':
        return trimmed.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);
      case 'json':
        try {
          return JSON.parse(trimmed);
        } catch {
          return trimmed;
        }
      default:
        return f.kind === 'longtext' ? raw : trimmed;
    }
  }

  function clear(): void {
    errors.clear();
    formError.textContent = '';
  }

  /** Each complaint next to its field (or under the form), focus on the first bad field. */
  function mark(list: Array<{ field: string; text: string }>): boolean {
    const { marked, rest } = errors.mark(list.map(({ field, text }) => ({ key: field, text })));
    if (rest.length) formError.textContent = rest.join(' ');
    return marked > 0;
  }

  function showIssues(issues: Array<{ field: string; message: string }>): boolean {
    clear();
    return mark(issues.map(({ field, message }) => {
      const f = fields.find((x) => x.name === field);
      return { field, text: plainFieldIssue(message, f?.kind, f?.options) };
    }));
  }

  function read(): Record<string, unknown> | undefined {
    clear();
    const candidate: Record<string, unknown> = { ...params };
    for (const f of fields) {
      const raw = controls.get(f.name)?.value ?? '';
      const first = pickers.get(f.name);
      if (raw.trim() === '' && f.optional) delete candidate[f.name];
      else if (first !== undefined && raw === first && raw !== '') continue; // untouched: keep the exact original
      else if (first !== undefined && raw !== '') candidate[f.name] = fromPickerValue(raw);
      else candidate[f.name] = parseField(f, raw);
    }
    const schema = (DRAFT_PARAM_SCHEMAS as unknown as Record<string, z.ZodType>)[action];
    if (schema) {
      const parsed = schema.safeParse(candidate);
      if (!parsed.success) {
        mark(parsed.error.issues.map((issue) => {
          const field = String(issue.path[0] ?? '');
          return { field, text: issueText(issue, fields.find((f) => f.name === field)) };
        }));
        return undefined;
      }
    }
    const changed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(candidate)) if (JSON.stringify(v) !== JSON.stringify(params[k])) changed[k] = v;
    if (!Object.keys(changed).length) {
      formError.textContent = 'Nothing was changed. (To clear an optional value, reject or skip the step instead.)';
      return undefined;
    }
    return changed;
  }

  return { element, read, showIssues };
}
