import { ProtocolError } from '@wfa/protocol';
import { createDefaultPlanner } from './index';
import { NOW, planErrorOf } from './test-helpers';

describe('requests it cannot plan', () => {
  it.each(["what's the meaning of life", 'hi', 'thanks!', '???', 'tell me a joke', 'the budget and the roadmap'])('%s → invalid_plan', (message) => {
    expect(planErrorOf(message).message).toContain('Try e.g. "Send email to John about the meeting"');
  });

  it.each(['', '   ', '\n\t'])('empty text %j → invalid_plan', (message) => {
    expect(planErrorOf(message).message).toContain('the message is empty');
  });

  it.each([
    ['Remind me to call mom on February 30 at 9am', 'February 30'],
    ['Schedule a meeting with Sarah on April 31 at 3pm', 'April 31'],
    ['Remind me to call mom tomorrow at 25:00', '25:00'],
    ['Remind me to call mom tomorrow at 9:75', '9:75'],
    ['Remind me to call mom at 13pm', '13pm'],
    ['Remind me to call mom on December 31, 20310 at 9am', '20310'],
  ])('%s → refused: a date or time it could not read is not left in the title', (message, unread) => {
    expect(planErrorOf(message).message).toMatch(new RegExp(`I could not read the date.*${unread}`));
  });

  it('numbers that are not dates stay in the title', () => {
    const p = createDefaultPlanner();
    expect(p.plan({ message: 'Remind me to call 5551234567 tomorrow', timezone: 'UTC', now: NOW }).steps[0]?.params).toMatchObject({ title: 'Call 5551234567' });
    expect(p.plan({ message: 'Remind me to pay the March 2027 invoice tomorrow', timezone: 'UTC', now: NOW }).steps[0]?.params).toMatchObject({ title: 'Pay the March 2027 invoice' });
  });

  it('names an unknown timezone', () => {
    expect(planErrorOf('check my inbox', 'Mars/Olympus').message).toContain('"Mars/Olympus" is not a timezone');
  });

  it('refuses an invalid reference time rather than reading the clock', () => {
    expect(() => createDefaultPlanner().plan({ message: 'check my inbox', timezone: 'UTC', now: new Date(Number.NaN) })).toThrow(ProtocolError);
  });

  it('refuses text the catalog would reject, instead of a broken draft', () => {
    const err = planErrorOf(`remind me to ${'x'.repeat(300)}`);
    expect(err.message).toContain('title');
  });

  it('ignores localDatetime in favour of now + timezone', () => {
    const p = createDefaultPlanner();
    const a = p.plan({ message: 'remind me to stretch tomorrow at 9am', timezone: 'UTC', now: NOW });
    const b = p.plan({ message: 'remind me to stretch tomorrow at 9am', timezone: 'UTC', now: NOW, localDatetime: '1999-01-01T00:00:00' });
    expect(b).toEqual(a);
  });
});
