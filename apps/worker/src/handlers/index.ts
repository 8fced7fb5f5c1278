/**
 * Step handlers of the catalog (SPEC §7) over the built-in workspace, their compensations for
 * rollback (SPEC §6.7), and `runHandler`, the single entry point the BullMQ processor calls.
 */
import { z } from 'zod';
import { RESOLVED_PARAM_SCHEMAS, isActionName, type ActionName } from '@wfa/protocol';
import type { Compensation, HandlerContext, HandlerMap, HandlerOutcome } from './types';
import { PermanentStepError } from './types';
import { createEvent, findFreeTime, listEvents } from './calendar';
import { completeTask, createTask, listTasks, updateTask } from './tasks';
import { createContact, getAllContacts, searchContacts } from './contacts';
import { createDraft, fetchEmails, sendEmail } from './email';
import { summarize, userIntervention } from './misc';

export type { Compensation, HandlerContext, HandlerMap, HandlerOutcome, StepHandler } from './types';
export { PermanentStepError } from './types';
export { Workspace, deriveId } from './workspace';
export type { CalendarEvent, Contact, Draft, Mail, Task } from './workspace';
export { seedDemoWorkspace } from './seed';
export { UNKNOWN_CONTACT_OPTIONS } from './contacts';

export const HANDLERS: HandlerMap = {
  list_events: listEvents,
  create_event: createEvent,
  find_free_time: findFreeTime,
  list_tasks: listTasks,
  create_task: createTask,
  update_task: updateTask,
  complete_task: completeTask,
  search_contacts: searchContacts,
  get_all_contacts: getAllContacts,
  create_contact: createContact,
  send_email: sendEmail,
  create_draft: createDraft,
  fetch_emails: fetchEmails,
  summarize,
  user_intervention: userIntervention,
};

/**
 * Reads the created object's id from the step's result. The prefix check keeps a malformed or
 * foreign result from making rollback delete something this kind of step could not have created.
 */
function idFrom(action: ActionName, field: string, prefix: string, data: unknown): string {
  const parsed = z.object({ [field]: z.string().startsWith(`${prefix}_`) }).safeParse(data);
  if (!parsed.success) throw new PermanentStepError(`Cannot undo ${action}: its result has no ${field}`);
  return parsed.data[field] as string;
}

/** All deletes are HDEL, so running a compensation twice is harmless. */
export const COMPENSATIONS: Partial<Record<ActionName, Compensation>> = {
  create_event: async (data, ctx) => {
    await ctx.workspace.deleteEvent(idFrom('create_event', 'eventId', 'evt', data));
  },
  create_draft: async (data, ctx) => {
    await ctx.workspace.deleteDraft(idFrom('create_draft', 'draftId', 'draft', data));
  },
  create_task: async (data, ctx) => {
    await ctx.workspace.deleteTask(idFrom('create_task', 'taskId', 'task', data));
  },
  create_contact: async (data, ctx) => {
    await ctx.workspace.deleteContact(idFrom('create_contact', 'contactId', 'contact', data));
  },
};

/** Validates the resolved params strictly, then dispatches. Bad params can never succeed on retry. */
export async function runHandler(action: ActionName, rawParams: unknown, ctx: HandlerContext): Promise<HandlerOutcome> {
  // The action comes from stored job data at runtime; the type alone does not guarantee it.
  if (!isActionName(action)) throw new PermanentStepError(`Unknown action "${String(action)}"`);
  const parsed = RESOLVED_PARAM_SCHEMAS[action].safeParse(rawParams);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw new PermanentStepError(`Invalid params for ${action}: ${issues.join('; ')}`);
  }
  // TS cannot correlate HANDLERS[action] with the schema picked by the same `action`; the map's
  // type already ties each handler to its own schema, so widening here is sound.
  const handler = HANDLERS[action] as (params: unknown, ctx: HandlerContext) => Promise<HandlerOutcome>;
  return handler(parsed.data, ctx);
}
