import { ALL_ACTIONS } from '@wfa/protocol';
import { HANDLERS, PermanentStepError, runHandler, type HandlerOutcome } from './index';
import { makeCtx, startTestRedis, type TestRedis } from './test-redis';
import { seedDemoWorkspace } from './seed';

let t: TestRedis;
beforeAll(async () => {
  t = await startTestRedis('handlers');
});
afterAll(async () => {
  await t.stop();
});

function data(o: HandlerOutcome): Record<string, any> {
  if (o.kind !== 'completed') throw new Error(`expected completed, got ${JSON.stringify(o)}`);
  expect(JSON.parse(JSON.stringify(o.data))).toEqual(o.data); // plain JSON
  return o.data as Record<string, any>;
}

it('has a handler for every catalog action', () => {
  expect(Object.keys(HANDLERS).sort()).toEqual([...ALL_ACTIONS].sort());
});

describe('runHandler', () => {
  it('rejects bad params permanently with a clear message', async () => {
    const ctx = makeCtx(t, 'u-run', 's1');
    await expect(runHandler('create_event', { title: 'x', start: 'tomorrow' }, ctx)).rejects.toThrow(PermanentStepError);
    await expect(runHandler('create_event', {}, ctx)).rejects.toThrow(/Invalid params for create_event: .*title/);
    await expect(runHandler('summarize', { text: 'x', extra: 1 }, ctx)).rejects.toThrow(/extra/);
    // A template left unresolved is bad input, not something to retry.
    await expect(runHandler('create_draft', { recipient: '{{s1.email}}', subject: 'x' }, ctx)).rejects.toThrow(PermanentStepError);
    await expect(runHandler('nope' as never, {}, ctx)).rejects.toThrow(/Unknown action/);
  });

  it('reports progress once midway', async () => {
    const ctx = makeCtx(t, 'u-run', 's2');
    await runHandler('list_tasks', {}, ctx);
    expect(ctx.progress).toHaveLength(1);
    expect(ctx.progress[0]?.[0]).toBe(50);
  });
});

