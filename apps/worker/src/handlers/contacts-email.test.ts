import { ALL_ACTIONS, READ_ONLY_ACTIONS, isReadOnlyAction } from '@wfa/protocol';
import { COMPENSATIONS, PermanentStepError, runHandler, seedDemoWorkspace, type HandlerOutcome } from './index';
import { makeCtx, startTestRedis, type TestRedis } from './test-redis';
import { Workspace } from './workspace';

const NOW = Date.parse('2024-01-01T10:17:00Z');
const DEMO = 'demo-user';
let t: TestRedis;
beforeAll(async () => {
  t = await startTestRedis('contacts-email');
  await seedDemoWorkspace(t.redis, t.keys, DEMO, NOW);
});
afterAll(async () => {
  await t.stop();
});

function data(o: HandlerOutcome): Record<string, any> {
  if (o.kind !== 'completed') throw new Error(`expected completed, got ${JSON.stringify(o)}`);
  return o.data as Record<string, any>;
}

describe('contacts', () => {
  it('finds John as in the seed example', async () => {
    const out = await runHandler('search_contacts', { query: 'John' }, makeCtx(t, DEMO, 'contact_lookup_1'));
    expect(out).toEqual({
      kind: 'completed',
      data: { name: 'John Doe', email: 'john.doe@company.com', phone: '+1234567890' },
      message: 'Found John Doe (john.doe@company.com)',
    });
  });

  it('matches case-insensitively on name words and email', async () => {
    const find = async (query: string) => data(await runHandler('search_contacts', { query }, makeCtx(t, DEMO, 'q'))).name;
    expect(await find('sarah')).toBe('Sarah Connor');
    expect(await find('CONNOR')).toBe('Sarah Connor');
    expect(await find('alex kim')).toBe('Alex Kim');
    expect(await find('alex.kim@example.com')).toBe('Alex Kim');
    expect(await find('Sar')).toBe('Sarah Connor');
  });

  it('prefers an exact first-name match over a partial one', async () => {
    const u = 'u-johnny';
    await runHandler('create_contact', { name: 'Johnny Appleseed', email: 'johnny@example.com' }, makeCtx(t, u, 'c1'));
    await runHandler('create_contact', { name: 'John Smith', email: 'js@example.com' }, makeCtx(t, u, 'c2'));
    const found = data(await runHandler('search_contacts', { query: 'john' }, makeCtx(t, u, 'q')));
    expect(found).toEqual({ name: 'John Smith', email: 'js@example.com' });
  });

  it('asks the user when nobody matches (seed "Unknown Contact")', async () => {
    const out = await runHandler('search_contacts', { query: 'John' }, makeCtx(t, 'u-empty', 'contact_lookup_1'));
    expect(out).toEqual({
      kind: 'intervention',
      reason: 'I don\'t recognize "John". Please provide their email address:',
      options: ['Enter email address', 'Skip this step', 'Search with different name'],
      entityToResolve: { type: 'PERSON', value: 'John' },
    });
  });

  it('asks the user when the only match has no email', async () => {
    const u = 'u-noemail';
    await runHandler('create_contact', { name: 'Pat Lee', phone: '+100' }, makeCtx(t, u, 'c'));
    const out = await runHandler('search_contacts', { query: 'Pat' }, makeCtx(t, u, 'q'));
    expect(out).toMatchObject({ kind: 'intervention', entityToResolve: { type: 'PERSON', value: 'Pat' } });
  });

  it('get_all_contacts lists everyone, sorted by name', async () => {
    const { contacts } = data(await runHandler('get_all_contacts', {}, makeCtx(t, DEMO, 'all')));
    expect(contacts.map((c: any) => c.name)).toEqual(['Alex Kim', 'John Doe', 'Sarah Connor']);
    expect(contacts[0]).toMatchObject({ contactId: expect.any(String), email: 'alex.kim@example.com' });
  });

  it('create_contact is idempotent under the idempotency key', async () => {
    const ctx = makeCtx(t, 'u-cc', 'add');
    const a = data(await runHandler('create_contact', { name: 'Dana', email: 'dana@example.com' }, ctx));
    const b = data(await runHandler('create_contact', { name: 'Dana', email: 'dana@example.com' }, ctx));
    expect(a).toMatchObject({ contactId: expect.stringMatching(/^contact_/), name: 'Dana', email: 'dana@example.com' });
    expect(b).toEqual(a);
    expect(data(await runHandler('get_all_contacts', {}, ctx)).contacts).toHaveLength(1);
  });
});

