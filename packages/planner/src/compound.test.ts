import { plan, planErrorOf } from './test-helpers';

describe('compound requests', () => {
  it('shares one lookup when two requests need the same person', () => {
    const { steps, summary } = plan('Email John about pricing and contracts, then schedule a call with him next Tuesday at 10:30');
    expect(summary).toBe('3-step workflow: Contact lookup → Email composition → Calendar event creation');
    expect(steps.filter((s) => s.action === 'search_contacts')).toHaveLength(1);
    expect(steps[2]).toMatchObject({
      id: 'calendar_event_1',
      params: { title: 'Call with John', start: '2024-03-19T10:30:00+01:00', attendees: ['{{contact_lookup_1.email}}'] },
      dependsOn: ['contact_lookup_1'],
    });
  });

  it('shares the lookup when the same name is repeated', () => {
    const { steps } = plan('email Sarah about the roadmap and schedule a meeting with sarah tomorrow at 4pm');
    expect(steps.map((s) => s.id)).toEqual(['contact_lookup_1', 'email_draft_1', 'calendar_event_1']);
  });

  it('combines unrelated families in order, with "and", "then", commas and sentences', () => {
    const { steps, summary } = plan(
      'Check my inbox, remind me to pay rent on Friday and then show my open tasks. Also what is on my calendar tomorrow?',
    );
    expect(steps.map((s) => s.action)).toEqual(['fetch_emails', 'create_task', 'list_tasks', 'list_events']);
    expect(steps.map((s) => s.id)).toEqual(['email_fetch_1', 'task_create_1', 'task_list_1', 'calendar_list_1']);
    expect(summary).toBe('4-step workflow: Inbox check → Task creation → Task review → Calendar review');
  });

  it('lets a lookup feed a later email', () => {
    const { steps } = plan('look up John and email him about lunch');
    expect(steps.map((s) => s.id)).toEqual(['contact_lookup_1', 'email_draft_1']);
    expect(steps[1]?.params.recipient).toBe('{{contact_lookup_1.email}}');
  });

  it('numbers repeated kinds', () => {
    const { steps } = plan('remind me to call Ann and remind me to call Bob');
    expect(steps.map((s) => [s.id, s.params.title])).toEqual([
      ['task_create_1', 'Call Ann'],
      ['task_create_2', 'Call Bob'],
    ]);
  });

  it('finds a free slot, then books it as a separate event', () => {
    const { steps } = plan('find a free 30 minute slot tomorrow and set up a meeting with Priya tomorrow at 4pm for 30 minutes');
    expect(steps.map((s) => s.action)).toEqual(['find_free_time', 'search_contacts', 'create_event']);
  });

  it('refuses the whole message if one part cannot be planned', () => {
    expect(planErrorOf('email John about the launch and then make me a sandwich').message).toMatch(/did not recognise|could not tell/);
    expect(planErrorOf('bake a cake and email John').message).toContain('did not recognise');
  });
});

describe('compound requests whose parts contain commas', () => {
  it('keeps "Add X, address, to my contacts" together and emails the new address', () => {
    const { steps } = plan('Add Tom Jones, tom@jones.com, to my contacts and email him about the gig');
    expect(steps).toEqual([
      expect.objectContaining({ id: 'contact_create_1', params: { name: 'Tom Jones', email: 'tom@jones.com' } }),
      expect.objectContaining({ id: 'email_draft_1', params: { recipient: 'tom@jones.com', subject: 'About the gig' } }),
    ]);
  });

  it('looks for free time for a meeting without looking the person up', () => {
    const { steps } = plan('find time for a 45 minute meeting with Sarah tomorrow');
    expect(steps).toEqual([
      expect.objectContaining({ action: 'find_free_time', description: 'Find a free 45-minute slot tomorrow for a meeting with Sarah' }),
    ]);
  });

  it('creates the seed event at a time when one is given', () => {
    const { steps } = plan('Send email to John about the meeting and create a calendar event tomorrow at 3pm');
    expect(steps[2]).toMatchObject({
      params: { title: 'Meeting with John', start: '2024-03-15T15:00:00+01:00', attendees: ['{{contact_lookup_1.email}}'] },
      description: 'Create calendar event for the meeting tomorrow at 3pm',
    });
  });
});
