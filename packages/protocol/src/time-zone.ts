/** Whether `tz` is an IANA time zone this runtime knows (e.g. "Europe/Berlin", "UTC"). */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Zones with a fixed offset that is not a whole hour (no DST), for offsets Etc/GMT±h cannot name. */
const FRACTIONAL_OFFSET_ZONES: Record<number, string> = {
  210: 'Asia/Tehran',
  270: 'Asia/Kabul',
  330: 'Asia/Kolkata',
  345: 'Asia/Kathmandu',
  390: 'Asia/Yangon',
  525: 'Australia/Eucla',
  570: 'Australia/Darwin',
  [-570]: 'Pacific/Marquesas',
};

/** How far a client clock may be from ours when its offset is worked out from the difference. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A time zone for a client that sent `localDatetime` (its wall clock) but no `timezone` (SPEC §5
 * USER_MESSAGE). An explicit offset (`…-08:00`, `…Z`) is taken as written; without one, the offset
 * is the difference from our clock, rounded to a quarter hour, when it is within a few minutes of
 * one. The result is a fixed-offset zone (`Etc/GMT+8` is UTC−8), so it does not follow DST
 * changes: a client that knows its IANA zone should send `timezone`. Undefined when the offset
 * cannot be told or no zone has it.
 */
export function zoneForLocalDatetime(localDatetime: string | undefined, nowMs: number): string | undefined {
  if (!localDatetime) return undefined;
  const explicit = /(?:([+-])(\d{2}):?(\d{2})|(Z))$/i.exec(localDatetime);
  let offset: number;
  if (explicit) {
    offset = explicit[4] ? 0 : (explicit[1] === '-' ? -1 : 1) * (Number(explicit[2]) * 60 + Number(explicit[3]));
  } else {
    const wall = Date.parse(`${localDatetime}Z`);
    if (!Number.isFinite(wall)) return undefined;
    const diff = wall - nowMs;
    offset = Math.round(diff / (15 * 60_000)) * 15;
    if (Math.abs(diff - offset * 60_000) > CLOCK_SKEW_MS) return undefined;
  }
  if (offset < -12 * 60 || offset > 14 * 60) return undefined;
  if (offset === 0) return 'UTC';
  // POSIX-style names: Etc/GMT+8 is eight hours *behind* UTC.
  if (offset % 60 === 0) return `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset) / 60}`;
  return FRACTIONAL_OFFSET_ZONES[offset];
}
