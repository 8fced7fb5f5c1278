/** Keys that could reach an object's prototype if a careless merge ever met them. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * How deeply a client message may nest (the envelope is level 1). Far above what any message
 * needs (user values inside one are refused past 64 levels by the domain), and low enough that
 * every later step (measuring its size with JSON.stringify, the schemas, copies) stays clear of
 * the stack limit: a 64 KB message could otherwise nest ~30,000 levels deep.
 */
export const MAX_MESSAGE_DEPTH = 100;

/** What makes a raw message unreadable before any schema looks at it. */
export type RawMessageProblem = { kind: 'forbidden_key'; path: string } | { kind: 'too_deep'; path: string };

/**
 * The first prototype-reaching key anywhere in a parsed JSON value, or the first place it nests
 * deeper than `maxDepth`, in one walk. `JSON.parse` makes `"__proto__"` an own property; zod's
 * records then leave it out silently, so this runs on the raw message, before any schema.
 * Iterative, so that any depth is walked without overflowing the stack.
 */
export function findRawMessageProblem(value: unknown, maxDepth = Infinity): RawMessageProblem | undefined {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: '', depth: 1 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxDepth) return { kind: 'too_deep', path: path || '(message)' };
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ v: item, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    for (const key of Object.keys(v)) {
      const at = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) return { kind: 'forbidden_key', path: at };
      stack.push({ v: (v as Record<string, unknown>)[key], path: at, depth: depth + 1 });
    }
  }
  return undefined;
}

/** The path of the first prototype-reaching key anywhere in a parsed JSON value, or undefined. */
export function findForbiddenKey(value: unknown): string | undefined {
  const problem = findRawMessageProblem(value);
  return problem?.kind === 'forbidden_key' ? problem.path : undefined;
}
