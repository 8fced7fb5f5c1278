/**
 * `{{stepId.field}}` templates in params. A string that is exactly one template resolves to the
 * raw value (any type); templates inside a longer string are interpolated as text.
 */
import { TEMPLATE_RE, WHOLE_TEMPLATE_RE } from '@wfa/protocol';
import { isPlainObject, clone } from './util';

export interface TemplateRef {
  stepId: string;
  field?: string;
}

function refsInString(s: string): TemplateRef[] {
  const out: TemplateRef[] = [];
  // Most params hold no template; this is on every graph walk's path (effectiveDeps).
  if (!s.includes('{{')) return out;
  for (const m of s.matchAll(new RegExp(TEMPLATE_RE.source, 'g'))) {
    const stepId = m[1];
    if (stepId === undefined) continue;
    out.push(m[2] === undefined ? { stepId } : { stepId, field: m[2] });
  }
  return out;
}

/** Every template reference anywhere in a value (strings, arrays, nested objects), in order. */
export function collectTemplateRefs(value: unknown): TemplateRef[] {
  if (typeof value === 'string') return refsInString(value);
  if (Array.isArray(value)) return value.flatMap((v) => collectTemplateRefs(v));
  if (isPlainObject(value)) return Object.values(value).flatMap((v) => collectTemplateRefs(v));
  return [];
}

/**
 * How a template resolves: a value, `dropped` (the dependency's value is not needed or was
 * dropped: the template disappears), or `unresolved` (must never reach a handler).
 */
export type Lookup = { kind: 'value'; value: unknown } | { kind: 'dropped' } | { kind: 'unresolved'; why: string };

const OMIT = Symbol('omit');

function interpolate(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * Resolve every template in `params`. Whole-value templates that are dropped remove their key
 * (or their array element); inline ones become ''. Anything unresolved is reported in `problems`.
 */
export function resolveTemplates(
  params: Record<string, unknown>,
  lookup: (ref: TemplateRef) => Lookup,
): { params: Record<string, unknown>; problems: string[] } {
  const problems: string[] = [];
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!value.includes('{{')) return value;
      const whole = WHOLE_TEMPLATE_RE.exec(value);
      if (whole && whole[1] !== undefined) {
        const r = lookup(whole[2] === undefined ? { stepId: whole[1] } : { stepId: whole[1], field: whole[2] });
        if (r.kind === 'unresolved') {
          problems.push(r.why);
          return value;
        }
        if (r.kind === 'dropped' || r.value === undefined) return OMIT;
        return clone(r.value);
      }
      return value.replace(new RegExp(TEMPLATE_RE.source, 'g'), (match, stepId: string, field: string | undefined) => {
        const r = lookup(field === undefined ? { stepId } : { stepId, field });
        if (r.kind === 'unresolved') {
          problems.push(r.why);
          return match;
        }
        return r.kind === 'dropped' ? '' : interpolate(r.value);
      });
    }
    if (Array.isArray(value)) return value.map(walk).filter((v) => v !== OMIT);
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const r = walk(v);
        if (r !== OMIT) out[k] = r;
      }
      return out;
    }
    return value;
  };
  const resolved = walk(params);
  return { params: isPlainObject(resolved) ? resolved : {}, problems };
}
