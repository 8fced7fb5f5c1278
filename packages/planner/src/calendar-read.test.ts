import { NOW, only, plan, planErrorOf } from './test-helpers';

describe('find a free slot', () => {
  it('searches the whole named day for a slot of the given length', () => {
    const step = only(plan('find a free 30 minute slot tomorrow'));
    expect(step).toEqual({
      id: 'calendar_free_1',
      type: 'calendar',
      action: 'find_free_time',
      params: { from: '2024-03-15T00:00:00+01:00', to: '2024-03-15T23:59:59+01:00', durationMinutes: 30 },
      description: 'Find a free 30-minute slot tomorrow',
    });
  });

  it('never starts a search in the past', () => {
    expect(only(plan('find some free time today')).params).toEqual({ from: '2024-03-14T11:30:00+01:00', to: '2024-03-14T23:59:59+01:00' });
  });

  it('understands weeks (Monday to Sunday) and word durations', () => {
    expect(only(plan('when am I free next week for an hour?')).params).toEqual({
      from: '2024-03-18T00:00:00+01:00',
      to: '2024-03-24T23:59:59+01:00',
      durationMinutes: 60,
    });
  });

  it('leaves the window to the handler when no day is named', () => {
    expect(only(plan('find me a free slot of 90 min')).params).toEqual({ durationMinutes: 90 });
  });
});

describe('what is on my calendar', () => {
  it.each([
    ["What's on my calendar today?", { from: '2024-03-14T00:00:00+01:00', to: '2024-03-14T23:59:59+01:00' }],
    ['what do I have tomorrow', { from: '2024-03-15T00:00:00+01:00', to: '2024-03-15T23:59:59+01:00' }],
    ['show my meetings this week', { from: '2024-03-14T00:00:00+01:00', to: '2024-03-17T23:59:59+01:00' }],
    ['list my events for this weekend', { from: '2024-03-16T00:00:00+01:00', to: '2024-03-17T23:59:59+01:00' }],
    ['my agenda', {}],
  ])('%s → list_events', (message, params) => {
    const step = only(plan(message));
    expect(step).toMatchObject({ id: 'calendar_list_1', type: 'calendar', action: 'list_events' });
    expect(step.params).toEqual(params);
  });

  it('computes "this week" from the user date, not the UTC date', () => {
    // 23:30 UTC on Sunday is already Monday in Tokyo: the week is Monday..Sunday there.
    const sundayNight = new Date('2024-03-17T23:30:00Z');
    expect(only(plan("what's on my schedule this week", 'Asia/Tokyo', sundayNight)).params).toEqual({
      from: '2024-03-18T00:00:00+09:00',
      to: '2024-03-24T23:59:59+09:00',
    });
    expect(NOW.toISOString()).toBe('2024-03-14T10:30:00.000Z');
  });

  it('refuses a day it cannot read', () => {
    planErrorOf("what's on my calendar on Blursday");
  });
});
