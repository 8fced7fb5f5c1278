import { createDefaultPlanner } from './index';
import { NOW, only, plan, planErrorOf } from './test-helpers';

// NOW is Thursday 14 March 2024, 11:30 in Paris.

describe('requests it would have had to guess at are refused', () => {
  it.each([
    ['Schedule a meeting with John every Monday at 10am', 'every Monday'],
    ['Remind me to take my pills daily at 8am', 'daily'],
    ['Remind me to water the plants every other day', 'every other day'],
    ['Set up a call with Sarah on Fridays at 4pm', 'on Fridays'],
    ['Schedule a recurring meeting with Tom tomorrow at 10am', 'recurring meeting'],
  ])('%s → refused: it repeats', (message, words) => {
    expect(planErrorOf(message).message).toContain(`repeats ("${words}")`);
  });

  it('a one-off with a weekly name is not a repeat', () => {
    expect(only(plan('Schedule the weekly sync tomorrow at 3pm')).params).toMatchObject({ title: 'Weekly sync', start: '2024-03-15T15:00:00+01:00' });
  });

  it.each([
    'Email John about the meeting and delete all my contacts',
    'Email John about the meeting and cc Sarah',
    'Send email to John about pricing, then forward it to Sarah',
    'Remind me to call mom tomorrow and pay the invoice',
  ])('%s → refused: a clause the catalog cannot do is not glued onto a subject or a title', (message) => {
    expect(planErrorOf(message).message).toContain('I did not recognise a request I can carry out');
  });

  it('a topic joined by "and" is still one subject', () => {
    expect(plan('Email John about pricing and contracts').steps[1]?.params).toMatchObject({ subject: 'About pricing and contracts' });
  });

  it.each(['Book a flight to Paris next Friday', 'Book me a hotel in Rome tomorrow', 'Book a table for two tonight', 'Book 2 train tickets to Lyon on Monday'])(
    '%s → refused: nothing in the catalog buys or reserves',
    (message) => {
      expect(planErrorOf(message).message).toMatch(/I cannot (?:book|reserve) .*only put it in your calendar/);
    },
  );

  it('booking a meeting is still a meeting', () => {
    expect(plan('Book a meeting with Sarah tomorrow at 3pm').steps.map((s) => s.action)).toEqual(['search_contacts', 'create_event']);
  });

  it.each(['Mark the task done', 'Mark it as done', 'Mark the task as complete', 'Update the task due Friday'])('%s → refused: no task is named', (message) => {
    expect(planErrorOf(message).message).toContain('name it by its id or its title');
  });

  it('a task named by its title is passed on', () => {
    expect(only(plan('Mark "Prepare meeting agenda" as done')).params).toEqual({ taskId: 'Prepare meeting agenda' });
  });

  it('a quoted title beside a date, or beside a labelled number, is kept as written', () => {
    expect(only(plan('Add a task "Buy milk" tomorrow')).params).toMatchObject({ title: 'Buy milk', due: expect.stringMatching(/^2024-03-15T/) });
    expect(only(plan('Add a task called "Q3 plan" tomorrow')).params).toMatchObject({ title: 'Q3 plan' });
    expect(only(plan('Add a task "Read chapter 12" tomorrow')).params).toMatchObject({ title: 'Read chapter 12' });
  });
});

