import { planError } from '../errors';
import { capitalize, collapse, hasQuote, joinNames, parsePeople, personLabel, quotedIn, restoreQuotes, type Person } from '../text';
import { extractDuration, extractWhen, futureStart, refusePast, zonedIso } from '../time';
import { without, type Family } from './family';

const EXAMPLE = 'Schedule a meeting with Sarah tomorrow at 3pm for 45 minutes';

const SCHEDULE = /^(?:schedule|set\s*up|arrange|book|organi[sz]e)\s+\S/i;
const CREATE = /^(?:create|add|make|put|new|set)\s+(?:an?\s+|the\s+)?(?:new\s+)?(?:calendar\s+)?(?:event|meeting|appointment|call|entry)\b/i;
const ON_CALENDAR = /^(?:add|put)\s+.+\s+(?:on|to|in|into)\s+(?:my\s+)?calendar\b/i;
const MEET = /^meet(?:\s+up)?\s+with\s+\S/i;
const INVITE = /^invite\s+.+?\s+to\s+\S/i;
const BLOCK = /^block\s+(?:off\s+|out\s+)?\S/i;

const LEAD = /^(?:schedule|set\s*up|arrange|book|organi[sz]e|create|add|make|put|new|set|block(?:\s+(?:off|out))?|meet(?:\s+up)?)\s+/i;
/**
 * "Book a flight / a hotel / a table": buying or reserving something, which no action in the
 * catalog does. Planned as a calendar event it looked like the booking was made.
 */
const PURCHASE = /^(?:book|order|reserve)\s+(?:me\s+)?(?:an?\s+|the\s+|my\s+|some\s+|\d+\s+)?(?:(?:plane|train|bus|concert|movie|cinema|theat(?:re|er)|return|one-way|round-trip)\s+)?(?:flights?|hotels?|tickets?|trains?|taxis?|cabs?|ubers?|lyfts?|cars?|rental\s+cars?|tables?|restaurants?|seats?|trips?|rooms?\s+at|airbnbs?|hostels?|stays?|tours?)\b/i;

/** Nouns that say "an entry in the calendar" without saying what it is about. */
const GENERIC = /^(?:(?:calendar\s+)?(?:event|entry)|appointment|time|calendar)$/i;
/** Words that name something one puts on a calendar; without one, a person or a time, "schedule X" is not understood. */
const EVENT_NOUN =
  /\b(?:meeting|call|sync|catch-?up|1:1|one-on-one|lunch|coffee|dinner|breakfast|drinks|appointment|event|interview|review|stand-?up|session|demo|party|visit|workout|class|presentation|check-?in|offsite|workshop|webinar|conference|briefing|retro(?:spective)?|planning|appointment)\b/i;
