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