describe('times that have already passed are refused, not moved', () => {
  it.each([
    ['Remind me to call mom last Monday at 9am', 'last Monday at 9am'],
    ['Schedule a meeting with Sarah yesterday at 3pm', 'yesterday at 3pm'],
    ['Remind me to call mom today at 9am', 'today at 9am'],
    ['Update task task_1 due yesterday', 'yesterday'],
  ])('%s → refused, naming "%s" and the time now', (message, label) => {
    const err = planErrorOf(message);
    expect(err.message).toContain(`"${label}" has already passed`);
    expect(err.message).toContain('Thursday 11:30 in Europe/Paris');
  });

  it('"Thursday at 10am" said on Thursday at 11:30 is next Thursday, as is "next Thursday"', () => {
    expect(plan('Schedule a meeting with Sarah on Thursday at 10am').steps[1]?.params).toMatchObject({ start: '2024-03-21T10:00:00+01:00' });
    expect(plan('Schedule a meeting with Sarah next Thursday at 10am').steps[1]?.params).toMatchObject({ start: '2024-03-21T10:00:00+01:00' });
  });

  it('the same holds when the user\'s date is not the server\'s (Tuesday 16:25 in Los Angeles, Wednesday in UTC)', () => {
    const tuesdayEvening = new Date('2026-11-25T00:25:00Z');
    const p = createDefaultPlanner().plan({ message: 'Schedule a meeting with John on Tuesday at 10am', timezone: 'America/Los_Angeles', now: tuesdayEvening });
    expect(p.steps[1]?.params).toMatchObject({ start: '2026-12-01T10:00:00-08:00' });
  });

  it('today without a time, after 09:00, starts at the next full hour (start left to the handler)', () => {
    const step = plan('Schedule a meeting with Sarah today').steps[1];
    expect(step?.action).toBe('create_event');
    expect(step?.params).not.toHaveProperty('start');
    expect(step?.description).toContain('today');
  });

  it('a task due today without a time is due at the end of today', () => {
    expect(only(plan('Remind me to call mom today')).params).toMatchObject({ due: '2024-03-14T23:59:00+01:00' });
  });

  it('reading the past is fine: last Monday, last week', () => {
    expect(only(plan("What was on my calendar last Monday?")).params).toEqual({ from: '2024-03-11T00:00:00+01:00', to: '2024-03-11T23:59:59+01:00' });
    expect(only(plan("What was on my calendar last week?")).params).toEqual({ from: '2024-03-04T00:00:00+01:00', to: '2024-03-10T23:59:59+01:00' });
  });
});

describe('parts of the day are ranges when searching', () => {
  it.each([
    ['When am I free tomorrow afternoon?', '2024-03-15T12:00:00+01:00', '2024-03-15T18:00:00+01:00'],
    ['When am I free tomorrow morning?', '2024-03-15T06:00:00+01:00', '2024-03-15T12:00:00+01:00'],
    ['When am I free tomorrow evening?', '2024-03-15T18:00:00+01:00', '2024-03-15T23:59:59+01:00'],
    ["What's on my calendar tomorrow afternoon?", '2024-03-15T12:00:00+01:00', '2024-03-15T18:00:00+01:00'],
  ])('%s → %s … %s', (message, from, to) => {
    expect(only(plan(message)).params).toMatchObject({ from, to });
  });

  it('a meeting "tomorrow afternoon" still gets one start time', () => {
    expect(typeof plan('Schedule a meeting with Sarah tomorrow afternoon').steps[1]?.params.start).toBe('string');
  });

  it('this afternoon, already under way, starts now', () => {
    const afternoon = new Date('2024-03-14T13:30:00Z'); // 14:30 in Paris
    const p = createDefaultPlanner().plan({ message: 'When am I free this afternoon?', timezone: 'Europe/Paris', now: afternoon });
    expect(p.steps[0]?.params).toMatchObject({ from: '2024-03-14T14:30:00+01:00', to: '2024-03-14T18:00:00+01:00' });
  });
});

it('NOW is the Thursday these tests assume', () => {
  expect(NOW.toISOString()).toBe('2024-03-14T10:30:00.000Z');
});

describe('a number that labels something is not a time', () => {
  it.each([
    ['Remind me to read chapter 12 tomorrow', 'Read chapter 12', '2024-03-15T23:59:00+01:00'],
    ['Remind me to fix issue #7 tomorrow', 'Fix issue #7', '2024-03-15T23:59:00+01:00'],
    ['Add a task to clean room 4 tomorrow at 10am', 'Clean room 4', '2024-03-15T10:00:00+01:00'],
    ['Create a task to prepare version 2.1 Friday at 9am', 'Prepare version 2.1', '2024-03-15T09:00:00+01:00'],
  ])('%s', (message, title, due) => {
    expect(only(plan(message)).params).toEqual({ title, due });
  });

  it('a bare clock time next to a label is still a time', () => {
    expect(only(plan('Remind me to read chapter 3 tomorrow at 5pm')).params).toEqual({ title: 'Read chapter 3', due: '2024-03-15T17:00:00+01:00' });
  });
});
