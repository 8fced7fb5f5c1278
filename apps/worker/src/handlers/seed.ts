/**
 * Demo data for a fresh user, so the seed's example ("Send email to John ...") works out of the
 * box. Fixed ids + HSETNX make it idempotent: seeding again neither duplicates anything nor undoes
 * what the user changed since (a completed demo task stays completed).
 */
import type { Redis } from 'ioredis';
import type { Keys } from '@wfa/store';
import { Workspace } from './workspace';
import { iso, safeZone, wallClock, zonedToUtc } from './time';

/** Today/tomorrow at `hour` on the user's clock. */
function at(now: number, tz: string, dayOffset: number, hour: number): number {
  const w = wallClock(now, tz);
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + dayOffset));
  return zonedToUtc({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour, minute: 0, second: 0 }, tz);
}

export async function seedDemoWorkspace(redis: Redis, keys: Keys, userId: string, now: number, timezone = 'UTC'): Promise<void> {
  const ws = new Workspace(redis, keys, userId);
  const tz = safeZone(timezone);
  const hours = (n: number) => n * 3_600_000;

  await Promise.all([
    ws.createContact('contact_demo_john', { name: 'John Doe', email: 'john.doe@company.com', phone: '+1234567890' }, now),
    ws.createContact('contact_demo_sarah', { name: 'Sarah Connor', email: 'sarah@example.com' }, now),
    ws.createContact('contact_demo_alex', { name: 'Alex Kim', email: 'alex.kim@example.com' }, now),
  ]);

  const sync = at(now, tz, 0, 15);
  const oneOnOne = at(now, tz, 1, 10);
  await Promise.all([
    ws.createEvent(
      'evt_demo_1',
      { title: 'Project sync', start: iso(sync), end: iso(sync + hours(0.5)), attendees: ['john.doe@company.com'], description: 'Weekly project status' },
      now,
    ),
    ws.createEvent(
      'evt_demo_2',
      { title: '1:1 with Sarah', start: iso(oneOnOne), end: iso(oneOnOne + hours(1)), attendees: ['sarah@example.com'] },
      now,
    ),
  ]);

  await Promise.all([
    ws.createTask('task_demo_1', { title: 'Prepare meeting agenda', due: iso(at(now, tz, 1, 12)), notes: 'Topics for the project sync' }, now),
    ws.createTask('task_demo_2', { title: 'Review Q3 report' }, now),
  ]);

  await Promise.all([
    ws.addInboxMail({
      messageId: 'msg_demo_1',
      from: 'john.doe@company.com',
      to: userId,
      subject: 'Meeting next week',
      body: 'Hi, can we meet next week to go over the project plan? Let me know what time works for you.',
      date: iso(now - hours(3)),
    }),
    ws.addInboxMail({
      messageId: 'msg_demo_2',
      from: 'sarah@example.com',
      to: userId,
      subject: 'Q3 report',
      body: 'The Q3 report is ready for your review. Please send comments by Friday.',
      date: iso(now - hours(26)),
    }),
  ]);
}
