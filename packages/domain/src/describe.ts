/** Human text for drafts, impacts and conflicts (seed wording where the seed shows it). */
import { WHOLE_TEMPLATE_RE } from '@wfa/protocol';
import type { ApprovalStep } from '@wfa/protocol';
import { actionInfo } from './risk';

interface DescStep {
  id: string;
  action: string;
  params: Record<string, unknown>;
  description: string;
}

const FIELD_LABELS: Record<string, string> = {
  email: 'email address',
  phone: 'phone number',
  name: 'name',
  eventId: 'event',
  taskId: 'task',
  draftId: 'draft',
  messageId: 'message',
  slots: 'free time slots',
  summary: 'summary',
};

/** A list of fields: all needed ("email address and phone number"), or any one will do ("... or ..."). */
export interface FieldList {
  fields: readonly string[];
  anyOf?: boolean;
}

/** One field ("email address"), or several. */
export function fieldLabel(field: string | FieldList | undefined): string {
  if (field === undefined) return 'result';
  if (typeof field !== 'string') return listText(field.fields.map((f) => fieldLabel(f)), field.anyOf ? 'or' : 'and');
  return FIELD_LABELS[field] ?? field;
}

function listText(items: readonly string[], word = 'and'): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1]!}`;
}

function plainString(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' && !v.includes('{{') ? v.trim() : undefined;
}

/** Who a contact-like step is about ("John"), when it is a plain lookup. */
export function subjectOf(step: DescStep | undefined): string | undefined {
  if (!step) return undefined;
  if (step.action === 'search_contacts') return plainString(step.params['query']);
  if (step.action === 'create_contact') return plainString(step.params['name']);
  return undefined;
}

/** "John" for `{{contact_lookup_1.email}}` when that step looks John up; else the literal or a phrase. */
function personFor(value: unknown, steps: readonly DescStep[], fallback: string): string {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') {
    const m = WHOLE_TEMPLATE_RE.exec(first);
    if (m) return subjectOf(steps.find((s) => s.id === m[1])) ?? fallback;
    if (!first.includes('{{')) return first;
  }
  return fallback;
}

export function userFriendlyDescription(step: DescStep, steps: readonly DescStep[]): string {
  const p = step.params;
  const title = plainString(p['title']);
  switch (step.action) {
    case 'search_contacts':
      return `Look up ${plainString(p['query']) ?? 'a contact'} in your contacts`;
    case 'get_all_contacts':
      return 'List all your contacts';
    case 'create_contact':
      return `Add ${plainString(p['name']) ?? 'a new contact'} to your contacts`;
    case 'create_draft':
    case 'send_email': {
      const who = personFor(p['recipient'], steps, 'the recipient');
      const subject = plainString(p['subject']);
      const verb = step.action === 'send_email' ? 'Send an email' : 'Create an email draft';
      return `${verb} to ${who}${subject ? `: "${subject}"` : ''}`;
    }
    case 'fetch_emails':
      return `Fetch emails${plainString(p['folder']) ? ` from ${String(p['folder'])}` : ''}`;
    case 'create_event': {
      const attendees = Array.isArray(p['attendees']) ? p['attendees'] : [];
      const who = attendees.length > 0 ? ` with ${personFor(attendees, steps, 'the attendees')}` : '';
      return `Create the calendar event ${title ? `"${title}"` : ''}${who}`.replace('  ', ' ');
    }
    case 'list_events':
      return 'List your calendar events';
    case 'find_free_time':
      return 'Find free time in your calendar';
    case 'list_tasks':
      return 'List your tasks';
    case 'create_task':
      return `Create the task ${title ? `"${title}"` : ''}`.trim();
    case 'update_task':
      return 'Update a task';
    case 'complete_task':
      return 'Mark a task as completed';
    case 'summarize':
      return 'Summarize the text';
    case 'user_intervention':
      return plainString(p['reason']) ?? 'Ask you a question';
    default:
      return step.description;
  }
}

export function expectedOutcome(step: DescStep, steps: readonly DescStep[]): string {
  const p = step.params;
  const title = plainString(p['title']);
  switch (step.action) {
    case 'search_contacts': {
      const q = plainString(p['query']);
      return q ? `Find ${q}'s email address` : "Find the contact's details";
    }
    case 'get_all_contacts':
      return 'Your contacts, listed';
    case 'create_contact':
      return 'A new contact in your address book';
    case 'create_draft':
      return 'Draft email created in your mailbox';
    case 'send_email':
      return `Email sent to ${personFor(p['recipient'], steps, 'the recipient')}`;
    case 'fetch_emails':
      return 'Your recent emails, listed';
    case 'create_event':
      return title ? `"${title}" scheduled in your calendar` : 'Event scheduled in your calendar';
    case 'list_events':
      return 'Your calendar events, listed';
    case 'find_free_time':
      return 'Free time slots you could use';
    case 'list_tasks':
      return 'Your tasks, listed';
    case 'create_task':
      return title ? `Task "${title}" created` : 'Task created';
    case 'update_task':
      return 'Task updated';
    case 'complete_task':
      return 'Task marked as completed';
    case 'summarize':
      return 'A short summary of the text';
    case 'user_intervention':
      return 'Your answer';
    default:
      return 'Step completed';
  }
}

