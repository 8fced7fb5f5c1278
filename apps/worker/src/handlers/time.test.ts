import { findFreeSlots, nextFullHour, parseUserTime, safeZone, zonedToUtc } from './time';
import { PermanentStepError } from './types';

const T = (s: string) => Date.parse(s);

describe('time helpers', () => {
  it('reads offset-less times as wall-clock time in the user zone', () => {
    expect(parseUserTime('2024-01-15T09:00:00', 'America/New_York')).toBe(T('2024-01-15T14:00:00Z'));
    expect(parseUserTime('2024-07-15T09:00', 'America/New_York')).toBe(T('2024-07-15T13:00:00Z')); // DST
    expect(parseUserTime('2024-01-15', 'Asia/Kolkata')).toBe(T('2024-01-14T18:30:00Z'));
    expect(parseUserTime('2024-01-15T09:00:00Z', 'Asia/Kolkata')).toBe(T('2024-01-15T09:00:00Z'));
    expect(parseUserTime('2024-01-15T09:00:00+02:00', 'UTC')).toBe(T('2024-01-15T07:00:00Z'));
    expect(() => parseUserTime('soon', 'UTC')).toThrow(PermanentStepError);
  });

  it('converts across a DST change', () => {
    // 2024-03-10 03:30 in New York is after the spring-forward gap (EDT, UTC-4).
    expect(zonedToUtc({ year: 2024, month: 3, day: 10, hour: 3, minute: 30, second: 0 }, 'America/New_York')).toBe(T('2024-03-10T07:30:00Z'));
  });

  it('computes the next full hour on the user clock', () => {
    expect(nextFullHour(T('2024-01-01T10:17:00Z'), 'UTC')).toBe(T('2024-01-01T11:00:00Z'));
    expect(nextFullHour(T('2024-01-01T11:00:00Z'), 'UTC')).toBe(T('2024-01-01T12:00:00Z'));
    // Kolkata is UTC+05:30: 15:47 local -> 16:00 local = 10:30Z.
    expect(nextFullHour(T('2024-01-01T10:17:00Z'), 'Asia/Kolkata')).toBe(T('2024-01-01T10:30:00Z'));
  });

  it('falls back to UTC for an unknown zone', () => {
    expect(safeZone('Mars/Olympus')).toBe('UTC');
    expect(safeZone('Europe/Paris')).toBe('Europe/Paris');
  });

  it('finds free slots inside working hours, avoiding busy time', () => {
    const slots = findFreeSlots({
      from: T('2024-01-01T08:00:00Z'),
      to: T('2024-01-02T23:00:00Z'),
      durationMinutes: 30,
      busy: [{ start: T('2024-01-01T09:00:00Z'), end: T('2024-01-01T10:15:00Z') }],
      tz: 'UTC',
    });
    expect(slots).toEqual([
      { start: '2024-01-01T10:30:00.000Z', end: '2024-01-01T11:00:00.000Z' },
      { start: '2024-01-01T11:30:00.000Z', end: '2024-01-01T12:00:00.000Z' },
      { start: '2024-01-01T12:30:00.000Z', end: '2024-01-01T13:00:00.000Z' },
      { start: '2024-01-02T09:00:00.000Z', end: '2024-01-02T09:30:00.000Z' },
      { start: '2024-01-02T10:00:00.000Z', end: '2024-01-02T10:30:00.000Z' },
    ]);
  });

  it('uses the user zone for working hours and stops at the end of the range', () => {
    const slots = findFreeSlots({
      from: T('2024-01-01T00:00:00Z'),
      to: T('2024-01-01T16:00:00Z'),
      durationMinutes: 120,
      busy: [],
      tz: 'America/New_York',
    });
    // 09:00 EST = 14:00Z; a 2 h slot must end by `to` (16:00Z).
    expect(slots).toEqual([{ start: '2024-01-01T14:00:00.000Z', end: '2024-01-01T16:00:00.000Z' }]);
  });

  it('returns nothing when every working hour is busy', () => {
    const slots = findFreeSlots({
      from: T('2024-01-01T00:00:00Z'),
      to: T('2024-01-02T00:00:00Z'),
      durationMinutes: 30,
      busy: [{ start: T('2024-01-01T08:00:00Z'), end: T('2024-01-01T18:00:00Z') }],
      tz: 'UTC',
    });
    expect(slots).toEqual([]);
  });
});
