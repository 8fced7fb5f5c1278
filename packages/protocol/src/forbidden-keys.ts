/** Keys that could reach an object's prototype if a careless merge ever met them. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The path of the first prototype-reaching key anywhere in a parsed JSON value, or undefined.
 * `JSON.parse` makes `"__proto__"` an own property; zod's records then leave it out silently, so
 * this runs on the raw message, before any schema. Iterative: a 64 KB message can nest ~30,000
 * levels deep, more than a recursive walk's stack allows.
 */
export function findForbiddenKey(value: unknown): string | undefined {
  const stack: Array<{ v: unknown; path: string }> = [{ v: value, path: '' }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ v: item, path: `${path}[${i}]` }));
      continue;
    }
    for (const key of Object.keys(v)) {
      const at = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) return at;
      stack.push({ v: (v as Record<string, unknown>)[key], path: at });
    }
  }
  return undefined;
}
