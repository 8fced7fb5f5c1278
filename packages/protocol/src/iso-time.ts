/**
 * ISO 8601 times as SPEC §7 takes them. `Date.parse` alone rolls a date that does not exist over
 * (30 February becomes 2 March), so the calendar date and the clock time are checked as written.
 */
const ISO_DATE_PREFIX_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/;

/** The date exists, the time (if any) is a real time of day, and the whole string parses. */
export function isRealIsoTime(v: string): boolean {
  const m = ISO_DATE_PREFIX_RE.exec(v);
  if (!m || Number.isNaN(Date.parse(v))) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || (m[6] !== undefined && Number(m[6]) > 59))) return false;
  return true;
}
