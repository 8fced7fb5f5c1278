import { only, plan, planErrorOf } from './test-helpers';

describe('email someone about something', () => {
  it.each([
    ['Email Sarah regarding the Q3 report', 'Sarah', 'Regarding the Q3 report'],
    ['write an email to bob about lunch', 'Bob', 'About lunch'],
    ['send Mary Jane a quick email about the offsite', 'Mary Jane', 'About the offsite'],
    ['Could you draft a message to Ann re: invoices?', 'Ann', 'Re: invoices'],
  ])('%s → lookup + create_draft', (message, name, subject) => {
    const { steps, summary } = plan(message);
    expect(summary).toBe('2-step workflow: Contact lookup → Email composition');
    expect(steps[0]).toMatchObject({ id: 'contact_lookup_1', action: 'search_contacts', params: { query: name } });
    expect(steps[1]).toMatchObject({
      id: 'email_draft_1',
      action: 'create_draft',
      params: { subject, recipient: '{{contact_lookup_1.email}}' },
      dependsOn: ['contact_lookup_1'],
    });
  });

  it('uses a literal address without a lookup', () => {
    const step = only(plan('email jane@example.com about the contract'));
    expect(step).toMatchObject({ action: 'create_draft', params: { recipient: 'jane@example.com', subject: 'About the contract' } });
    expect(step.dependsOn).toBeUndefined();
  });

  it('keeps a body and an explicit subject', () => {
    const [, draft] = plan('Send an email to John with subject Friday plans saying see you at 6').steps;
    expect(draft?.params).toEqual({ recipient: '{{contact_lookup_1.email}}', subject: 'Friday plans', body: 'see you at 6' });
  });

  it('keeps "and" inside the topic', () => {
    const [, draft] = plan('email John about pricing and contracts').steps;
    expect(draft?.params.subject).toBe('About pricing and contracts');
  });

  it('drafts one email per recipient, each with its own lookup', () => {
    const { steps } = plan('email Ann and Bob about the offsite');
    expect(steps.map((s) => s.id)).toEqual(['contact_lookup_1', 'email_draft_1', 'contact_lookup_2', 'email_draft_2']);
    expect(steps[3]?.params.recipient).toBe('{{contact_lookup_2.email}}');
  });

  it('sends straight away only when told to', () => {
    const step = plan('send an email to John about the outage right away').steps[1];
    expect(step).toMatchObject({ id: 'email_send_1', type: 'email', action: 'send_email', description: 'Send email to John about the outage' });
    const promoted = plan('draft an email to Bob about the budget and send it').steps[1];
    expect(promoted).toMatchObject({ id: 'email_send_1', action: 'send_email', params: { subject: 'About the budget' } });
  });

  it('refuses when the recipient is not a person', () => {
    expect(planErrorOf('email the team about the launch').message).toContain('who "the team" is');
    expect(planErrorOf('send it').message).toContain('no email to send');
    expect(planErrorOf('send an email about the launch').message).toContain('who the email should go to');
  });
});
