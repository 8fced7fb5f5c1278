/**
 * Issue 6 §6, over what the product really writes: after a workflow has run through a
 * question, a timer, a preference, a resent message, permissions and a draft that waits for a
 * second approval, every key under the
 * prefix is read back from Redis and must sit in the Redis Cluster slot of its owner: a
 * workflow's keys in its session's slot (the commit script touches them together), a user's in
 * the user's, the queues' in one `{wfa}` slot, the set the sweep reads in `{active}`.
 * (packages/store/src/keys.test.ts checks the same rule on every function of keys.ts.)
 */
import Redis from 'ioredis';
import { SEED_REQUEST, TestClient, stepEvent, tokenFor, workflowEnded } from './support/client';
import { redisUrl, useStack } from './support/processes';
import { deletePrefix } from './support/state';

const stack = useStack();

/** Redis Cluster's rule: the first {...} with something inside, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  return open === -1 || close === -1 || close === open + 1 ? key : key.slice(open + 1, close);
}

test("every key the product writes sits in its owner's hash slot", async () => {
  const user = 'layout-user';
  const c = await TestClient.connect(stack.gateway.url, tokenFor(user));
  const redis = new Redis(redisUrl());
  try {
    // A workflow that asks a question (no John in this workspace), is answered and completes.
    const { sessionId: ran } = await c.sendOk('USER_MESSAGE', { message: SEED_REQUEST });
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, ran);
    await c.waitFor(stepEvent(ran, 'contact_lookup_1', 'waiting_intervention'));
    await c.sendOk('INTERVENTION_RESPONSE', { stepId: 'contact_lookup_1', option: 'Enter email address', value: 'john@example.org' }, ran);
    await c.waitFor(workflowEnded(ran));
    // Permissions that make task steps wait for a second approval (SPEC §6.10): a per-user record
    // and, once the waiting draft's step is approved by its owner, its role's index.
    const put = await fetch(`${stack.gateway.url}/admin/permissions/${user}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokenFor('layout-operator', { roles: ['admin'] })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requiresSecondaryApproval: { stepTypes: ['task'], approverRole: 'layout-role' } }),
    });
    expect(put.status).toBe(200);
    // A draft left waiting (its reminder and expiry timers), a preference, a resent message.
    const { sessionId: waiting } = await c.sendOk('WORKFLOW_SUBMIT', { plan: { steps: [{ id: 'a', type: 'task', action: 'create_task', description: 'a', params: { title: 't' } }] } });
    await c.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'a' }, waiting);
    await c.sendOk('PREFERENCES_SET', { preferences: { autoApprove: { lowRiskSteps: false } } });
    expect(await c.send('WORKFLOW_LIST', {}, undefined, { messageId: 'list-1' })).toMatchObject({ ok: true });
    expect(await c.send('WORKFLOW_LIST', {}, undefined, { messageId: 'list-1' })).toMatchObject({ ok: true });

    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${stack.prefix}*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');

    const queuePrefix = `${stack.prefix}{wfa}:`;
    const owners = new Set([ran, waiting, user, 'wfa', 'active', 'role:layout-role']);
    const misplaced = keys.filter((k) => {
      const tag = hashTag(k);
      if (k.startsWith(queuePrefix)) return tag !== 'wfa';
      // A key that names a workflow belongs in that workflow's slot.
      for (const sid of [ran, waiting]) if (k.includes(sid)) return tag !== sid;
      return !owners.has(tag);
    });
    expect(misplaced).toEqual([]);

    // And the run really wrote each family the rule is about.
    const has = (re: RegExp) => keys.some((k) => re.test(k.slice(stack.prefix.length)));
    expect({
      draft: has(new RegExp(`^workflow:draft:\\{${ran}\\}$`)),
      events: has(new RegExp(`^workflow:\\{${ran}\\}:events$`)),
      audit: has(new RegExp(`^workflow:\\{${ran}\\}:audit$`)),
      stepStatus: has(new RegExp(`^workflow:\\{${ran}\\}:step:\\{contact_lookup_1\\}:status$`)),
      intervention: has(new RegExp(`^intervention:\\{${ran}\\}:step:\\{contact_lookup_1\\}$`)),
      userIndex: has(/^approvals:\{layout-user\}:active$/),
      finished: has(/^approvals:\{layout-user\}:finished$/),
      preferences: has(/^user:\{layout-user\}:approval_preferences$/),
      permissions: has(/^user:\{layout-user\}:approval_permissions$/),
      roleIndex: has(/^approvals:\{role:layout-role\}:awaiting$/),
      roleIndexVersions: has(/^approvals:\{role:layout-role\}:awaiting:versions$/),
      reply: has(/^user:\{layout-user\}:reply:/),
      workspace: has(/^ws:\{layout-user\}:(drafts|events)$/),
      stepQueue: has(/^\{wfa\}:steps:/),
      timerQueue: has(/^\{wfa\}:timers:/),
    }).toEqual({
      draft: true,
      events: true,
      audit: true,
      stepStatus: true,
      intervention: true,
      userIndex: true,
      finished: true,
      preferences: true,
      permissions: true,
      roleIndex: true,
      roleIndexVersions: true,
      reply: true,
      workspace: true,
      stepQueue: true,
      timerQueue: true,
    });
  } finally {
    c.close();
    await deletePrefix(redis, stack.prefix);
    redis.disconnect();
  }
});
