import { startTestRedis, type TestRedis } from './test-redis';
import { Workspace, deriveId } from './workspace';
import { seedDemoWorkspace } from './seed';
import { PermanentStepError } from './types';

const NOW = Date.parse('2024-01-01T10:17:00Z');
let t: TestRedis;

beforeAll(async () => {
  t = await startTestRedis('workspace');
});
afterAll(async () => {
  await t.stop();
});

describe('Workspace', () => {
  it('keeps every collection of a user under one hash tag', () => {
    const ws = new Workspace(t.redis, t.keys, 'u-keys');
    for (const c of ['contacts', 'events', 'tasks', 'drafts', 'outbox', 'inbox'] as const) {
      expect(ws.key(c)).toBe(`${t.prefix}ws:{u-keys}:${c}`);
    }
  });

  it('derives stable, distinct ids from the idempotency key', () => {
    expect(deriveId('evt', 's1:a')).toBe(deriveId('evt', 's1:a'));
    expect(deriveId('evt', 's1:a')).not.toBe(deriveId('evt', 's1:b'));
    expect(deriveId('evt', 's1:a')).toMatch(/^evt_[0-9a-f]{16}$/);
  });

  it('creates once under one id and returns the first object on a repeat', async () => {
    const ws = new Workspace(t.redis, t.keys, 'u-once');
    const first = await ws.createTask('task_x', { title: 'First' }, NOW);
    const again = await ws.createTask('task_x', { title: 'Changed' }, NOW + 5000);
    expect(again).toEqual(first);
    expect(await ws.listTasks()).toHaveLength(1);
    expect(await t.redis.hlen(ws.key('tasks'))).toBe(1);
  });

  it('fails permanently on a corrupt record instead of returning garbage', async () => {
    const ws = new Workspace(t.redis, t.keys, 'u-corrupt');
    await t.redis.hset(ws.key('tasks'), 'task_bad', '{"taskId":"task_bad"}');
    await expect(ws.getTask('task_bad')).rejects.toThrow(PermanentStepError);
    await t.redis.hset(ws.key('contacts'), 'c1', 'not json');
    await expect(ws.listContacts()).rejects.toThrow(/Corrupt workspace record contacts\/c1/);
  });

  it('does not lose concurrent updates of one task', async () => {
    const ws = new Workspace(t.redis, t.keys, 'u-cas');
    await ws.createTask('task_c', { title: 'T' }, NOW);
    await Promise.all([
      ws.updateTask('task_c', { notes: 'n' }, NOW),
      ws.updateTask('task_c', { due: '2024-02-01T00:00:00.000Z' }, NOW),
      ws.completeTask('task_c', NOW),
    ]);
    const task = await ws.getTask('task_c');
    expect(task).toMatchObject({ notes: 'n', due: '2024-02-01T00:00:00.000Z', status: 'completed' });
  });

  it('returns null when updating or completing a missing task', async () => {
    const ws = new Workspace(t.redis, t.keys, 'u-missing');
    expect(await ws.updateTask('nope', { title: 'x' }, NOW)).toBeNull();
    expect(await ws.completeTask('nope', NOW)).toBeNull();
  });
});

describe('seedDemoWorkspace', () => {
  it('fills a demo user with contacts, events, tasks and inbox mail', async () => {
    await seedDemoWorkspace(t.redis, t.keys, 'demo', NOW);
    const ws = new Workspace(t.redis, t.keys, 'demo');
    const contacts = await ws.listContacts();
    expect(contacts.map((c) => c.name).sort()).toEqual(['Alex Kim', 'John Doe', 'Sarah Connor']);
    expect(contacts.find((c) => c.name === 'John Doe')).toMatchObject({ email: 'john.doe@company.com', phone: '+1234567890' });
    expect(contacts.find((c) => c.name === 'Sarah Connor')?.email).toBe('sarah@example.com');
    expect(contacts.find((c) => c.name === 'Alex Kim')?.email).toBe('alex.kim@example.com');

    const events = await ws.listEvents();
    expect(events).toHaveLength(2);
    expect(events[0]?.start.startsWith('2024-01-01')).toBe(true);
    expect(events[1]?.start.startsWith('2024-01-02')).toBe(true);

    const tasks = await ws.listTasks();
    expect(tasks.map((x) => x.taskId).sort()).toEqual(['task_demo_1', 'task_demo_2']);
    expect(await ws.listMail('inbox')).toHaveLength(2);
  });

  it('is idempotent and keeps changes the user made since', async () => {
    const ws = new Workspace(t.redis, t.keys, 'demo2');
    await seedDemoWorkspace(t.redis, t.keys, 'demo2', NOW);
    await ws.completeTask('task_demo_1', NOW);
    await seedDemoWorkspace(t.redis, t.keys, 'demo2', NOW + 86_400_000);
    expect(await ws.listContacts()).toHaveLength(3);
    expect(await ws.listEvents()).toHaveLength(2);
    expect(await ws.listTasks()).toHaveLength(2);
    expect(await ws.listMail('inbox')).toHaveLength(2);
    expect((await ws.getTask('task_demo_1'))?.status).toBe('completed');
  });

  it('places demo events on the user clock when given a zone', async () => {
    await seedDemoWorkspace(t.redis, t.keys, 'demo-ny', NOW, 'America/New_York');
    const events = await new Workspace(t.redis, t.keys, 'demo-ny').listEvents();
    // 15:00 EST on 2024-01-01 (NOW is 05:17 in New York).
    expect(events[0]?.start).toBe('2024-01-01T20:00:00.000Z');
  });
});