describe('calendar', () => {
  it('create_event defaults to the next full hour for 30 minutes', async () => {
    const ctx = makeCtx(t, 'u-cal', 'ev1');
    const ev = data(await runHandler('create_event', { title: 'Meeting with John', attendees: ['john.doe@company.com'] }, ctx));
    expect(ev).toMatchObject({
      eventId: expect.stringMatching(/^evt_/),
      title: 'Meeting with John',
      start: '2024-01-01T11:00:00.000Z',
      end: '2024-01-01T11:30:00.000Z',
      attendees: ['john.doe@company.com'],
    });
  });

  it('create_event honours start, durationMinutes, end and the user zone', async () => {
    const a = data(await runHandler('create_event', { title: 'A', start: '2024-01-03T09:00:00Z', durationMinutes: 45 }, makeCtx(t, 'u-cal', 'ev2')));
    expect([a.start, a.end]).toEqual(['2024-01-03T09:00:00.000Z', '2024-01-03T09:45:00.000Z']);
    const b = data(
      await runHandler('create_event', { title: 'B', start: '2024-01-03T09:00', end: '2024-01-03T10:00' }, makeCtx(t, 'u-cal', 'ev3', { timezone: 'Europe/Berlin' })),
    );
    expect([b.start, b.end]).toEqual(['2024-01-03T08:00:00.000Z', '2024-01-03T09:00:00.000Z']);
    await expect(
      runHandler('create_event', { title: 'C', start: '2024-01-03T10:00:00Z', end: '2024-01-03T09:00:00Z' }, makeCtx(t, 'u-cal', 'ev4')),
    ).rejects.toThrow(PermanentStepError);
  });

  it('create_event with only an end starts its duration before that end', async () => {
    // The clock reads 10:xx, so the next full hour (11:00) is after this end: it used to fail.
    const e = data(await runHandler('create_event', { title: 'E', end: '2024-01-01T10:45:00Z' }, makeCtx(t, 'u-cal', 'ev5')));
    expect([e.start, e.end]).toEqual(['2024-01-01T10:15:00.000Z', '2024-01-01T10:45:00.000Z']);
    const f = data(await runHandler('create_event', { title: 'F', end: '2024-01-05T17:00:00Z', durationMinutes: 60 }, makeCtx(t, 'u-cal', 'ev6')));
    expect([f.start, f.end]).toEqual(['2024-01-05T16:00:00.000Z', '2024-01-05T17:00:00.000Z']);
  });

  it('create_event is idempotent under the idempotency key', async () => {
    const ctx = makeCtx(t, 'u-cal-idem', 'ev1');
    const first = await runHandler('create_event', { title: 'Once' }, ctx);
    const again = await runHandler('create_event', { title: 'Once' }, { ...ctx, now: () => Date.parse('2024-01-01T12:40:00Z') });
    expect(again).toEqual(first);
    expect(data(await runHandler('list_events', {}, ctx)).events).toHaveLength(1);
  });

  it('list_events filters by overlap with the range', async () => {
    const u = 'u-cal-list';
    await runHandler('create_event', { title: 'Mon', start: '2024-01-01T14:00:00Z' }, makeCtx(t, u, 'a'));
    await runHandler('create_event', { title: 'Tue', start: '2024-01-02T14:00:00Z' }, makeCtx(t, u, 'b'));
    const all = data(await runHandler('list_events', {}, makeCtx(t, u, 'l1')));
    expect(all.events.map((e: any) => e.title)).toEqual(['Mon', 'Tue']);
    const mon = data(await runHandler('list_events', { from: '2024-01-01T00:00:00Z', to: '2024-01-02T00:00:00Z' }, makeCtx(t, u, 'l2')));
    expect(mon.events.map((e: any) => e.title)).toEqual(['Mon']);
    const overlap = data(await runHandler('list_events', { from: '2024-01-02T14:15:00Z' }, makeCtx(t, u, 'l3')));
    expect(overlap.events.map((e: any) => e.title)).toEqual(['Tue']);
    await expect(runHandler('list_events', { from: '2024-01-02T00:00:00Z', to: '2024-01-01T00:00:00Z' }, makeCtx(t, u, 'l4'))).rejects.toThrow(
      PermanentStepError,
    );
  });

  it('find_free_time avoids existing events within 09:00-17:00 of the user zone', async () => {
    const u = 'u-free';
    await runHandler('create_event', { title: 'Busy', start: '2024-01-01T11:00:00Z', end: '2024-01-01T12:00:00Z' }, makeCtx(t, u, 'busy'));
    const { slots } = data(await runHandler('find_free_time', { durationMinutes: 60 }, makeCtx(t, u, 'f1')));
    expect(slots.length).toBeGreaterThan(0);
    expect(slots.length).toBeLessThanOrEqual(5);
    expect(slots[0]).toEqual({ start: '2024-01-01T12:00:00.000Z', end: '2024-01-01T13:00:00.000Z' });
    for (const s of slots) {
      const start = new Date(s.start);
      const end = new Date(s.end);
      expect(end.getTime() - start.getTime()).toBe(3_600_000);
      expect(start.getUTCHours()).toBeGreaterThanOrEqual(9);
      expect(end.getUTCHours() * 60 + end.getUTCMinutes()).toBeLessThanOrEqual(17 * 60);
      expect(start.getTime() < Date.parse('2024-01-01T12:00:00Z') && end.getTime() > Date.parse('2024-01-01T11:00:00Z')).toBe(false);
      expect(start.getTime()).toBeGreaterThanOrEqual(Date.parse('2024-01-01T10:17:00Z'));
    }
    const tokyo = data(await runHandler('find_free_time', { from: '2024-01-05T00:00:00Z', to: '2024-01-06T00:00:00Z' }, makeCtx(t, u, 'f2', { timezone: 'Asia/Tokyo' })));
    // 09:00 JST on 2024-01-05 is 00:00Z; 17:00 JST is 08:00Z.
    expect(tokyo.slots[0]).toEqual({ start: '2024-01-05T00:00:00.000Z', end: '2024-01-05T00:30:00.000Z' });
  });
});

