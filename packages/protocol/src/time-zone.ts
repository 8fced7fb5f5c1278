/** Whether `tz` is an IANA time zone this runtime knows (e.g. "Europe/Berlin", "UTC"). */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
