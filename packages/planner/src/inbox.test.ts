import { only, plan, planErrorOf } from './test-helpers';

describe('check my email', () => {
  it.each([
    ['check my email', {}],
    ['Check my inbox', {}],
    ['any new emails?', {}],
    ['show my last 5 emails', { limit: 5 }],
    ['read the 3 latest messages in drafts', { folder: 'drafts', limit: 3 }],
    ['show my sent emails', { folder: 'sent' }],
    ['show my last 500 emails', { limit: 100 }],
    ['show my last 999999999 emails', { limit: 100 }],
  ])('%s → fetch_emails', (message, params) => {
    const step = only(plan(message));
    expect(step).toMatchObject({ id: 'email_fetch_1', type: 'email', action: 'fetch_emails' });
    expect(step.params).toEqual(params);
  });

  it.each(['read the 3 latest messages in spam', 'any emails in the trash?', 'show my archived emails'])('%s → refused: the workspace has no such folder', (message) => {
    expect(planErrorOf(message).message).toMatch(/there is no (spam|trash|archive) folder; I can read your inbox, sent mail or drafts/);
  });
});

describe('summarize "<text>"', () => {
  it('summarizes quoted text verbatim, "and"s and dates included', () => {
    const text = 'Sales rose and costs fell. Next meeting is tomorrow at 3pm; then we ship.';
    expect(only(plan(`Summarize "${text}"`))).toMatchObject({
      id: 'text_summary_1',
      type: 'analysis',
      action: 'summarize',
      params: { text },
    });
  });

  it('takes everything after "summarize:" as the text', () => {
    const step = only(plan('summarize: the launch slipped a week, and then marketing moved the event'));
    expect(step.params).toEqual({ text: 'the launch slipped a week, and then marketing moved the event' });
  });

  it('asks for the text when there is none', () => {
    expect(planErrorOf('summarize my emails').message).toContain('put the text to summarize in quotes');
  });
});
