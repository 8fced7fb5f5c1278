import { planError } from '../errors';
import { joinNames, parsePeople, personLabel } from '../text';
import { extractDuration, extractWhen, instantIso, rangeIso, type TimeContext, type When } from '../time';
import { COMMON_WORDS, strayWords, vocabulary, type Family } from './family';

const FREE = [
  /^(?:find|look\s+for|search\s+for|suggest)\b.*\b(?:free|open|available)\b/i,
  /^(?:get|show|give|check|list)\b.*\b(?:free|open|available)\b.*\b(?:time|slots?|windows?|spots?)\b/i,
  /^find\s+(?:me\s+)?(?:an?\s+|some\s+)?(?:time|slot)\b/i,
  /^when\s+(?:am\s+i|are\s+we)\s+(?:free|available)\b/i,
  /^(?:do\s+i\s+have|is\s+there)\s+(?:any\s+)?(?:free|open)\s+(?:time|slots?)\b/i,
  /^am\s+i\s+(?:free|available)\b/i,
];

const CAL_WORDS = String.raw`(?:calendar|schedule|agenda|diary|events?|meetings?|appointments?)`;
const AGENDA = [
  new RegExp(String.raw`^(?:what(?:'s|s|\s+is|\s+are)?|show|list|check|view|see|display|get|tell\s+me|give\s+me|read|open|do\s+i\s+have|any)\b.*\b${CAL_WORDS}\b`, 'i'),
  /^what(?:'s|s|\s+is)?\s+(?:on|happening|planned|scheduled|coming\s+up)\b/i,
  /^what\s+do\s+i\s+have\b/i,
  /^am\s+i\s+busy\b/i,
  /^(?:my\s+)?(?:calendar|schedule|agenda|diary)\b/i,
];

const FREE_WORDS = vocabulary(COMMON_WORDS, 'find look search suggest free open available time slot slots window windows spot spots when where meet meeting calendar schedule');
const AGENDA_WORDS = vocabulary(COMMON_WORDS, "calendar calendars schedule agenda diary event events meeting meetings appointment appointments happening planned scheduled coming upcoming busy today's tomorrow's was were did had");

function requireNoStrayWords(text: string, words: ReadonlySet<string>, example: string): void {
  const stray = strayWords(text, words);
  if (stray.length > 0) throw planError(`I did not understand "${stray.join(' ')}" in that request`, example);
}

/** Never propose a slot that has already passed: a range that starts earlier today starts now. */
function notBeforeNow(range: { from: string; to: string }, tc: TimeContext): { from: string; to: string } {
  return Date.parse(range.from) < tc.now.getTime() ? { ...range, from: instantIso(tc.now, tc.timezone) } : range;
}

function rangeFor(when: When | undefined, tc: TimeContext): { from: string; to: string } | undefined {
  return when ? rangeIso(when, tc) : undefined;
}

/** "find a free 30 minute slot tomorrow", "when am I free next week?" → find_free_time. */
export const freeTimeFamily: Family = {
  name: 'free-time',
  example: 'Find a free 30 minute slot tomorrow',
  starts: (c) => FREE.some((re) => re.test(c)),
  plan(clause, ctx) {
    const dur = extractDuration(clause);
    const { rest: afterWhen, when } = extractWhen(dur.rest, ctx.time);
    // "... for a meeting with Sarah": only the user's own calendar is searched, so the people are
    // named in the description but get no lookup step.
    const withWho = /\s*\bwith\s+(.+)$/i.exec(afterWhen);
    const people = withWho ? parsePeople(withWho[1] ?? '', ctx.memory.people) : undefined;
    const rest = withWho && people ? afterWhen.slice(0, withWho.index) : afterWhen;
    requireNoStrayWords(rest, FREE_WORDS, this.example);
    const params: Record<string, unknown> = {};
    const range = rangeFor(when, ctx.time);
    // With no day named, from/to are left out and the handler searches its default window.
    if (range) Object.assign(params, notBeforeNow(range, ctx.time));
    if (dur.minutes !== undefined) params.durationMinutes = dur.minutes;
    const slot = dur.minutes !== undefined ? `a free ${dur.minutes}-minute slot` : 'free time';
    const forWhom = people ? ` for a meeting with ${joinNames(people.map(personLabel))}` : '';
    ctx.builder.add('calendar_free', params, `Find ${slot}${when ? ` ${when.label}` : ''}${forWhom}`);
    if (people) ctx.memory.people = people;
  },
};

/** "what's on my calendar today", "show my meetings this week" → list_events. */
export const agendaFamily: Family = {
  name: 'agenda',
  example: "What's on my calendar today?",
  starts: (c) => AGENDA.some((re) => re.test(c)),
  plan(clause, ctx) {
    const { rest, when } = extractWhen(clause, ctx.time);
    requireNoStrayWords(rest, AGENDA_WORDS, this.example);
    const params: Record<string, unknown> = {};
    const range = rangeFor(when, ctx.time);
    if (range) Object.assign(params, range);
    ctx.builder.add('calendar_list', params, `List your calendar events${when ? ` ${when.label}` : ''}`);
  },
};
