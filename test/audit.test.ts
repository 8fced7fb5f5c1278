/**
 * SPEC §6.11 from outside: a user's decisions and the worker's state changes land in the
 * workflow's hash-chained audit log, `WORKFLOW_AUDIT` returns it with its verification, only the
 * owner may read it, and an entry edited in Redis makes the verification fail, naming the entry.
 */
import Redis from 'ioredis';
import { SEED_REQUEST, TestClient, isType, stepEvent, tokenFor, workflowEnded } from './support/client';
import { newPrefix, redisUrl, startGateway, startWorker, useStack } from './support/processes';

const AUDIT_KEY = 'audit-key-for-the-integration-tests';
const stack = useStack({ gateway: { AUDIT_KEY }, worker: { AUDIT_KEY } });

test('a decided, questioned and finished workflow reads back in its audit log, verified', async () => {
  const alice = await TestClient.connect(stack.gateway.url, tokenFor('audit-alice'));
  const bob = await TestClient.connect(stack.gateway.url, tokenFor('audit-bob'));
  const redis = new Redis(redisUrl());
  try {
    const { sessionId } = await alice.sendOk('USER_MESSAGE', { message: SEED_REQUEST });
    await alice.sendOk('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 'calendar_event_1', reason: 'no meeting yet' }, sessionId);
    await alice.sendOk('WORKFLOW_EDIT', { operation: 'modify_params', stepId: 'email_draft_1', newParams: { subject: 'Agenda' } }, sessionId);
    await alice.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    // No John in this user's workspace: the lookup asks, and the answer is a decision too.
    await alice.waitFor(stepEvent(sessionId, 'contact_lookup_1', 'waiting_intervention'));
    await alice.sendOk('INTERVENTION_RESPONSE', { stepId: 'contact_lookup_1', option: 'provide_value', value: 'john@example.org' }, sessionId);
    await alice.waitFor(workflowEnded(sessionId));

    const audit = await alice.sendOk('WORKFLOW_AUDIT', {}, sessionId);
    expect(audit['verification']).toEqual({ valid: true, keyed: true, count: audit['entries'].length });
    const entries = audit['entries'] as any[];
    const find = (pred: (e: any) => boolean) => entries.find(pred);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(entries[0]).toMatchObject({ action: 'created', userId: 'audit-alice', actorKind: 'user', cause: 'USER_MESSAGE', sessionId, alg: 'hmac-sha256' });
    expect(entries[0].ipAddress).toMatch(/127\.0\.0\.1/);
    expect(find((e) => e.action === 'rejected')).toMatchObject({ stepId: 'calendar_event_1', reason: 'no meeting yet', userId: 'audit-alice', cause: 'WORKFLOW_APPROVAL reject_step' });
    expect(find((e) => e.action === 'modified')).toMatchObject({
      stepId: 'email_draft_1',
      cause: 'WORKFLOW_EDIT modify_params',
      before: { params: { subject: 'About the meeting' } },
      after: { params: { subject: 'Agenda' }, approvalStatus: 'step_modified' },
    });
    const approvedByAlice = entries.filter((e) => e.action === 'approved' && e.cause === 'WORKFLOW_APPROVAL approve_all').map((e) => e.stepId);
    expect(approvedByAlice.sort()).toEqual(['contact_lookup_1', 'email_draft_1']);
    expect(find((e) => e.cause === 'INTERVENTION_RESPONSE provide_value' && e.stepId === 'contact_lookup_1')).toMatchObject({ userId: 'audit-alice' });
    expect(find((e) => e.userId === 'system' && e.stepId === 'email_draft_1' && e.after.state === 'completed')).toMatchObject({ cause: 'step finished', actorKind: 'system' });
    expect(entries[entries.length - 1]).toMatchObject({ version: audit['version'] });
    expect(find((e) => e.action === 'plan_state_changed' && e.after.planState === 'completed')).toBeDefined();

    // Another user's request reads exactly like a workflow that does not exist.
    const foreign = await bob.send('WORKFLOW_AUDIT', {}, sessionId);
    const missing = await bob.send('WORKFLOW_AUDIT', {}, 'wf_doesnotexist');
    expect(foreign).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(foreign).toEqual({ ...missing, error: { ...(missing as any).error, message: expect.any(String) } });

    // An entry edited behind the service's back.
    const list = `${stack.prefix}workflow:{${sessionId}}:audit`;
    const third = JSON.parse((await redis.lindex(list, 2))!);
    await redis.lset(list, 2, JSON.stringify({ ...third, reason: 'edited later' }));
    const after = await alice.sendOk('WORKFLOW_AUDIT', {}, sessionId);
    expect(after['verification']).toMatchObject({ valid: false, problem: { position: 3, reason: expect.stringContaining('changed') } });
  } finally {
    alice.close();
    bob.close();
    await redis.quit();
  }
});

test('a reminder leaves the chain whole; an answer is a page of the newest entries; a resend reads afresh', async () => {
  const carol = await TestClient.connect(stack.gateway.url, tokenFor('audit-carol'));
  const redis = new Redis(redisUrl());
  try {
    await carol.sendOk('PREFERENCES_SET', { preferences: { timeout: { timeoutMs: 60_000, defaultAction: 'save_draft', reminderIntervals: [500] } } });
    const { sessionId } = await carol.sendOk('USER_MESSAGE', { message: SEED_REQUEST });
    await carol.waitFor(isType('WORKFLOW_REMINDER', sessionId), 15_000, 'the reminder');
    // The reminder's write refreshed the log's expiry with the draft's: the log never goes first.
    const [draftTtl, auditTtl] = await Promise.all([redis.pttl(`${stack.prefix}workflow:draft:{${sessionId}}`), redis.pttl(`${stack.prefix}workflow:{${sessionId}}:audit`)]);
    expect(auditTtl).toBeGreaterThanOrEqual(draftTtl - 100);
    await carol.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'contact_lookup_1', reason: 'looks right' }, sessionId);
    const whole = await carol.sendOk('WORKFLOW_AUDIT', {}, sessionId);
    expect(whole['verification']).toMatchObject({ valid: true });
    expect(whole['entries'].map((e: any) => e.action)).toEqual(['created', 'approved']);
    expect(whole['entries'][1]).toMatchObject({ reason: 'looks right', cause: 'WORKFLOW_APPROVAL approve_step' });

    const page = await carol.sendOk('WORKFLOW_AUDIT', { limit: 1 }, sessionId);
    expect([page['entries'].map((e: any) => e.seq), page['hasOlder'], page['verification'].count]).toEqual([[2], true, 2]);
    const older = await carol.sendOk('WORKFLOW_AUDIT', { beforeSeq: 2 }, sessionId);
    expect([older['entries'].map((e: any) => e.seq), older['hasOlder']]).toEqual([[1], false]);
    expect(await carol.send('WORKFLOW_AUDIT', { limit: 0 }, sessionId)).toMatchObject({ ok: false, error: { code: 'invalid_message' } });

    // The same messageId after the log was tampered with: answered from what the log holds now.
    const first = await carol.send('WORKFLOW_AUDIT', {}, sessionId, { messageId: 'audit-1' });
    await redis.lset(`${stack.prefix}workflow:{${sessionId}}:audit`, 1, 'not json');
    const again = await carol.send('WORKFLOW_AUDIT', {}, sessionId, { messageId: 'audit-1' });
    expect([(first as any).verification.valid, (again as any).verification.valid]).toEqual([true, false]);
    expect((again as any).verification.problem).toMatchObject({ code: 'tampered', position: 2, reason: 'is not JSON' });
  } finally {
    carol.close();
    await redis.quit();
  }
});

