import type { PlanContext } from '../builder';
import { planError } from '../errors';
import { capitalize, collapse, quotedIn, restoreQuotes } from '../text';
import { extractWhen, refusePast, startIso, type When } from '../time';
import { COMMON_WORDS, strayWords, vocabulary, without, type Family } from './family';

/** A due date without a time means "by the end of that day". */
const END_OF_DAY: [number, number] = [23, 59];

const TASK_NOUN = String.raw`(?:task|to-?do|todo|reminder|action\s+item)`;
const REMIND = /^remind\s+me\b/i;
const CREATE = new RegExp(String.raw`^(?:add|create|make|new|put|set|log)\s+(?:an?\s+|the\s+)?(?:new\s+)?${TASK_NOUN}\b|^${TASK_NOUN}\s*:`, 'i');
const ADD_TO_LIST = new RegExp(String.raw`^(?:add|put)\s+.+\s+(?:to|on)\s+my\s+(?:${TASK_NOUN}s?(?:\s+list)?|list)\s*$`, 'i');

/** A due date that has already passed ("yesterday", "last Monday at 9am") is refused, not set. */
function dueFor(when: When | undefined, ctx: PlanContext, example: string): string | undefined {
  return when ? refusePast(startIso(when, ctx.time, END_OF_DAY), when, ctx.time, example) : undefined;
}

function cleanTitle(raw: string, ctx: PlanContext): string {
  return capitalize(
    collapse(restoreQuotes(raw, ctx.quotes))
      .replace(/^[:\s-]+/, '')
      .replace(/^(?:to|that|about|of)\b\s*/i, '')
      // Left behind when the date after "due"/"by" was taken out.
      .replace(/\s*\b(?:due|by|on|at)$/i, '')
      .replace(/^(?:due|by)$/i, ''),
  );
}

/** "remind me to call mom tomorrow at 9am", "add a task: renew passport by Friday" → create_task. */
export const createTaskFamily: Family = {
  name: 'create-task',
  example: 'Remind me to call mom tomorrow at 9am',
  starts: (c) => REMIND.test(c) || CREATE.test(c) || ADD_TO_LIST.test(c),
  plan(clause, ctx) {
    let rest = clause;
    let notes: string | undefined;
    const n = /\s*\b(?:with\s+(?:the\s+)?notes?\s*:?|notes?\s*:)\s*(.*)$/i.exec(rest);
    if (n) {
      notes = collapse(restoreQuotes(n[1] ?? '', ctx.quotes)) || undefined;
      rest = rest.slice(0, n.index);
    }
    const { rest: noWhen, when } = extractWhen(rest, ctx.time);
    rest = noWhen;
    if (REMIND.test(rest)) rest = rest.replace(REMIND, '');
    else if (ADD_TO_LIST.test(rest)) rest = rest.replace(/^(?:add|put)\s+/i, '').replace(/\s+(?:to|on)\s+my\s+.*$/i, '');
    else rest = rest.replace(CREATE, '').replace(/^\s*(?:called|titled|named|for)\b/i, '');
    const title = cleanTitle(quotedIn(rest, ctx.quotes) ?? rest, ctx);
    if (!title) throw planError('I could not tell what the task is', this.example);

    const params: Record<string, unknown> = { title };
    const due = dueFor(when, ctx, this.example);
    if (due) params.due = due;
    if (notes) params.notes = notes;
    ctx.builder.add('task_create', params, `Create task "${title}"${when ? ` due ${when.label}` : ''}`);
  },
};

