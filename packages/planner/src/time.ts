import * as chrono from 'chrono-node';
import { planError } from './errors';
import { collapse } from './text';

/**
 * Dates and times. chrono-node does the parsing (relative to `now`, in the user's zone);
 * this module only (a) tells chrono the user's UTC offset, (b) turns chrono's wall-clock
 * components into ISO strings with the right offset for *that* date (DST), and
 * (c) picks the bounds of day/week ranges, again by asking chrono.
 */
export interface TimeContext {
  now: Date;
  timezone: string;
  /** The zone's UTC offset in minutes at `now`, as chrono's reference expects it. */
  refOffset: number;
}

export interface Wall {
  y: number;
  m: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

export interface When {
  /** The words the user used, for descriptions ("tomorrow at 3pm"). */
  label: string;
  day: Wall;
  /** Set when the user gave a time of day (or chrono inferred one from "evening"). */
  timeGiven: boolean;
  /** For "in 2 hours": the exact instant (wall components could be off across a DST change). */
  instant?: Date;
  end?: Wall;
  /** For "this week" / "next week" / "this weekend": the last day of the range. */
  rangeEnd?: Wall;
  /** For "tomorrow afternoon": the hours of that part of the day, for list and free-time ranges. */
  partOfDay?: [number, number];
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
const partFormatters = new Map<string, Intl.DateTimeFormat>();

function offsetFormatter(tz: string): Intl.DateTimeFormat {
  let f = offsetFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' });
    offsetFormatters.set(tz, f);
  }
  return f;
}

export function makeTimeContext(now: Date, timezone: string | undefined): TimeContext {
  const tz = timezone && timezone.trim() ? timezone.trim() : 'UTC';
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw planError('the reference time is not a valid date');
  try {
    offsetFormatter(tz);
  } catch {
    throw planError(`"${tz}" is not a timezone I know; use an IANA name such as "Europe/Paris"`);
  }
  return { now, timezone: tz, refOffset: offsetAt(tz, now) };
}

/** The zone's UTC offset in minutes at an instant ("GMT+05:30" → 330), from Intl. */
export function offsetAt(tz: string, instant: Date): number {
  const name = offsetFormatter(tz).formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  const sign = m[1] === '-' ? -1 : 1;
  return sign * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function fmtOffset(min: number): string {
  if (min === 0) return 'Z';
  const a = Math.abs(min);
  return `${min < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/**
 * Wall-clock time in the user's zone → ISO with that moment's offset. The offset is looked up
 * twice because the first guess (the offset at the same numbers read as UTC) can be on the
 * other side of a DST change.
 */
export function zonedIso(w: Wall, tz: string): string {
  const asUtc = Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi, w.s);
  let off = offsetAt(tz, new Date(asUtc));
  off = offsetAt(tz, new Date(asUtc - off * 60_000));
  return `${pad(w.y, 4)}-${pad(w.m)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}${fmtOffset(off)}`;
}

/** An instant → its wall-clock components in the user's zone. */
export function wallOf(instant: Date, tz: string): Wall {
  let f = partFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23',
    });
    partFormatters.set(tz, f);
  }
  const get = (t: string) => Number(f.formatToParts(instant).find((p) => p.type === t)?.value ?? 0);
  return { y: get('year'), m: get('month'), d: get('day'), h: get('hour') % 24, mi: get('minute'), s: get('second') };
}

export function instantIso(instant: Date, tz: string): string {
  return zonedIso(wallOf(instant, tz), tz);
}

export const atTime = (w: Wall, h: number, mi: number, s = 0): Wall => ({ ...w, h, mi, s });

/** Calendar arithmetic on a wall date (no zone involved: the result is read in the same zone). */
function addDays(w: Wall, days: number): Wall {
  const t = new Date(Date.UTC(w.y, w.m - 1, w.d + days));
  return { ...w, y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday. */
const weekday = (w: Wall): number => new Date(Date.UTC(w.y, w.m - 1, w.d)).getUTCDay();

function ref(tc: TimeContext, instant = tc.now): chrono.ParsingReference {
  return { instant, timezone: tc.refOffset };
}

function wallFrom(c: chrono.ParsedComponents): Wall {
  const g = (k: chrono.Component, dflt: number) => c.get(k) ?? dflt;
  return { y: g('year', 1970), m: g('month', 1), d: g('day', 1), h: g('hour', 0), mi: g('minute', 0), s: g('second', 0) };
}

/** Asks chrono for a single named day relative to an instant ("this sunday", "next monday"). */
function chronoDay(tc: TimeContext, phrase: string, instant = tc.now): Wall {
  const r = chrono.parse(phrase, ref(tc, instant), { forwardDate: true })[0];
  if (!r) throw planError(`I could not work out the date for "${phrase}"`);
  return wallFrom(r.start);
}

/**
 * Week-level phrases chrono reads as a single day (or oddly: "end of the week" → +7 days),
 * so they are resolved here, still by asking chrono for the named weekdays. Weeks run Monday–Sunday.
 */
const RANGE_PHRASES: { re: RegExp; resolve: (tc: TimeContext) => { day: Wall; rangeEnd?: Wall } }[] = [
  { re: /\b(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?week\b|\beow\b/i, resolve: (tc) => ({ day: chronoDay(tc, 'this sunday') }) },
  { re: /\b(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the\s+)?day\b|\beod\b/i, resolve: (tc) => ({ day: wallOf(tc.now, tc.timezone) }) },
  {
    re: /\bnext\s+week\b/i,
    resolve: (tc) => {
      const monday = chronoDay(tc, 'next monday');
      const mondayNoon = new Date(zonedIso(atTime(monday, 12, 0), tc.timezone));
      return { day: monday, rangeEnd: chronoDay(tc, 'this sunday', mondayNoon) };
    },
  },
  {
    re: /\b(?:last|previous|past)\s+week\b/i,
    resolve: (tc) => {
      const today = wallOf(tc.now, tc.timezone);
      const monday = addDays(today, -7 - ((weekday(today) + 6) % 7));
      return { day: monday, rangeEnd: addDays(monday, 6) };
    },
  },
  { re: /\b(?:this|the\s+rest\s+of\s+the)\s+week\b/i, resolve: (tc) => ({ day: wallOf(tc.now, tc.timezone), rangeEnd: chronoDay(tc, 'this sunday') }) },
  {
    re: /\b(?:this|the)\s+weekend\b/i,
    resolve: (tc) => {
      const saturday = chronoDay(tc, 'saturday');
      const satNoon = new Date(zonedIso(atTime(saturday, 12, 0), tc.timezone));
      return { day: saturday, rangeEnd: chronoDay(tc, 'sunday', satNoon) };
    },
  },
];

/**
 * A bare "at 3" is read by chrono as 3am. Requests are about working hours, so "at 1" … "at 7"
 * without am/pm mean the afternoon; this is rewritten before chrono sees it.
 */
function assumeAfternoon(text: string): string {
  return text.replace(
    /\b(at|@)\s*([1-7])(?::([0-5]\d))?\b(?!\s*(?:am|pm|a\.m|p\.m|o'?clock|[:\d%]|minutes?|mins?|hours?|hrs?|days?|weeks?|people|persons?))/gi,
    (_m, at: string, h: string, mi: string | undefined) => `${at} ${h}:${mi ?? '00'}pm`,
  );
}

/** A chrono match is only trusted if it names a day, weekday or clock time: "the March report" is a topic, not a date. */
function meaningful(r: chrono.ParsedResult): boolean {
  const c = r.start;
  return c.isCertain('day') || c.isCertain('weekday') || c.isCertain('hour') || r.tags().has('result/relativeDate') || [...r.tags()].some((t) => t in PART_OF_DAY);
}

const CASUAL_TIME = /casualReference\/(?:morning|afternoon|evening|noon|midnight|tonight)/;

/** The hours a part of the day covers when it is a range ("free tomorrow afternoon"). */
const PART_OF_DAY: Record<string, [number, number]> = {
  'casualReference/morning': [6, 12],
  'casualReference/afternoon': [12, 18],
  'casualReference/evening': [18, 24],
  'casualReference/tonight': [18, 24],
};

const WEEKDAY = String.raw`(?:mon|tues|wednes|thurs|fri|satur|sun)day`;
/** Words that point back in time: chrono must not move these forward. */
const BACKWARD = new RegExp(String.raw`\b(?:last|previous|past)\s+(?:${WEEKDAY}|week|month|year|night)\b|\bago\b|\byesterday\b`, 'i');
/**
 * A repeating event or task ("every Monday", "daily at 8am", "on Fridays"). The catalog creates
 * one occurrence; reading "every Monday at 10" as next Monday (and "John every" as a name) was a
 * guess, so it is refused. "The weekly sync tomorrow" is one occurrence and stays.
 */
const RECURRING = new RegExp(
  [
    String.raw`\b(?:every|each)\s+(?:other\s+|second\s+|third\s+|couple\s+of\s+|few\s+)?(?:\d+\s+)?(?:day|night|morning|afternoon|evening|week(?:day|end|night)?|month|year|hour|minute|quarter|fortnight|${WEEKDAY})s?\b`,
    String.raw`\b(?:daily|weekly|monthly|yearly|annually|fortnightly|biweekly|hourly|nightly)\b(?=\s*(?:$|[,.;!?]|(?:at|on|from|starting|until|till|for|in|by|before|after)\b))`,
    String.raw`\bon\s+(?:${WEEKDAY}s|weekdays|weekends)\b`,
    String.raw`\b(?:recurring|repeating)\s+(?:meeting|event|call|appointment|task|reminder|series|sync|check-?in|stand-?up)s?\b`,
  ].join('|'),
  'i',
);

/**
 * A number that labels something ("chapter 12", "room 4", "issue #7") is not a time: chrono read
 * "chapter 12 tomorrow" as tomorrow at noon. Such digits are hidden from chrono as characters of
 * the private use area (one UTF-16 unit each, so every index stays valid) and restored after.
 */
const LABELLED_NUMBER = new RegExp(
  String.raw`\b((?:chapters?|pages?|pp?\.|sections?|rooms?|floors?|steps?|parts?|items?|lessons?|units?|episodes?|issues?|tickets?|orders?|invoices?|versions?|v|levels?|gates?|tables?|seats?|suites?|apt\.?|apartments?|buildings?|numbers?|no\.|exercises?|questions?|modules?|seasons?|volumes?|vol\.|rows?|lines?|slides?|figures?|fig\.|cases?|bugs?|PRs?|sprints?|phases?|rounds?|platforms?|tracks?|routes?|bus(?:es)?|flights?|releases?|milestones?|stories|story|tasks?)\s*#?\s*)(\d+(?:\.\d+)*)\b`,
  'gi',
);
// Above the quote placeholders' \uE000/\uE001 (text.ts), which this must never turn into digits.
const MASK_BASE = 0xe010;
function maskLabelledNumbers(text: string): string {
  return text.replace(LABELLED_NUMBER, (_m, label: string, num: string) => label + num.replace(/\d/g, (d) => String.fromCharCode(MASK_BASE + Number(d))));
}
function unmask(text: string): string {
  return text.replace(/[\uE010-\uE019]/g, (c) => String(c.charCodeAt(0) - MASK_BASE));
}

/**
 * Finds the first date/time expression in `text`, and returns the text with it (and the
 * preposition in front of it: "on", "at", "due", "by" ...) removed.
 */
export function extractWhen(text: string, tc: TimeContext): { rest: string; when?: When } {
  const found = extractMaskedWhen(maskLabelledNumbers(text), tc);
  return { ...found, rest: unmask(found.rest) };
}

function extractMaskedWhen(text: string, tc: TimeContext): { rest: string; when?: When } {
  const recurring = RECURRING.exec(text);
  if (recurring) {
    throw planError(`I cannot plan something that repeats ("${collapse(recurring[0])}"); I can plan one occurrence at a time`, 'Schedule a meeting with John on Monday at 10am');
  }
  for (const p of RANGE_PHRASES) {
    const m = p.re.exec(text);
    if (!m) continue;
    const { day, rangeEnd } = p.resolve(tc);
    const when: When = { label: collapse(m[0]), day, timeGiven: false, ...(rangeEnd ? { rangeEnd } : {}) };
    return { rest: refuseUnreadTime(cut(text, m.index, m[0].length)), when };
  }
  const prepared = assumeAfternoon(text);
  // chrono's forwardDate turns "last Monday" into next Monday; it is only asked for forward dates
  // when the words do not point back.
  const backward = BACKWARD.test(prepared);
  const results = chrono.parse(prepared, ref(tc), { forwardDate: !backward });
  const r = results.find(meaningful);
  if (!r) return { rest: refuseUnreadTime(prepared) };
  const tags = [...r.tags()];
  const timeGiven = r.start.isCertain('hour') || tags.some((t) => CASUAL_TIME.test(t));
  const when: When = { label: collapse(r.text), day: wallFrom(r.start), timeGiven };
  // A bare weekday read forward can still land earlier today when the user's date is not the
  // server's ("Tuesday at 10am" on Tuesday afternoon in Los Angeles, already Wednesday in UTC):
  // the next one is meant, as chrono gives when both dates agree.
  const bareWeekday = r.start.isCertain('weekday') && !r.start.isCertain('day');
  if (bareWeekday && !backward && hasPassed(zonedIso(when.day, tc.timezone), tc)) when.day = addDays(when.day, 7);
  const part = tags.map((t) => PART_OF_DAY[t]).find((p) => p !== undefined);
  if (part && !r.start.isCertain('hour')) when.partOfDay = part;
  if (r.tags().has('result/relativeDateAndTime')) when.instant = r.start.date();
  if (r.end && r.end.isCertain('hour')) when.end = wallFrom(r.end);
  // A number right after the date is a year chrono could not read ("December 31, 20310").
  const year = /^\s*,?\s*(\d{3,})\b/.exec(prepared.slice(r.index + r.text.length));
  if (year) throw planError(`I could not read the date "${collapse(r.text)} ${year[1]}"`, 'Remind me to call mom tomorrow at 9am');
  return { rest: refuseUnreadTime(cut(prepared, r.index, r.text.length)), when };
}

const MONTH = String.raw`(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`;
const DAY = String.raw`\d{1,3}(?:st|nd|rd|th)?`;
/**
 * What still looks like a date or a clock time once chrono has taken what it could read: a day
 * that does not exist ("February 30"), an hour that does not ("25:00", "13pm"), or a second time
 * beside the one it read ("December 31, 20310 at 9am"). Left in, it became the title of a task
 * with no due date (or the wrong one); it is refused instead, so the user can say it again.
 */
const UNREAD_TIME = new RegExp(
  [
    String.raw`\b${MONTH}\.?\s+${DAY}\b`,
    String.raw`\b${DAY}\s+(?:of\s+)?${MONTH}\b`,
    String.raw`\b\d{1,2}:\d{2}\b`,
    String.raw`\b\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.)(?![a-z])`,
  ].join('|'),
  'i',
);

function refuseUnreadTime(rest: string): string {
  const m = UNREAD_TIME.exec(rest);
  if (m) throw planError(`I could not read the date or time "${m[0]}"`, 'Remind me to call mom tomorrow at 9am');
  return rest;
}

function cut(text: string, index: number, length: number): string {
  const before = text.slice(0, index).replace(/\s*\b(?:on|at|by|due(?:\s+(?:on|by|at))?|for|from|starting|before|until|of)\s*$/i, '');
  return collapse(`${before} ${text.slice(index + length)}`);
}

/** The start instant as ISO: the user's time, or `defaultHour` when only a day was given. */
export function startIso(when: When, tc: TimeContext, defaultHour: [number, number]): string {
  if (when.instant) return instantIso(when.instant, tc.timezone);
  const w = when.timeGiven ? when.day : atTime(when.day, defaultHour[0], defaultHour[1]);
  return zonedIso(w, tc.timezone);
}

/** A whole-day (or week) range for list/free-time queries; "tomorrow afternoon" covers the afternoon. */
export function rangeIso(when: When, tc: TimeContext): { from: string; to: string } {
  const last = when.rangeEnd ?? when.day;
  const [fromHour, toHour] = when.partOfDay && !when.rangeEnd ? when.partOfDay : [0, 24];
  const to = toHour >= 24 ? atTime(last, 23, 59, 59) : atTime(last, toHour, 0);
  return { from: zonedIso(atTime(when.day, fromHour, 0), tc.timezone), to: zonedIso(to, tc.timezone) };
}

/** A grace for "in 0 minutes" and a request typed just before the minute turned. */
const PAST_GRACE_MS = 60_000;

const hasPassed = (iso: string, tc: TimeContext): boolean => Date.parse(iso) < tc.now.getTime() - PAST_GRACE_MS;

/**
 * Something created (an event's start, a task's due date) at a time that has already passed is
 * refused: "Tuesday at 10am" said on Tuesday afternoon, "yesterday at 3pm", "last Monday". The
 * user says which one they mean ("next Tuesday at 10am") instead of the planner guessing.
 */
export function refusePast(iso: string, when: When, tc: TimeContext, example: string): string {
  if (!hasPassed(iso, tc)) return iso;
  throw planError(`"${when.label}" has already passed (it is now ${nowLabel(tc)})`, example);
}

/**
 * The start of something created, never in the past: the user's time (refused when it has
 * passed), or `defaultHour` on the day they named. Today without a time, once `defaultHour` has
 * passed, gives undefined: the handler's default (the next full hour) is then the right start.
 */
export function futureStart(when: When, tc: TimeContext, defaultHour: [number, number], example: string): string | undefined {
  const iso = startIso(when, tc, defaultHour);
  if (!hasPassed(iso, tc)) return iso;
  const today = wallOf(tc.now, tc.timezone);
  const isToday = when.day.y === today.y && when.day.m === today.m && when.day.d === today.d;
  if (isToday && !when.timeGiven && !when.instant) return undefined;
  return refusePast(iso, when, tc, example);
}

function nowLabel(tc: TimeContext): string {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tc.timezone, weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return `${f.format(tc.now)} in ${tc.timezone}`;
}

const WORD_NUM: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, ten: 10, fifteen: 15, twenty: 20, thirty: 30, forty: 40, 'forty-five': 45, ninety: 90 };

const WORDS = Object.keys(WORD_NUM).sort((a, b) => b.length - a.length).join('|');
/** Digits may touch the unit ("30min", "2h"); words need a space or hyphen, so "am" is never "a minute". */
const DURATION_RE = new RegExp(
  String.raw`(?<!\bin\s)\b(?:for\s+)?(?:(half\s+an?\s+hour)|(\d+(?:\.\d+)?)\s*-?\s*(hours?|hrs?|h|minutes?|mins?|m)|(${WORDS})[\s-]+(hours?|hrs?|minutes?|mins?))\b(?:\s+long)?`,
  'i',
);

/**
 * "for 45 minutes", "a 30 minute slot", "1.5 hours", "half an hour" → minutes, removed from the
 * text (chrono would otherwise read "45 minutes" as "45 minutes from now"). "in 2 hours" is a time, not a duration.
 */
export function extractDuration(text: string): { rest: string; minutes?: number } {
  const m = DURATION_RE.exec(text);
  if (!m) return { rest: text };
  let minutes: number;
  if (m[1]) minutes = 30;
  else {
    const n = m[2] !== undefined ? Number(m[2]) : WORD_NUM[(m[4] ?? '').toLowerCase()] ?? 0;
    minutes = /^h/i.test(m[3] ?? m[5] ?? '') ? n * 60 : n;
  }
  minutes = Math.round(minutes);
  if (!(minutes >= 1 && minutes <= 24 * 60)) throw planError('a duration must be between 1 minute and 24 hours', 'Schedule a meeting with Sarah tomorrow at 3pm for 45 minutes');
  return { rest: collapse(`${text.slice(0, m.index)} ${text.slice(m.index + m[0].length)}`), minutes };
}
