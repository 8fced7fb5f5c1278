import { alreadyApplied, insertLogEntry, MAX_REMEMBERED, rememberApplied } from '../apps/console/src/applied-events';
import type { LogEntry, WorkflowVM } from '../apps/console/src/types';

/** The console's once-only bookkeeping of applied events (pure; the browser tests drive it end to end). */
const view = (over: Partial<WorkflowVM> = {}): WorkflowVM => ({ sessionId: 'wf_1', log: [], appliedIds: [], ...over }) as unknown as WorkflowVM;
const id = (ms: number) => `${1_795_000_000_000 + ms}-0`;

describe('console: events applied once, in any order', () => {
  it('applies an older event it never saw after a newer one, and never one twice', () => {
    const wf = view();
    rememberApplied(wf, id(10));
    expect(alreadyApplied(wf, id(10))).toBe(true);
    expect(alreadyApplied(wf, id(5))).toBe(false);
    rememberApplied(wf, id(5));
    expect(alreadyApplied(wf, id(5))).toBe(true);
    expect(alreadyApplied(wf, id(7))).toBe(false);
    expect(alreadyApplied(wf, id(11))).toBe(false);
    expect(wf.lastEventId).toBe(id(10)); // the resume point only moves forward
  });

  it('treats what it forgot to stay short as applied', () => {
    const wf = view();
    for (let i = 1; i <= MAX_REMEMBERED + 10; i++) rememberApplied(wf, id(2 * i));
    expect(wf.appliedIds).toHaveLength(MAX_REMEMBERED);
    expect(alreadyApplied(wf, id(2))).toBe(true); // forgotten, so counted as applied
    expect(alreadyApplied(wf, id(19))).toBe(true); // below the floor, never seen: counted as applied
    expect(alreadyApplied(wf, id(2 * 11 + 1))).toBe(false); // above the floor, never seen
  });

  it('a view saved before ids were remembered keeps its high-water mark as the floor', () => {
    const wf = view({ appliedIds: undefined, lastEventId: id(100) });
    expect(alreadyApplied(wf, id(50))).toBe(true);
    rememberApplied(wf, id(120));
    expect(alreadyApplied(wf, id(50))).toBe(true);
    expect(alreadyApplied(wf, id(110))).toBe(false);
  });

  it('keeps the activity list in the order the server logged it', () => {
    const log: LogEntry[] = [];
    const entry = (ms: number): LogEntry => ({ eventId: id(ms), time: ms, text: String(ms), tone: 'info' });
    for (const ms of [10, 30, 20, 5, 40]) insertLogEntry(log, entry(ms), 4);
    expect(log.map((e) => e.text)).toEqual(['10', '20', '30', '40']);
  });
});
