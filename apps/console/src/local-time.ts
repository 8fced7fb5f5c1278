/**
 * Time params (SPEC §7: ISO 8601) as a person edits them: a date-time picker in this browser's
 * time zone. The picker's value ("2026-12-08T15:00") goes back as ISO 8601 with the browser's
 * offset for that date ("2026-12-08T15:00:00+01:00"), so the instant is exact and readable.
 */
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');

/** The picker's value for an ISO date-time, or undefined for anything else (a date alone, a template, text). */
export function toPickerValue(v: unknown): string | undefined {
  if (typeof v !== 'string' || !DATE_TIME_RE.test(v)) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return undefined;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A picker's value as ISO 8601 with this browser's offset at that moment. */
export function fromPickerValue(v: string): string {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return v;
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return `${v.slice(0, 16)}:00${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

/** This browser's time zone, for the picker's hint. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'your local time';
}
