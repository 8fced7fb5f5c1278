import { z } from 'zod';
import type { ActionType } from './enums';
import { isRealIsoTime } from './iso-time';
import { mailFolder } from './mail-folders';

/**
 * The step catalog of SPEC §7: every action, grouped by type, with the params it takes.
 * Param schemas are built twice: once for drafts (a value may still be a `{{stepId.field}}`
 * template that is only resolved just before the step runs) and once for execution
 * (everything resolved, checked strictly).
 */
export const ACTIONS_BY_TYPE = {
  calendar: ['list_events', 'create_event', 'find_free_time'],
  task: ['list_tasks', 'create_task', 'update_task', 'complete_task'],
  contact: ['search_contacts', 'get_all_contacts', 'create_contact'],
  email: ['send_email', 'create_draft', 'fetch_emails'],
  analysis: ['summarize'],
  system: ['user_intervention'],
} as const satisfies Record<ActionType, readonly string[]>;

export type ActionName = (typeof ACTIONS_BY_TYPE)[keyof typeof ACTIONS_BY_TYPE][number];
export const ALL_ACTIONS: readonly ActionName[] = Object.values(ACTIONS_BY_TYPE).flat();

/**
 * Actions that change nothing in the user's workspace (they read, summarize, or ask the user):
 * a rollback has nothing to undo for them, which it reports apart from effects it could not undo.
 */
export const READ_ONLY_ACTIONS: readonly ActionName[] = ['list_events', 'find_free_time', 'list_tasks', 'search_contacts', 'get_all_contacts', 'fetch_emails', 'summarize', 'user_intervention'];

export function isReadOnlyAction(action: string): boolean {
  return (READ_ONLY_ACTIONS as readonly string[]).includes(action);
}

/**
 * A value that is exactly one template, e.g. `{{contact_lookup_1.email}}`. The field path is at
 * most 200 characters, like a dependency's `field`: an answer to an intervention builds one
 * nested object per segment, and a workflow must never hold data nested deeper than the domain
 * copies (a longer path is not a template).
 */
export const WHOLE_TEMPLATE_RE = /^\{\{\s*([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_.-]{1,200}))?\s*\}\}$/;
/** Any template inside a string (a string may interpolate several). */
export const TEMPLATE_RE = /\{\{\s*([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_.-]{1,200}))?\s*\}\}/g;

const MAX_TEXT = 10_000;

function isoTime(): z.ZodType<string> {
  return z.string().max(64).refine(isRealIsoTime, { message: 'must be an ISO 8601 date-time that exists' });
}

/**
 * A time range given as two literal times must end after it starts (an event ending before it
 * begins is refused with the plan, not failed when it runs). Templates are checked once resolved.
 */
function endsAfterStart(from: string, to: string) {
  return (params: Record<string, unknown>, ctx: z.core.$RefinementCtx) => {
    const a = params[from];
    const b = params[to];
    if (typeof a !== 'string' || typeof b !== 'string' || !isRealIsoTime(a) || !isRealIsoTime(b)) return;
    if (Date.parse(b) <= Date.parse(a)) ctx.addIssue({ code: 'custom', path: [to], message: `must be after ${from}` });
  };
}

/** For a value-or-template union: the first problem with the value as a value. */
function valueIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_union') return undefined;
  const first = (issue as { errors?: Array<Array<{ message?: string; path?: PropertyKey[] }>> }).errors?.[0]?.[0];
  if (!first?.message) return undefined;
  const at = first.path?.length ? `${first.path.map(String).join('.')}: ` : '';
  const or = ' (or a whole {{stepId.field}} template)';
  return `${at}${first.message}${first.message.endsWith(or) ? '' : or}`;
}

function buildParamSchemas(allowTemplates: boolean) {
  const template = z.string().regex(WHOLE_TEMPLATE_RE, 'must be a {{stepId.field}} template');
  // In drafts, any field may instead hold a whole template; inline templates are plain strings anyway.
  // The union's own message would be zod's "Invalid input": say what is wrong with the value itself.
  const t = <T extends z.ZodType>(schema: T) => (allowTemplates ? z.union([schema, template], { error: valueIssue }) : schema);
  const text = (max = MAX_TEXT) => z.string().min(1).max(max);
  const optText = (max = MAX_TEXT) => z.string().max(max).optional();
  // A line that ends up in a header (an email subject) or a title: no line breaks or other
  // control characters, which a mail provider would read as more headers ("hi\r\nBcc: ...").
  const line = (max: number) => text(max).regex(/^[^\u0000-\u001f\u007f]*$/, 'must be one line, without control characters');
  // RFC 5321's lengths: 64 characters before the @, 254 in all.
  const email = () => t(z.email().max(254).refine((e) => e.lastIndexOf('@') <= 64, 'the part before @ is at most 64 characters'));
  const folder = z.string().max(100).refine((f) => mailFolder(f) !== undefined, 'is not a mail folder; use inbox, sent or drafts');
  const time = () => t(isoTime()).optional();
  const minutes = () => t(z.number().int().min(1).max(24 * 60)).optional();

  return {
    list_events: z.strictObject({ from: time(), to: time() }).superRefine(endsAfterStart('from', 'to')),
    create_event: z.strictObject({
      title: t(line(200)),
      start: time(),
      end: time(),
      durationMinutes: minutes(),
      attendees: t(z.array(email()).max(100)).optional(),
      description: optText(),
    }).superRefine(endsAfterStart('start', 'end')),
    find_free_time: z.strictObject({ from: time(), to: time(), durationMinutes: minutes() }).superRefine(endsAfterStart('from', 'to')),
    list_tasks: z.strictObject({ status: t(z.enum(['open', 'completed', 'all'])).optional() }),
    create_task: z.strictObject({ title: t(line(200)), due: time(), notes: optText() }),
    update_task: z.strictObject({ taskId: t(text(100)), title: t(line(200)).optional(), due: time(), notes: optText() }),
    complete_task: z.strictObject({ taskId: t(text(100)) }),
    search_contacts: z.strictObject({ query: t(text(200)) }),
    get_all_contacts: z.strictObject({}),
    create_contact: z.strictObject({ name: t(line(200)), email: email().optional(), phone: t(line(40)).optional() }),
    send_email: z.strictObject({ recipient: email(), subject: t(line(300)), body: optText() }),
    create_draft: z.strictObject({ recipient: email(), subject: t(line(300)), body: optText() }),
    fetch_emails: z.strictObject({ folder: t(folder).optional(), limit: t(z.number().int().min(1).max(100)).optional() }),
    summarize: z.strictObject({ text: t(text(50_000)) }),
    user_intervention: z.strictObject({ reason: t(text(1000)), options: z.array(text(200)).min(1).max(10) }),
  } satisfies Record<ActionName, z.ZodType>;
}

/** Params as a draft may hold them (templates allowed). */
export const DRAFT_PARAM_SCHEMAS = buildParamSchemas(true);
/** Params as a handler receives them (templates resolved). */
export const RESOLVED_PARAM_SCHEMAS = buildParamSchemas(false);

export type ResolvedParams<A extends ActionName> = z.infer<(typeof RESOLVED_PARAM_SCHEMAS)[A]>;

export function isActionName(action: string): action is ActionName {
  return (ALL_ACTIONS as readonly string[]).includes(action);
}

export function actionBelongsToType(type: ActionType, action: string): boolean {
  return (ACTIONS_BY_TYPE[type] as readonly string[]).includes(action);
}
