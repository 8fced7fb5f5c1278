/**
 * Validation complaints in plain words. The same zod schemas check params in the browser and on the
 * server, so the server's messages (EDIT_RESULT errors, an error's text and `details.issues`) carry
 * zod's wording too ("Invalid input: expected int, received number"): each known phrase is
 * rewritten here, wherever it comes from.
 */

const TEMPLATE_TAIL = / \(or a whole \{\{stepId\.field\}\} template\)/g;

/** [zod's phrase, the plain one], most specific first. */
const PHRASES: Array<[RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  [/Invalid input: expected int, received \w+/g, 'enter a whole number'],
  [/Invalid input: expected number, received (?:undefined|null)/g, 'this field is required'],
  [/Invalid input: expected number, received \w+/g, 'enter a number'],
  [/Invalid input: expected string, received (?:undefined|null)/g, 'this field is required'],
  [/Invalid input: expected string, received \w+/g, 'enter text'],
  [/Invalid input: expected array, received \w+/g, 'enter one value per line'],
  [/Invalid input: expected (\w+), received \w+/g, (_m, t) => `enter a ${t === 'boolean' ? 'yes or no' : 'valid'} value`],
  [/Too small: expected string to have >=1 characters?/g, 'this field is required'],
  [/Too small: expected string to have >=(\d+) characters/g, (_m, n) => `use at least ${n} characters`],
  [/Too big: expected string to have <=(\d+) characters/g, (_m, n) => `use at most ${n} characters`],
  [/Too small: expected number to be >=(-?[\d.]+)/g, (_m, n) => `enter ${n} or more`],
  [/Too small: expected number to be >(-?[\d.]+)/g, (_m, n) => `enter more than ${n}`],
  [/Too big: expected number to be <=(-?[\d.]+)/g, (_m, n) => `enter ${n} or less`],
  [/Too big: expected number to be <(-?[\d.]+)/g, (_m, n) => `enter less than ${n}`],
  [/Too small: expected array to have >=(\d+) items?/g, (_m, n) => `enter at least ${n} value${n === '1' ? '' : 's'}`],
  [/Too big: expected array to have <=(\d+) items?/g, (_m, n) => `enter at most ${n} values`],
  [/Invalid email address/g, 'enter a valid email address'],
  [/Invalid option: expected one of ([^;]+)/g, (_m, list) => `choose one of ${list.replace(/"/g, '').split('|').join(', ')}`],
  [/Unrecognized keys?: ([^;]+)/g, (_m, keys) => `unknown field${keys.includes(',') ? 's' : ''} ${keys.replace(/"/g, '')}`],
  [/must be an ISO 8601 date-time that exists/g, 'enter a real date and time, e.g. 2026-12-01T15:00:00Z'],
  [/must be one line, without control characters/g, 'keep it on one line'],
  [/reminderIntervals lists the same interval twice/g, 'the same reminder is listed twice'],
  [/Invalid input/g, 'this value is not accepted'],
];

/** Rewrite every zod phrase inside a longer text (an error message naming several fields). */
export function plainText(text: string): string {
  let out = text.replace(TEMPLATE_TAIL, '');
  for (const [re, to] of PHRASES) out = typeof to === 'string' ? out.replace(re, to) : out.replace(re, to);
  return out;
}

const sentence = (s: string): string => {
  const t = s.trim();
  if (!t) return t;
  const cap = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?]$/.test(cap) ? cap : `${cap}.`;
};

export type FieldKind = 'text' | 'longtext' | 'email' | 'number' | 'list' | 'enum' | 'json';

/**
 * One field's complaint as a sentence. A value the schema refused as a whole (zod then says it is
 * not a `{{stepId.field}}` template) is described by what the field takes.
 */
export function plainFieldIssue(message: string, kind?: FieldKind, options?: string[]): string {
  if (/must be a \{\{stepId\.field\}\} template/.test(message)) {
    switch (kind) {
      case 'number':
        return 'Enter a whole number.';
      case 'enum':
        return options?.length ? `Choose one of ${options.join(', ')}.` : 'Choose one of the listed values.';
      case 'list':
        return 'Enter one value per line.';
      case 'email':
        return 'Enter a valid email address.';
      default:
        return 'This value is not accepted.';
    }
  }
  return sentence(plainText(message));
}

/** A server error's zod issues (`details.issues`, or `details` itself when it is the list): `{ path, message }` each. */
export function issueList(details: unknown): Array<{ path: unknown[]; message: string }> {
  const list = Array.isArray(details) ? details : (details as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(list)) return [];
  return list.flatMap((i: unknown) => {
    const o = i as { path?: unknown; message?: unknown };
    if (typeof o?.message !== 'string') return [];
    return [{ path: Array.isArray(o.path) ? o.path : [], message: o.message }];
  });
}

/** `details.issues` of a server error, each by the top-level field it names ('' for none). */
export function issuesOf(details: unknown): Array<{ field: string; message: string }> {
  return issueList(details).map(({ path, message }) => ({ field: path.length ? String(path[0]) : '', message }));
}