describe('email', () => {
  it('send_email appends to the outbox exactly once per step', async () => {
    const u = 'u-send';
    const ctx = makeCtx(t, u, 'send1');
    const params = { recipient: 'john.doe@company.com', subject: 'About the meeting', body: 'See you at 11.' };
    const a = data(await runHandler('send_email', params, ctx));
    expect(a).toEqual({ messageId: expect.stringMatching(/^msg_/), recipient: 'john.doe@company.com', subject: 'About the meeting' });
    expect(data(await runHandler('send_email', params, ctx))).toEqual(a);
    const sent = data(await runHandler('fetch_emails', { folder: 'sent' }, makeCtx(t, u, 'f')));
    expect(sent.emails).toHaveLength(1);
    expect(sent.emails[0]).toMatchObject({ messageId: a.messageId, to: 'john.doe@company.com', body: 'See you at 11.' });
  });

  it('create_draft returns the draft id and is idempotent', async () => {
    const u = 'u-draft';
    const ctx = makeCtx(t, u, 'email_draft_1');
    const a = data(await runHandler('create_draft', { recipient: 'john.doe@company.com', subject: 'About the meeting' }, ctx));
    expect(a).toEqual({ draftId: expect.stringMatching(/^draft_/), recipient: 'john.doe@company.com', subject: 'About the meeting' });
    expect(data(await runHandler('create_draft', { recipient: 'john.doe@company.com', subject: 'About the meeting' }, ctx))).toEqual(a);
    const drafts = data(await runHandler('fetch_emails', { folder: 'Drafts' }, makeCtx(t, u, 'f')));
    expect(drafts.emails.map((m: any) => m.messageId)).toEqual([a.draftId]);
  });

  it('fetch_emails reads the inbox newest first, with a limit', async () => {
    const all = data(await runHandler('fetch_emails', {}, makeCtx(t, DEMO, 'f1')));
    expect(all.emails.map((m: any) => m.subject)).toEqual(['Meeting next week', 'Q3 report']);
    const one = data(await runHandler('fetch_emails', { folder: 'inbox', limit: 1 }, makeCtx(t, DEMO, 'f2')));
    expect(one.emails).toHaveLength(1);
    await expect(runHandler('fetch_emails', { folder: 'spam' }, makeCtx(t, DEMO, 'f3'))).rejects.toThrow(PermanentStepError);
  });
});

describe('compensations', () => {
  it('exist for the creating actions only', () => {
    expect(Object.keys(COMPENSATIONS).sort()).toEqual(['create_contact', 'create_draft', 'create_event', 'create_task']);
  });

  it('leave out exactly the read-only actions and the effects that cannot be taken back', () => {
    const without = ALL_ACTIONS.filter((a) => !COMPENSATIONS[a]);
    expect(without.filter((a) => !isReadOnlyAction(a)).sort()).toEqual(['complete_task', 'send_email', 'update_task']);
    for (const a of READ_ONLY_ACTIONS) expect(COMPENSATIONS[a]).toBeUndefined();
  });

  it('delete what the step created, idempotently', async () => {
    const u = 'u-undo';
    const ws = new Workspace(t.redis, t.keys, u);
    const cases = [
      ['create_event', { title: 'E' }, 'events'],
      ['create_draft', { recipient: 'a@example.com', subject: 'S' }, 'drafts'],
      ['create_task', { title: 'T' }, 'tasks'],
      ['create_contact', { name: 'C' }, 'contacts'],
    ] as const;
    await runHandler('create_task', { title: 'Keep me' }, makeCtx(t, u, 'other'));
    for (const [action, params, collection] of cases) {
      const ctx = makeCtx(t, u, `step_${action}`);
      const out = data(await runHandler(action, params, ctx));
      const before = await t.redis.hlen(ws.key(collection));
      const undo = COMPENSATIONS[action];
      if (!undo) throw new Error(`no compensation for ${action}`);
      await undo(out, ctx);
      await undo(out, ctx); // rollback retried: harmless
      expect(await t.redis.hlen(ws.key(collection))).toBe(before - 1);
    }
    // Only the step's own object went away.
    expect((await ws.listTasks()).map((x) => x.title)).toEqual(['Keep me']);
  });

  it('refuse a result without the created id', async () => {
    const ctx = makeCtx(t, 'u-undo', 'bad');
    await expect(COMPENSATIONS.create_event?.({ title: 'x' }, ctx)).rejects.toThrow(PermanentStepError);
    await expect(COMPENSATIONS.create_task?.({ taskId: 'evt_123' }, ctx)).rejects.toThrow(/Cannot undo create_task/);
  });
});
