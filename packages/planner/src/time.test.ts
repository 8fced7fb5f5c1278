import { extractDuration, extractWhen, makeTimeContext, offsetAt, zonedIso } from './time';
import { plan } from './test-helpers';

describe('time handling', () => {
  it('reads the offset of a zone at an instant from Intl', () => {
    expect(offsetAt('Europe/Paris', new Date('2024-01-15T12:00:00Z'))).toBe(60);
    expect(offsetAt('Europe/Paris', new Date('2024-07-15T12:00:00Z'))).toBe(120);
    expect(offsetAt('Asia/Kolkata', new Date('2024-07-15T12:00:00Z'))).toBe(330);
    expect(offsetAt('America/St_Johns', new Date('2024-01-15T12:00:00Z'))).toBe(-210);
    expect(offsetAt('UTC', new Date('2024-01-15T12:00:00Z'))).toBe(0);
  });

  it('writes wall times with the offset in force on that date', () => {
    const w = { y: 2024, m: 3, d: 31, h: 10, mi: 0, s: 0 };
    expect(zonedIso(w, 'Europe/Paris')).toBe('2024-03-31T10:00:00+02:00');
    expect(zonedIso({ ...w, d: 30 }, 'Europe/Paris')).toBe('2024-03-30T10:00:00+01:00');
    expect(zonedIso(w, 'UTC')).toBe('2024-03-31T10:00:00Z');
    expect(zonedIso(w, 'Asia/Kolkata')).toBe('2024-03-31T10:00:00+05:30');
  });

  it('crosses a DST change correctly for both "tomorrow at 9am" and "in 2 hours"', () => {
    const saturday = new Date('2024-03-30T10:00:00Z');
    expect(plan('remind me to jog tomorrow at 9am', 'Europe/Paris', saturday).steps[0]?.params.due).toBe('2024-03-31T09:00:00+02:00');
    const nightBefore = new Date('2024-03-31T00:30:00Z'); // 01:30 CET; at 02:00 clocks jump to 03:00 CEST
    const due = String(plan('remind me in 2 hours to check the boiler', 'Europe/Paris', nightBefore).steps[0]?.params.due);
    expect(due).toBe('2024-03-31T04:30:00+02:00');
    expect(Date.parse(due)).toBe(Date.parse('2024-03-31T02:30:00Z'));
  });

  it('reads "tomorrow" from the user date, not the UTC date', () => {
    // 20:00 in Los Angeles on the 14th is already the 15th in UTC.
    const evening = new Date('2024-03-15T03:00:00Z');
    expect(plan('remind me to call Ann tomorrow at 10am', 'America/Los_Angeles', evening).steps[0]?.params.due).toBe('2024-03-15T10:00:00-07:00');
  });

  it('ignores month names that are topics, not dates', () => {
    const tc = makeTimeContext(new Date('2024-03-14T10:30:00Z'), 'UTC');
    expect(extractWhen('review the May budget', tc).when).toBeUndefined();
    expect(extractWhen('review the budget on May 3', tc).when?.label).toBe('May 3');
  });

  it.each([
    ['for 45 minutes', 45],
    ['a 30 minute slot', 30],
    ['for 1.5 hours', 90],
    ['for half an hour', 30],
    ['for an hour', 60],
    ['2h', 120],
    ['90 min', 90],
  ])('reads the duration in %s', (text, minutes) => {
    expect(extractDuration(text).minutes).toBe(minutes);
  });

  it('does not read "in 2 hours" or "am" as durations', () => {
    expect(extractDuration('remind me in 2 hours').minutes).toBeUndefined();
    expect(extractDuration('when am I free').minutes).toBeUndefined();
  });
});