test('behind trusted proxies (TRUST_PROXY_HOPS) the address is the client as they saw it; otherwise X-Forwarded-For is ignored', async () => {
  // Client → (writes its own header entry) → proxy A → proxy B → gateway: B appended A's address.
  const extraHeaders = { 'x-forwarded-for': '10.9.9.9, 203.0.113.9, 198.51.100.7' };
  const proxied = await startGateway(stack.prefix, { AUDIT_KEY, TRUST_PROXY_HOPS: '2' });
  const behind = await TestClient.connect(proxied.url, tokenFor('audit-dave'), { extraHeaders });
  const direct = await TestClient.connect(stack.gateway.url, tokenFor('audit-dave'), { extraHeaders });
  try {
    const first = await behind.sendOk('WORKFLOW_SUBMIT', { plan: { steps: [{ id: 't', type: 'task', action: 'create_task', description: 't', params: { title: 't' } }] } });
    const second = await direct.sendOk('WORKFLOW_SUBMIT', { plan: { steps: [{ id: 't', type: 'task', action: 'create_task', description: 't', params: { title: 't' } }] } });
    const viaProxies = await behind.sendOk('WORKFLOW_AUDIT', {}, first['sessionId']);
    const notTrusted = await direct.sendOk('WORKFLOW_AUDIT', {}, second['sessionId']);
    // Two hops from the right: what proxy A heard from (the client's own entry, 10.9.9.9, is not believed).
    expect(viaProxies['entries'][0].ipAddress).toBe('203.0.113.9');
    expect(notTrusted['entries'][0].ipAddress).toMatch(/127\.0\.0\.1/);
  } finally {
    behind.close();
    direct.close();
    await proxied.stop();
  }
});