const TASK_REF = String.raw`(?:the\s+)?(?:task\s+)?(?:#|no\.?\s*)?`;
const MARK_DONE = new RegExp(String.raw`^(?:mark|set)\s+${TASK_REF}(.+?)\s+(?:as\s+)?(?:done|complete|completed|finished)$`, 'i');
const COMPLETE = /^(?:complete|finish|close|check\s+off|tick\s+off|cross\s+off)\s+(?:the\s+)?task\s+(?:#|no\.?\s*)?(.+)$/i;

/**
 * Words that point at a task without naming it ("mark the task done", "update the task due
 * Friday"): taken as the id, they planned a step bound to fail. The user names the task instead.
 */
const NOT_A_TASK_NAME = /^(?:the|a|an|my|this|that|it|its|one|task|tasks|to-?do|reminder|last|latest|first|next|due|to|title|name|notes?|deadline|with|by|on|as)$/i;

function taskId(raw: string, ctx: PlanContext): string {
  const id = collapse(restoreQuotes(raw, ctx.quotes)).replace(/^(?:the\s+)?(?:task\s+)?/i, '');
  return NOT_A_TASK_NAME.test(id) ? '' : id;
}

/**
 * "mark task task_123 as done", "complete task Buy milk" → complete_task. The words after "task"
 * become `taskId` as given: an id such as task_123, or the task's title for handlers that match by title.
 */
export const completeTaskFamily: Family = {
  name: 'complete-task',
  example: 'Mark task task_123 as done',
  starts: (c) => MARK_DONE.test(c) || COMPLETE.test(c),
  plan(clause, ctx) {
    const m = MARK_DONE.exec(clause) ?? COMPLETE.exec(clause);
    const id = taskId(m?.[1] ?? '', ctx);
    if (!id) throw planError('I could not tell which task to complete; name it by its id or its title', this.example);
    ctx.builder.add('task_complete', { taskId: id }, `Mark task ${id} as done`);
  },
};

const UPDATE = /^(?:update|change|edit|move|reschedule|push|postpone|rename|set)\s+(?:the\s+)?(?:(?:due\s+date|deadline|title|name|notes?)\s+(?:of|for|on)\s+)?(?:the\s+)?task\b/i;

/** "update task task_123 due Friday", "rename task task_7 to Pay rent" → update_task. */
export const updateTaskFamily: Family = {
  name: 'update-task',
  example: 'Update task task_123 due Friday',
  starts: (c) => UPDATE.test(c),
  plan(clause, ctx) {
    const body = clause.replace(UPDATE, '').trim();
    // The id is one token (task_123, #12, a quoted title) followed by what changes.
    const m = /^(?:#|no\.?\s*)?(\uE000\d+\uE001|\S+)\s*(.*)$/.exec(body);
    const id = m ? taskId(m[1] ?? '', ctx) : '';
    let rest = m?.[2] ?? '';
    if (!id) throw planError('I could not tell which task to update; name it by its id or its title', this.example);

    const params: Record<string, unknown> = { taskId: id };
    const changes: string[] = [];
    const notes = /\s*\b(?:(?:add\s+)?(?:a\s+)?notes?|with\s+(?:the\s+)?notes?)\s*(?:to\s+)?:?\s*(.+)$/i.exec(rest);
    if (notes) {
      params.notes = collapse(restoreQuotes(notes[1] ?? '', ctx.quotes));
      rest = rest.slice(0, notes.index);
      changes.push('notes');
    }
    const { rest: noWhen, when } = extractWhen(rest, ctx.time);
    if (when) {
      params.due = dueFor(when, ctx, this.example);
      changes.push(`due ${when.label}`);
    }
    const title = /(?:^|\s)(?:(?:rename\s+(?:it\s+)?|(?:change\s+|set\s+)?(?:the\s+)?(?:title|name)\s+)?to|title\s*:?)\s+(.+)$/i.exec(noWhen);
    if (title) {
      params.title = capitalize(collapse(restoreQuotes(title[1] ?? '', ctx.quotes)));
      changes.push(`title "${String(params.title)}"`);
    }
    if (changes.length === 0) {
      throw planError(`I could not tell what to change on task ${id}`, this.example);
    }
    ctx.builder.add('task_update', params, `Update task ${id}: ${changes.join(', ')}`);
  },
};

const TASK_WORDS = vocabulary(
  COMMON_WORDS,
  'task tasks todo todos to-do to-dos todo-list list lists open pending outstanding remaining incomplete unfinished active left done completed complete finished closed already still been',
);

/** "list my tasks", "show my open tasks", "what have I completed?" → list_tasks. */
export const listTasksFamily: Family = {
  name: 'list-tasks',
  example: 'Show my open tasks',
  starts: (c) =>
    /^(?:list|show|display|get|view|see|check|read|give\s+me|tell\s+me|what(?:'s|s|\s+is|\s+are)?|which|do\s+i\s+have|any)\b.*\b(?:tasks?|to-?dos?|todo\s+list|to-?do\s+list)\b/i.test(c) ||
    /^(?:my\s+)?(?:open\s+|completed\s+)?(?:tasks|to-?dos)$/i.test(c),
  plan(clause, ctx) {
    const stray = strayWords(clause, TASK_WORDS);
    if (stray.length > 0) throw planError(`I did not understand "${stray.join(' ')}" in that request`, 'Show my open tasks');
    const params: Record<string, unknown> = {};
    let which = '';
    if (/\b(?:open|pending|outstanding|remaining|incomplete|unfinished|active|left|to\s+do)\b/i.test(without(clause, /\bto-?do\s+list\b/i))) {
      params.status = 'open';
      which = 'open ';
    } else if (/\b(?:completed|done|finished|closed)\b/i.test(clause)) {
      params.status = 'completed';
      which = 'completed ';
    } else if (/\ball\b/i.test(clause)) {
      params.status = 'all';
      which = 'all ';
    }
    ctx.builder.add('task_list', params, `List your ${which}tasks`);
  },
};
