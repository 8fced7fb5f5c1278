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
  return c.isCertain('day') || c.isCertain('weekday') || c.isCertain('hour') || r.tags().has('result/relativeDate');
}

const CASUAL_TIME = /casualReference\/(?:morning|afternoon|evening|noon|midnight|tonight)/;

/**
 * Finds the first date/time expression in `text`, and returns the text with it (and the
 * preposition in front of it: "on", "at", "due", "by" ...) removed.
 */
export function extractWhen(text: string, tc: TimeContext): { rest: string; when?: When } {
  for (const p of RANGE_PHRASES) {
    const m = p.re.exec(text);
    if (!m) continue;
    const { day, rangeEnd } = p.resolve(tc);
    const when: When = { label: collapse(m[0]), day, timeGiven: false, ...(rangeEnd ? { rangeEnd } : {}) };
    return { rest: refuseUnreadTime(cut(text, m.index, m[0].length)), when };
  }
  const prepared = assumeAfternoon(text);
  const results = chrono.parse(prepared, ref(tc), { forwardDate: true });
  const r = results.find(meaningful);
  if (!r) return { rest: refuseUnreadTime(prepared) };
  const tags = [...r.tags()];
  const timeGiven = r.start.isCertain('hour') || tags.some((t) => CASUAL_TIME.test(t));
  const when: When = { label: collapse(r.text), day: wallFrom(r.start), timeGiven };
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

/** A whole-day (or week) range for list/free-time queries. */
export function rangeIso(when: When, tc: TimeContext): { from: string; to: string } {
  const last = when.rangeEnd ?? when.day;
  return { from: zonedIso(atTime(when.day, 0, 0), tc.timezone), to: zonedIso(atTime(last, 23, 59, 59), tc.timezone) };
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