test("a gateway or worker whose AUDIT_KEY differs from the deployment's refuses to start, saying why", async () => {
  await expect(startWorker(stack.prefix)).rejects.toThrow(/refusing to start: this deployment seals audit logs with AUDIT_KEY .* this process has none/);
  await expect(startGateway(stack.prefix, { AUDIT_KEY: 'another-key-of-sufficient-length' })).rejects.toThrow(/refusing to start: this deployment seals audit logs with another AUDIT_KEY/);
  // The right key starts (a second worker of the same deployment).
  const second = await startWorker(stack.prefix, { AUDIT_KEY });
  await second.stop();
});

test('a worker that cannot seal a keyed log leaves the step to one that can, using up no attempt', async () => {
  const prefix = newPrefix();
  // Started before the deployment had a key, so its start-up check let it through.
  const keyless = await startWorker(prefix, { STEP_ATTEMPTS: '1' });
  const gateway = await startGateway(prefix, { AUDIT_KEY });
  const dave = await TestClient.connect(gateway.url, tokenFor('audit-dave'));
  let keyed: Awaited<ReturnType<typeof startWorker>> | undefined;
  try {
    const { sessionId } = await dave.sendOk('WORKFLOW_SUBMIT', { plan: { steps: [{ id: 't', type: 'task', action: 'create_task', description: 'A task', params: { title: 'T' } }] } });
    await dave.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    // The keyless worker takes the job, is refused, logs why, and puts the step back.
    await waitUntil(() => /cannot extend the audit log: the step is left for another worker/.test(keyless.output()), 15_000);
    expect(dave.of(sessionId, 'STEP_EXECUTION')).toHaveLength(0);
    await keyless.stop();
    keyed = await startWorker(prefix, { AUDIT_KEY, STEP_ATTEMPTS: '1' });
    await dave.waitFor(workflowEnded(sessionId), 20_000, 'the step to run on the keyed worker');
    const audit = await dave.sendOk('WORKFLOW_AUDIT', {}, sessionId);
    expect(audit['verification']).toMatchObject({ valid: true, keyed: true });
  } finally {
    dave.close();
    await Promise.all([gateway.stop(), keyless.stop(), keyed?.stop()]);
  }
});

async function waitUntil(pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
