import { isValidTimeZone, zoneForLocalDatetime } from './time-zone';

const NOW = Date.parse('2026-11-25T00:25:00Z');

describe('zoneForLocalDatetime', () => {
  it.each([
    ['2026-11-24T16:25:57-08:00', 'Etc/GMT+8'],
    ['2026-11-25T05:55:00+05:30', 'Asia/Kolkata'],
    ['2026-11-25T00:25:00Z', 'UTC'],
    ['2026-11-25T09:25:00+0900', 'Etc/GMT-9'],
  ])('an explicit offset is taken as written: %s → %s', (local, zone) => {
    expect(zoneForLocalDatetime(local, NOW)).toBe(zone);
  });

  it.each([
    ['2026-11-24T16:25:57', 'Etc/GMT+8'],
    ['2026-11-24T16:23:10', 'Etc/GMT+8'],
    ['2026-11-25T05:55:00', 'Asia/Kolkata'],
    ['2026-11-25T00:27:00', 'UTC'],
  ])('without an offset, it is the difference from our clock: %s → %s', (local, zone) => {
    expect(zoneForLocalDatetime(local, NOW)).toBe(zone);
  });

  it.each(['2026-11-24T16:33:00', '2026-11-20T10:00:00', '1999-01-01T00:00:00', '2026-11-25T00:25:00+03:20', 'yesterday', undefined])(
    'gives nothing when no zone can be told: %s',
    (local) => {
      expect(zoneForLocalDatetime(local, NOW)).toBeUndefined();
    },
  );

  it('every zone it names is one the runtime knows', () => {
    for (let off = -12 * 60; off <= 14 * 60; off += 15) {
      const sign = off < 0 ? '-' : '+';
      const a = Math.abs(off);
      const zone = zoneForLocalDatetime(`2026-11-25T00:00:00${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`, NOW);
      if (zone) expect(isValidTimeZone(zone)).toBe(true);
    }
  });
});