/** A title made of the planner's own command words or ending in a preposition is a misparse, not a title. */
const NOT_A_TITLE =
  /\b(?:send|schedule|remind|create|add|find|check|list|show|mark|update|what|what's|whats|inbox|contacts?|tasks?|due|done|me|him|her|it|them|then|slot|free)\b|\b(?:with|about|for|at|on|to|and|the|an?|my|of|in|from|by)$|^\W*$/i;
const MEETING_LIKE = /^(?:(?:the|our|a|this|that)\s+)?(?:meeting|call|sync|catch-?up)$/i;

/** Meetings and calendar events: create_event, with a lookup per named attendee. */
export const meetingFamily: Family = {
  name: 'meeting',
  example: EXAMPLE,
  starts: (c) => [SCHEDULE, CREATE, ON_CALENDAR, MEET, INVITE, BLOCK].some((re) => re.test(c)),
  plan(clause, ctx) {
    const purchase = PURCHASE.exec(clause);
    if (purchase) {
      throw planError(`I cannot ${purchase[0].toLowerCase()}; I can only put it in your calendar`, 'Add "Flight to Paris" to my calendar next Friday at 9am');
    }
    const q = (s: string) => collapse(restoreQuotes(s, ctx.quotes));
    let rest = clause;
    let explicitTitle = hasQuote(rest) ? quotedIn(rest, ctx.quotes) : undefined;
    if (explicitTitle !== undefined) rest = without(rest, /\s*(?:called|titled|named)?\s*\uE000\d+\uE001/);

    const dur = extractDuration(rest);
    const { rest: afterWhen, when } = extractWhen(dur.rest, ctx.time);
    rest = without(afterWhen, /\b(?:on|to|in|into)\s+(?:my\s+)?calendar\b/i);

    let invitees: string | undefined;
    const invite = /^invite\s+(.+?)\s+to\s+(.*)$/i.exec(rest);
    if (invite) {
      invitees = invite[1];
      rest = invite[2] ?? '';
    } else {
      if (MEET.test(rest)) rest = `meeting ${rest.replace(/^meet(?:\s+up)?\s+/i, '')}`;
      rest = rest.replace(LEAD, '');
    }

    const grab = (re: RegExp): string | undefined => {
      const m = re.exec(rest);
      if (!m) return undefined;
      rest = rest.slice(0, m.index);
      return q(m[1] ?? '');
    };
    const named = grab(/\s*\b(?:called|titled|named)\s+(.*)$/i);
    if (explicitTitle === undefined && named) explicitTitle = named;
    let topic = grab(/\s*\b(?:about|regarding|to\s+discuss|re:?)\s+(.*)$/i);
    const withWho = grab(/\s*\bwith\s+(.*)$/i);
    const purpose = grab(/\s*\bfor\s+(.*)$/i);
    const noun = collapse(rest.replace(/^(?:an?|the|my|our)\s+/i, '').replace(/^new\s+/i, ''));

    const who = invitees ?? withWho;
    let people: Person[] = [];
    if (who) {
      const parsed = parsePeople(who, ctx.memory.people);
      if (!parsed) throw planError(`I could not tell who "${who}" is`, EXAMPLE);
      people = parsed;
    }

    for (const free of [noun, purpose]) {
      if (free && !GENERIC.test(free) && NOT_A_TITLE.test(free)) throw planError(`I could not tell what "${free}" should be`, EXAMPLE);
    }
    if (people.length === 0 && !when && !explicitTitle && !EVENT_NOUN.test(`${noun} ${purpose ?? ''}`) && ctx.memory.people.length === 0) {
      throw planError('I could not tell what to put on the calendar, when, or with whom', EXAMPLE);
    }
    let base = noun && !GENERIC.test(noun) ? capitalize(noun) : undefined;
    if (!base && purpose) base = capitalize(purpose);
    // "... and create a calendar event": the event is with the people and about the topic just mentioned (seed example).
    const inherits = people.length === 0 && !explicitTitle && !purpose && (!base || MEETING_LIKE.test(base)) && ctx.memory.people.length > 0;
    if (inherits) {
      people = ctx.memory.people;
      topic ??= ctx.memory.topic;
    }
    if (!base && people.length > 0) base = 'Meeting';
    if (!base && topic) {
      if (NOT_A_TITLE.test(topic)) throw planError(`I could not tell what "${topic}" should be`, EXAMPLE);
      base = capitalize(topic);
    }
    if (!explicitTitle && !base && !when) {
      throw planError('I could not tell what to put on the calendar', EXAMPLE);
    }

    const names = people.map(personLabel);
    let title = explicitTitle ?? base ?? 'New event';
    if (!explicitTitle && names.length > 0) title += ` with ${joinNames(names)}`;
    if (!explicitTitle && topic && base && base !== capitalize(topic) && !MEETING_LIKE.test(topic)) title += ` about ${topic}`;

    const attendees: string[] = [];
    const deps: string[] = [];
    for (const p of people) {
      const r = ctx.builder.recipient(p);
      attendees.push(r.value);
      deps.push(...r.dependsOn);
    }

    const params: Record<string, unknown> = { title };
    // No time at all: leave `start` out so the handler picks the next full hour (SPEC §7).
    // A day without a time: 09:00 that day, the start of a working day.
    // A time that has passed is refused; today without a time, after 09:00, starts at the next full hour.
    const start = when ? futureStart(when, ctx.time, [9, 0], EXAMPLE) : undefined;
    if (start) params.start = start;
    if (when?.end) params.end = refusePast(zonedIso(when.end, ctx.time.timezone), when, ctx.time, EXAMPLE);
    if (dur.minutes !== undefined) params.durationMinutes = dur.minutes;
    if (attendees.length > 0) params.attendees = attendees;

    let description =
      inherits && topic ? `Create calendar event for ${topic}` : explicitTitle ? `Schedule "${title}"` : `Schedule ${title.charAt(0).toLowerCase()}${title.slice(1)}`;
    if (when) description += ` ${when.label}`;
    if (dur.minutes !== undefined) description += ` for ${dur.minutes} minutes`;
    ctx.builder.add('calendar_event', params, description, deps);

    if (people.length > 0) ctx.memory.people = people;
    if (topic) ctx.memory.topic = topic;
  },
};