describe('tasks', () => {
  const u = 'u-tasks';
  it('create, list, update and complete a task', async () => {
    const task = data(await runHandler('create_task', { title: 'Write report', due: '2024-01-05T17:00:00Z', notes: 'Q3' }, makeCtx(t, u, 'c1')));
    expect(task).toMatchObject({ taskId: expect.stringMatching(/^task_/), title: 'Write report', status: 'open', due: '2024-01-05T17:00:00.000Z', notes: 'Q3' });

    const updated = data(await runHandler('update_task', { taskId: task.taskId, title: 'Write Q3 report' }, makeCtx(t, u, 'u1')));
    expect(updated).toMatchObject({ taskId: task.taskId, title: 'Write Q3 report', notes: 'Q3', status: 'open' });

    const done = data(await runHandler('complete_task', { taskId: task.taskId }, makeCtx(t, u, 'd1')));
    expect(done).toMatchObject({ status: 'completed', completedAt: expect.any(String) });
    // A redelivery of the completion returns the same task.
    expect(data(await runHandler('complete_task', { taskId: task.taskId }, makeCtx(t, u, 'd1', { now: () => Date.now() })))).toEqual(done);

    await runHandler('create_task', { title: 'Second' }, makeCtx(t, u, 'c2'));
    const open = data(await runHandler('list_tasks', {}, makeCtx(t, u, 'l1')));
    expect(open.tasks.map((x: any) => x.title)).toEqual(['Second']);
    const completedOnes = data(await runHandler('list_tasks', { status: 'completed' }, makeCtx(t, u, 'l2')));
    expect(completedOnes.tasks.map((x: any) => x.title)).toEqual(['Write Q3 report']);
    expect(data(await runHandler('list_tasks', { status: 'all' }, makeCtx(t, u, 'l3'))).tasks).toHaveLength(2);
  });

  it('create_task twice with one idempotency key creates one task', async () => {
    const ctx = makeCtx(t, 'u-tasks-idem', 'same');
    const a = await runHandler('create_task', { title: 'Once' }, ctx);
    const b = await runHandler('create_task', { title: 'Once' }, ctx);
    expect(b).toEqual(a);
    expect(data(await runHandler('list_tasks', { status: 'all' }, ctx)).tasks).toHaveLength(1);
  });

  it('a missing task fails permanently', async () => {
    await expect(runHandler('update_task', { taskId: 'task_nope', title: 'x' }, makeCtx(t, u, 'x1'))).rejects.toThrow(
      new PermanentStepError('No task with id or title task_nope'),
    );
    await expect(runHandler('complete_task', { taskId: 'task_nope' }, makeCtx(t, u, 'x2'))).rejects.toThrow(PermanentStepError);
  });

  it('finds a task by its title when no id matches: one open task, or a clear refusal', async () => {
    const user = 'u-task-titles';
    const ctx = (k: string) => makeCtx(t, user, k);
    const agenda = data(await runHandler('create_task', { title: 'Prepare meeting agenda' }, ctx('c1')));
    const done = data(await runHandler('complete_task', { taskId: 'prepare MEETING agenda ' }, ctx('d1')));
    expect(done).toMatchObject({ taskId: agenda.taskId, status: 'completed' });
    // A redelivery after it completed finds the same (now completed) task.
    expect(data(await runHandler('complete_task', { taskId: 'Prepare meeting agenda' }, ctx('d1')))).toMatchObject({ taskId: agenda.taskId });
    const renamed = data(await runHandler('update_task', { taskId: 'Prepare meeting agenda', title: 'Agenda v2' }, ctx('u1')));
    expect(renamed).toMatchObject({ taskId: agenda.taskId, title: 'Agenda v2' });
    await runHandler('create_task', { title: 'Call mom' }, ctx('c2'));
    await runHandler('create_task', { title: 'Call mom' }, ctx('c3'));
    await expect(runHandler('complete_task', { taskId: 'Call mom' }, ctx('d2'))).rejects.toThrow(/2 tasks are titled "Call mom": name one by its id \(task_/);
    await expect(runHandler('complete_task', { taskId: 'Nothing like it' }, ctx('d3'))).rejects.toThrow(PermanentStepError);
  });

  it('works on the demo task_demo_1', async () => {
    await seedDemoWorkspace(t.redis, t.keys, 'u-demo', Date.parse('2024-01-01T10:17:00Z'));
    const done = data(await runHandler('complete_task', { taskId: 'task_demo_1' }, makeCtx(t, 'u-demo', 'd')));
    expect(done).toMatchObject({ taskId: 'task_demo_1', status: 'completed' });
  });
});

describe('analysis and system', () => {
  it('summarize extracts leading sentences up to ~200 chars', async () => {
    const text = 'The launch moved to Friday. Marketing needs the final copy by Wednesday. ' + 'Filler sentence that goes on. '.repeat(10);
    const { summary } = data(await runHandler('summarize', { text }, makeCtx(t, 'u-misc', 's')));
    expect(summary.startsWith('The launch moved to Friday. Marketing needs the final copy by Wednesday.')).toBe(true);
    expect(summary.length).toBeLessThanOrEqual(200);
    const long = data(await runHandler('summarize', { text: 'word '.repeat(100) }, makeCtx(t, 'u-misc', 's2')));
    expect(long.summary.length).toBeLessThanOrEqual(200);
    expect(long.summary.endsWith('…')).toBe(true);
  });

  it('user_intervention always asks the user', async () => {
    const out = await runHandler('user_intervention', { reason: 'Which room?', options: ['A', 'B'] }, makeCtx(t, 'u-misc', 'i'));
    expect(out).toEqual({ kind: 'intervention', reason: 'Which room?', options: ['A', 'B'] });
  });
});
