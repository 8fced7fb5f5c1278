import { createDefaultPlanner, RuleBasedPlanner } from './index';
import { NOW, plan } from './test-helpers';

describe('the seed "Draft Presentation" example', () => {
  const message = 'Send email to John about the meeting and create a calendar event';

  it('yields exactly the seed three-step draft', () => {
    const result = plan(message);
    expect(result).toEqual({
      originalMessage: message,
      summary: '3-step workflow: Contact lookup → Email composition → Calendar event creation',
      steps: [
        { id: 'contact_lookup_1', type: 'contact', action: 'search_contacts', params: { query: 'John' }, description: 'Look up John in your contacts' },
        {
          id: 'email_draft_1',
          type: 'email',
          action: 'create_draft',
          params: { subject: 'About the meeting', recipient: '{{contact_lookup_1.email}}' },
          description: 'Create email draft to John about the meeting',
          dependsOn: ['contact_lookup_1'],
        },
        {
          id: 'calendar_event_1',
          type: 'calendar',
          action: 'create_event',
          params: { title: 'Meeting with John', attendees: ['{{contact_lookup_1.email}}'] },
          description: 'Create calendar event for the meeting',
          dependsOn: ['contact_lookup_1'],
        },
      ],
    });
  });

  it('does not depend on the timezone, the clock or politeness', () => {
    const base = plan(message).steps;
    expect(plan(message, 'America/Los_Angeles', new Date('2030-01-01T00:00:00Z')).steps).toEqual(base);
    // Lower-cased name: the lookup still searches for "John".
    expect(plan(`Please ${message.toLowerCase()}, thanks!`).steps).toEqual(base);
  });

  it('is deterministic across planner instances', () => {
    const a = new RuleBasedPlanner().plan({ message, timezone: 'UTC', now: NOW });
    const b = createDefaultPlanner().plan({ message, timezone: 'UTC', now: NOW });
    expect(a).toEqual(b);
  });
});