/** Lower-case step label for sentences: "contact lookup". */
export function stepLabel(step: { action: string } | undefined): string {
  if (!step) return 'the step';
  return actionInfo(step.action).label.toLowerCase();
}

/** "John's email address" / "the email address" / "the result of contact lookup". */
export function neededValue(dep: DescStep | undefined, field: string | undefined): string {
  const who = subjectOf(dep);
  if (field === undefined) return `the result of ${stepLabel(dep)}`;
  return who ? `${who}'s ${fieldLabel(field)}` : `the ${fieldLabel(field)}`;
}

/** Seed wording: "Needs email address from contact lookup". */
export function issueText(dep: DescStep | undefined, field: string | FieldList | undefined): string {
  return field === undefined ? `Needs the result of ${stepLabel(dep)}` : `Needs ${fieldLabel(field)} from ${stepLabel(dep)}`;
}

/** DependencyMap reason, e.g. "Needs John's email address from contact lookup". */
export function dependencyReason(deps: Array<{ dep: DescStep | undefined; field: string | undefined }>): string {
  return deps
    .map(({ dep, field }) =>
      field === undefined ? `Runs after ${stepLabel(dep)}` : `Needs ${neededValue(dep, field)} from ${stepLabel(dep)}`,
    )
    .join('; ');
}

/** "Provide John's email address manually" / "Provide the email value manually". */
export function provideText(dep: DescStep | undefined, field: string | FieldList | undefined): string {
  const who = subjectOf(dep);
  if (field !== undefined && who) return `Provide ${who}'s ${fieldLabel(field)} manually`;
  if (typeof field === 'string') return `Provide the ${field} value manually`;
  if (field !== undefined) return `Provide the ${listText(field.fields, field.anyOf ? 'or' : 'and')} ${field.anyOf && field.fields.length > 1 ? 'value' : 'values'} manually`;
  return `Provide the result of ${stepLabel(dep)} manually`;
}

/** "Skip email step", "Skip email and calendar steps". */
export function skipText(dependents: Array<{ action: string }>): string {
  const nouns = [...new Set(dependents.map((s) => actionInfo(s.action).noun))];
  if (nouns.length === 0) return 'Skip the dependent steps';
  const list = nouns.length === 1 ? nouns[0]! : `${nouns.slice(0, -1).join(', ')} and ${nouns[nouns.length - 1]!}`;
  return `Skip ${list} ${dependents.length === 1 ? 'step' : 'steps'}`;
}

export function reapproveText(dep: DescStep | undefined): string {
  return `Re-approve ${stepLabel(dep)}`;
}

/**
 * The step's text as it stands: once its params were changed (an edit, an intervention's new
 * input), the description written for the new params ("Look up Johnny…"), not the plan's.
 */
export function currentText(s: Pick<ApprovalStep, 'description' | 'isModified' | 'userFriendlyDescription'>): string {
  return s.isModified && s.userFriendlyDescription ? s.userFriendlyDescription : s.description;
}

export function quote(step: Pick<ApprovalStep, 'description'>): string {
  return `"${step.description}"`;
}

export function summaryOf(steps: Array<{ action: string }>): string {
  const labels = steps.map((s) => actionInfo(s.action).label);
  return `${steps.length}-step workflow: ${labels.join(' → ')}`;
}
