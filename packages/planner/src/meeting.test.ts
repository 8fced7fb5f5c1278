import { only, plan, planErrorOf } from './test-helpers';

describe('schedule a meeting / create an event', () => {
  it('computes the start in the user timezone', () => {
    const { steps, summary } = plan('Schedule a meeting with Sarah tomorrow at 3pm for 45 minutes');
    expect(summary).toBe('2-step workflow: Contact lookup → Calendar event creation');
    expect(steps[0]).toMatchObject({ id: 'contact_lookup_1', params: { query: 'Sarah' } });
    expect(steps[1]).toEqual({
      id: 'calendar_event_1',
      type: 'calendar',
      action: 'create_event',
      params: {
        title: 'Meeting with Sarah',
        start: '2024-03-15T15:00:00+01:00',
        durationMinutes: 45,
        attendees: ['{{contact_lookup_1.email}}'],
      },
      description: 'Schedule meeting with Sarah tomorrow at 3pm for 45 minutes',
      dependsOn: ['contact_lookup_1'],
    });
    expect(Date.parse(String(steps[1]?.params.start))).toBe(Date.parse('2024-03-15T14:00:00Z'));
  });

  it('uses the offset of the event date, not of today (DST)', () => {
    const step = only(plan('put dentist appointment on my calendar March 31 at 10am'));
    expect(step.params).toEqual({ title: 'Dentist appointment', start: '2024-03-31T10:00:00+02:00' });
  });

  it('reads the same words in another zone', () => {
    const step = plan('set up a call with Tom tomorrow at 9am for an hour', 'America/New_York').steps[1];
    expect(step?.params).toMatchObject({ title: 'Call with Tom', start: '2024-03-15T09:00:00-04:00', durationMinutes: 60 });
    const utc = plan('set up a call with Tom tomorrow at 9am', '').steps[1];
    expect(utc?.params.start).toBe('2024-03-15T09:00:00Z');
  });

  it('takes a time range as start and end, with several attendees', () => {
    const { steps } = plan('Schedule lunch with Anna and Tom on friday from 12 to 1pm');
    expect(steps.map((s) => s.id)).toEqual(['contact_lookup_1', 'contact_lookup_2', 'calendar_event_1']);
    expect(steps[2]?.params).toEqual({
      title: 'Lunch with Anna and Tom',
      start: '2024-03-15T12:00:00+01:00',
      end: '2024-03-15T13:00:00+01:00',
      attendees: ['{{contact_lookup_1.email}}', '{{contact_lookup_2.email}}'],
    });
    expect(steps[2]?.dependsOn).toEqual(['contact_lookup_1', 'contact_lookup_2']);
  });

  it('reads a bare "at 2" as the afternoon and keeps the topic in the title', () => {
    const step = plan('invite Sarah to a meeting about the roadmap tomorrow at 2').steps[1];
    expect(step?.params).toMatchObject({ title: 'Meeting with Sarah about the roadmap', start: '2024-03-15T14:00:00+01:00' });
  });

  it('leaves start out when no time is given, and uses 09:00 for a bare day', () => {
    expect(plan('schedule a meeting with Sarah').steps[1]?.params).toEqual({ title: 'Meeting with Sarah', attendees: ['{{contact_lookup_1.email}}'] });
    expect(plan('schedule a meeting with Sarah on Monday').steps[1]?.params.start).toBe('2024-03-18T09:00:00+01:00');
  });

  it('handles events without attendees and quoted titles', () => {
    expect(only(plan('create an event for yoga tomorrow at 6pm')).params).toEqual({ title: 'Yoga', start: '2024-03-15T18:00:00+01:00' });
    expect(only(plan('add an event called "Team offsite" next monday')).params).toEqual({ title: 'Team offsite', start: '2024-03-18T09:00:00+01:00' });
    expect(only(plan('block 2 hours for deep work tomorrow morning')).params).toMatchObject({ title: 'Deep work', durationMinutes: 120 });
  });

  it('refuses what it cannot place', () => {
    planErrorOf('create a calendar event');
    expect(planErrorOf('schedule a meeting with the budget').message).toContain('who "the budget" is');
    expect(planErrorOf('schedule a meeting with Sarah for 3000 minutes').message).toContain('between 1 minute and 24 hours');
  });
});
