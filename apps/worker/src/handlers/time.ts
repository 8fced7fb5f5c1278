/**
 * Time-zone arithmetic with nothing but Intl: the worker must compute "next full hour" and
 * "09:00-17:00" in the user's zone, not the server's, and we avoid a date library dependency.
 * All instants are epoch milliseconds; everything stored or returned is a UTC ISO string.
 */
import { PermanentStepError } from './types';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** An unknown zone must not fail a step (the preference may be stale): fall back to UTC. */
export function safeZone(tz: string): string {
  try {
    formatter(tz); // cached: building a DateTimeFormat is costly, and this runs on every step
    return tz;
  } catch {
    return 'UTC';
  }
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

export function wallClock(ts: number, tz: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ts))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: (parts.hour ?? 0) % 24,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

function wallAsUtc(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** The instant at which the clock in `tz` shows `w` (second pass fixes guesses across DST changes). */
export function zonedToUtc(w: WallClock, tz: string): number {
  const asUtc = wallAsUtc(w);
  let guess = asUtc - (wallAsUtc(wallClock(asUtc, tz)) - asUtc);
  guess = asUtc - (wallAsUtc(wallClock(guess, tz)) - guess);
  return guess;
}

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/;

/** ISO 8601 -> epoch ms; a time without offset (or a bare date) is wall-clock time in the user's zone. */
export function parseUserTime(value: string, tz: string, field = 'time'): number {
  const m = LOCAL_RE.exec(value.trim());
  if (m) {
    return zonedToUtc(
      {
        year: Number(m[1]),
        month: Number(m[2]),
        day: Number(m[3]),
        hour: Number(m[4] ?? 0),
        minute: Number(m[5] ?? 0),
        second: Number(m[6] ?? 0),
      },
      tz,
    );
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new PermanentStepError(`${field} is not an ISO 8601 date-time: ${value}`);
  return ms;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** The next full hour strictly after `now`, on the user's clock (matters for +05:30-like zones). */
export function nextFullHour(now: number, tz: string): number {
  const w = wallClock(now, tz);
  return zonedToUtc({ ...w, minute: 0, second: 0 }, tz) + HOUR;
}

/** For human-readable step messages only; data always carries ISO strings. */
const displayFormatters = new Map<string, Intl.DateTimeFormat>();

export function formatLocal(ms: number, tz: string): string {
  // Building a DateTimeFormat is costly (measured in bench/profile.ts); keep one per zone.
  let f = displayFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, dateStyle: 'medium', timeStyle: 'short' });
    displayFormatters.set(tz, f);
  }
  return f.format(new Date(ms));
}

export interface FreeSlotQuery {
  from: number;
  to: number;
  durationMinutes: number;
  busy: Array<{ start: number; end: number }>;
  tz: string;
  workStartHour?: number;
  workEndHour?: number;
  maxSlots?: number;
  maxPerDay?: number;
}

/**
 * Free slots of exactly `durationMinutes` inside working hours of the user's zone, avoiding busy
 * intervals. Exact-length slots (not whole gaps) so a later step can use both `start` and `end`.
 * Candidates sit on the half hour and are spaced at least an hour apart, and only a few per day
 * are kept, so the answer offers a spread of choices rather than one morning chopped up.
 */
export function findFreeSlots(q: FreeSlotQuery): Array<{ start: string; end: string }> {
  const { tz, durationMinutes } = q;
  const startHour = q.workStartHour ?? 9;
  const endHour = q.workEndHour ?? 17;
  const maxSlots = q.maxSlots ?? 5;
  const maxPerDay = q.maxPerDay ?? 3;
  const len = durationMinutes * MINUTE;
  const step = Math.max(HOUR, Math.ceil(len / (30 * MINUTE)) * 30 * MINUTE);
  const busy = [...q.busy].sort((a, b) => a.start - b.start);
  const slots: Array<{ start: string; end: string }> = [];

  const first = wallClock(q.from, tz);
  // Bounded walk over local days: a huge range must not spin; 62 days is far beyond "a few slots".
  for (let i = 0; i < 62 && slots.length < maxSlots; i++) {
    const d = new Date(Date.UTC(first.year, first.month - 1, first.day + i));
    const date = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), minute: 0, second: 0 };
    const dayOpen = zonedToUtc({ ...date, hour: startHour }, tz);
    const dayClose = zonedToUtc({ ...date, hour: endHour }, tz);
    if (dayOpen >= q.to) break;
    let perDay = 0;
    // Half-hour grid anchored at the day's opening time, first point not before `from`.
    let t = dayOpen + Math.max(0, Math.ceil((q.from - dayOpen) / (30 * MINUTE))) * 30 * MINUTE;
    while (t + len <= Math.min(dayClose, q.to) && perDay < maxPerDay && slots.length < maxSlots) {
      const clash = busy.find((b) => b.start < t + len && b.end > t);
      if (clash) {
        // Jump to the next grid point at or after the clashing event's end.
        t = dayOpen + Math.ceil((clash.end - dayOpen) / (30 * MINUTE)) * 30 * MINUTE;
        continue;
      }
      slots.push({ start: iso(t), end: iso(t + len) });
      perDay++;
      t += step;
    }
  }
  return slots;
}

export const durations = { MINUTE, HOUR, DAY };
