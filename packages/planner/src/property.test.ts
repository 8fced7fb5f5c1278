import fc from 'fast-check';
import { ProtocolError } from '@wfa/protocol';
import { createDefaultPlanner } from './index';
import { expectValidSteps } from './test-helpers';

const planner = createDefaultPlanner();

/** Either a plan whose every step the gateway would accept, or invalid_plan — never any other throw. */
function check(message: string, timezone: string, now: Date): void {
  let result;
  try {
    result = planner.plan({ message, timezone, now });
  } catch (e) {
    if (!(e instanceof ProtocolError) || e.code !== 'invalid_plan') throw e;
    expect(e.message.startsWith('I could not turn that into a plan: ')).toBe(true);
    return;
  }
  expect(result.originalMessage).toBe(message);
  expect(result.summary).toMatch(new RegExp(`^${result.steps.length}-step workflow: `));
  expectValidSteps(result.steps);
}

const WORDS = [
  'send', 'email', 'to', 'John', 'about', 'the', 'meeting', 'and', 'then', 'create', 'a', 'calendar', 'event',
  'schedule', 'with', 'Sarah', 'tomorrow', 'at', '3pm', 'for', '45', 'minutes', 'remind', 'me', 'call', 'mom',
  'find', 'free', 'slot', 'what', "what's", 'on', 'my', 'today', 'this', 'week', 'add', 'Jane', 'jane@example.com',
  'contacts', 'mark', 'task', 'task_1', 'as', 'done', 'list', 'tasks', 'open', 'check', 'inbox', 'summarize', '"',
  'update', 'due', 'Friday', 'him', 'it', 'now', ',', '.', ':', 'in', '2', 'hours', 'next', 'monday', 'rename',
  'of', 'last', '5', 'emails', 'invite', 'block', 'off', 'lunch', 'noon', 'March', '31', '+1 555 0100', '0', '99999',
];
const wordSoup = fc.array(fc.constantFrom(...WORDS), { maxLength: 20 }).map((ws) => ws.join(' '));
const zones = fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', '', 'Not/AZone');
const instants = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-12-31T00:00:00Z'), noInvalidDate: true });

describe('property: plan or invalid_plan, nothing else', () => {
  it('holds for arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), zones, instants, check), { numRuns: 500 });
  });

  it('holds for full-unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), zones, instants, check), { numRuns: 300 });
  });

  it('holds for soups of the words the planner reacts to', () => {
    fc.assert(fc.property(wordSoup, zones, instants, check), { numRuns: 1500 });
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(wordSoup, instants, (message, now) => {
        const run = () => {
          try {
            return planner.plan({ message, timezone: 'Europe/Paris', now });
          } catch (e) {
            return (e as Error).message;
          }
        };
        expect(run()).toEqual(run());
      }),
      { numRuns: 200 },
    );
  });
});
