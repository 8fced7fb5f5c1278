/**
 * SPEC §6.10's stores against a real Redis: an operator's concurrent permission updates all land,
 * and a role's index of waiting workflows cannot be undone by a commit that lands out of order.
 */
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { DEFAULT_PERMISSIONS } from '@wfa/protocol';
import { applyApproval } from '@wfa/domain';
import { USER, build } from '@wfa/domain/src/test-helpers';
import { createKeys } from './keys';
import { PermissionsStore } from './permissions-store';
import { WorkflowStore } from './workflow-store';

const url = process.env['REDIS_URL'];
if (!url) throw new Error('REDIS_URL is not set: run the tests through `npm test` (it starts a private redis-server)');
const redis = new Redis(url, { maxRetriesPerRequest: 1 });
afterAll(async () => {
  await redis.quit();
});
const fresh = () => createKeys(`ps${randomBytes(4).toString('hex')}:`);

test('concurrent partial updates of one user all land', async () => {
  const store = new PermissionsStore(redis, fresh());
  await Promise.all([
    store.update('u', { canSkipMandatorySteps: false }),
    store.update('u', { canModifyParams: ['title'] }),
    store.update('u', { canApproveSteps: ['task'] }),
    store.update('u', { requiresSecondaryApproval: { approverRole: 'boss' } }),
    store.update('u', { requiresSecondaryApproval: { stepTypes: ['email'] } }),
  ]);
  expect(await store.read('u')).toEqual({
    configured: true,
    permissions: { canApproveSteps: ['task'], canModifyParams: ['title'], canSkipMandatorySteps: false, requiresSecondaryApproval: { stepTypes: ['email'], approverRole: 'boss' } },
  });
});

test('an unreadable record grants nothing beyond rejecting (fail closed)', async () => {
  const keys = fresh();
  await redis.set(keys.permissions('u'), '{"canApproveSteps":"everything"}');
  const { permissions } = await new PermissionsStore(redis, keys).read('u');
  expect(permissions.canApproveSteps).toEqual([]);
  expect(permissions.canModifyParams).toEqual([]);
});

test("a role's index: an older version's removal landing after a newer add does not hide the workflow", async () => {
  const keys = fresh();
  const store = new WorkflowStore(redis, keys);
  const permissions = { ...DEFAULT_PERMISSIONS, requiresSecondaryApproval: { stepTypes: ['email' as const], approverRole: 'manager' } };
  const v1 = build(undefined, { sessionId: 'wf_roleidx', permissions }).draft;
  const v2 = applyApproval(v1, { action: 'approve_all' }, USER, Date.now()).draft;
  expect(v2.version).toBe(v1.version + 1);
  await store.roles.sync(v2); // waits for the manager
  await store.roles.sync(v1); // an older commit's carry-out, late: nothing waited then
  expect(await store.roles.ids(['manager'])).toEqual(['wf_roleidx']);
  await store.roles.remove('manager', 'wf_roleidx', v1.version); // a reader that saw v1
  expect(await store.roles.ids(['manager'])).toEqual(['wf_roleidx']);
  // An idle role's index expires by itself.
  expect(await redis.ttl(keys.roleAwaiting('manager'))).toBeGreaterThan(0);
  await store.roles.remove('manager', 'wf_roleidx'); // gone for good
  expect(await store.roles.ids(['manager'])).toEqual([]);
  // Nothing is left behind for an entry that left the index.
  expect(await redis.exists(keys.roleAwaitingVersions('manager'))).toBe(0);
});

test("a role's index lists the newest plans first, however many versions each has", async () => {
  const store = new WorkflowStore(redis, fresh());
  const permissions = { ...DEFAULT_PERMISSIONS, requiresSecondaryApproval: { stepTypes: ['email' as const], approverRole: 'manager' } };
  const waiting = (sessionId: string, now: number, extraVersions: number) => {
    let d = applyApproval(build(undefined, { sessionId, permissions, now }).draft, { action: 'approve_all' }, USER, now).draft;
    for (let i = 0; i < extraVersions; i++) d = applyApproval(d, { action: 'modify_step', stepId: 'calendar_event_1', modifications: { title: `t${i}` } }, USER, now).draft;
    return d;
  };
  await store.roles.sync(waiting('wf_old', 1_000, 5));
  await store.roles.sync(waiting('wf_new', 2_000, 0));
  expect(await store.roles.ids(['manager'], 1)).toEqual(['wf_new']);
});
