/** Small pure helpers shared by the domain modules. */
import { FORBIDDEN_KEYS, ProtocolError, TERMINAL_STEP_STATES } from '@wfa/protocol';
import type { ApprovalStep, WorkflowDraft } from '@wfa/protocol';

export { FORBIDDEN_KEYS };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  // Realm-independent (structuredClone and vm contexts have their own Object.prototype):
  // a plain object's prototype is null or an Object.prototype, whose own prototype is null.
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

export function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** Throws `invalid_message` when a value holds a prototype-reaching key at any depth. */
export function assertSafeKeys(value: unknown, where: string, depth = 0): void {
  if (depth > 64) throw new ProtocolError('invalid_message', `${where} is nested too deeply`);
  if (Array.isArray(value)) {
    for (const v of value) assertSafeKeys(v, where, depth + 1);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) throw new ProtocolError('invalid_message', `${where} may not contain the key "${key}"`);
      assertSafeKeys((value as Record<string, unknown>)[key], where, depth + 1);
    }
  }
}

/** Reads a dotted path (`a.b.c`) from plain data; never walks into prototypes. */
export function getPath(data: unknown, path: string | undefined): { found: boolean; value: unknown } {
  if (path === undefined || path === '') return { found: data !== undefined, value: data };
  let cur: unknown = data;
  for (const part of path.split('.')) {
    if (FORBIDDEN_KEYS.has(part)) return { found: false, value: undefined };
    if (Array.isArray(cur) && /^\d+$/.test(part)) {
      cur = cur[Number(part)];
    } else if (cur !== null && typeof cur === 'object' && hasOwn(cur, part)) {
      cur = (cur as Record<string, unknown>)[part];
    } else {
      return { found: false, value: undefined };
    }
  }
  return { found: cur !== undefined, value: cur };
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => hasOwn(b as object, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export function findStep(d: WorkflowDraft, stepId: string): ApprovalStep | undefined {
  return d.steps.find((s) => s.id === stepId);
}

export function requireStep(d: WorkflowDraft, stepId: string | undefined): ApprovalStep {
  if (stepId === undefined) throw new ProtocolError('invalid_message', 'stepId is required for this action');
  const step = findStep(d, stepId);
  if (!step) throw new ProtocolError('not_found', `No step "${stepId}" in this workflow`);
  return step;
}

export function isTerminalState(s: ApprovalStep): boolean {
  return TERMINAL_STEP_STATES.includes(s.state);
}

/** Rejected or cancelled by the user (whatever the step's execution state). */
export function hasDeclinedStatus(s: ApprovalStep): boolean {
  return s.approvalStatus === 'step_rejected' || s.approvalStatus === 'user_cancelled';
}

/** Declined before it ran: pending, and rejected or cancelled. */
export function isDeclined(s: ApprovalStep): boolean {
  return s.state === 'pending' && hasDeclinedStatus(s);
}

/** Pending and not declined: it may still run. */
export function isOpen(s: ApprovalStep): boolean {
  return s.state === 'pending' && !hasDeclinedStatus(s);
}

/** A step that will never run again: finished, skipped, or declined by the user. */
export function isDone(s: ApprovalStep): boolean {
  return isTerminalState(s) || isDeclined(s);
}

export function isUndecided(s: ApprovalStep): boolean {
  return s.approvalStatus === 'draft_pending' || s.approvalStatus === 'step_modified' || s.approvalStatus === 'waiting_user_approval';
}

/**
 * A deep copy of JSON data: the domain's drafts, params and results are JSON (parsed from Redis or
 * from socket.io, or built from such values). ~6× faster than `structuredClone` on a seed draft
 * (measured, docs/DECISIONS.md), and every transition copies the whole draft. An own `__proto__`
 * key (JSON.parse makes one) is copied as an own property, never through the prototype. Values
 * JSON cannot hold are kept by reference: none reach the domain (what comes from outside is parsed
 * from JSON, and the built-in handlers return plain data). User values are nested at most 64
 * levels and template paths are at most 200 characters, far below the copy's 1,000.
 */
export function clone<T>(v: T): T {
  return copyJson(v, 0) as T;
}

const MAX_CLONE_DEPTH = 1000;

function copyJson(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (depth > MAX_CLONE_DEPTH) throw new RangeError('value nested too deeply to copy');
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyJson(v[i], depth + 1);
    return out;
  }
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const copy = copyJson((v as Record<string, unknown>)[key], depth + 1);
    if (key === '__proto__') Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[key] = copy;
  }
  return out;
}
