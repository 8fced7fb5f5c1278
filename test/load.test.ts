/**
 * Issue 6 §4: a bounded soak. SOAK_CLIENTS sockets (default 100 in `npm test`, 300 in `npm run soak`: one on each of two gateways per
 * user) make random plans and random decisions for SOAK_SECONDS (default 30 in `npm test`, 120 in `npm run soak`) against two gateways
 * and two workers on one Redis, loopback only. Then:
 *  - zero lost acknowledged decisions: every acknowledged approve/reject is in the stored
 *    workflow, every acknowledged approved step ran (unless a rejected dependency skipped it),
 *    every acknowledged rejection did not run, every acknowledged cancel ran nothing;
 *  - zero duplicate effects: each user's workspace holds exactly one object per completed
 *    creating step, and each step's `completed` event is logged at most once;
 *  - every workflow ends in a terminal state.
 * Every loop is bounded in iterations and in time. Long soak: `npm run soak` (300 clients, 120 s).
 */
import type Redis from 'ioredis';
import { TestClient, tokenFor, workflowTerminal } from './support/client';
import { newPrefix, redisUrl, startGateway, startWorker, type Proc } from './support/processes';
import { TERMINAL, deletePrefix, openRedis, pollUntil, readDraft, streamEvents, workspace, type Collection } from './support/state';

const SOAK_SECONDS = Number(process.env['SOAK_SECONDS'] ?? 30);
const SOAK_CLIENTS = Math.max(2, Number(process.env['SOAK_CLIENTS'] ?? 100));
const USERS = Math.ceil(SOAK_CLIENTS / 2);
const MAX_WORKFLOWS_PER_USER_LOOP = 10_000; // the time bound ends the loop long before this
jest.setTimeout((SOAK_SECONDS + 240) * 1000);

let prefix: string;
let gateways: Awaited<ReturnType<typeof startGateway>>[] = [];
let workers: Proc[] = [];
let redis: Redis;

beforeAll(async () => {
  prefix = newPrefix();
  const wenv = { CONCURRENCY: '20', HANDLER_LATENCY_MS: '10', LOG_LEVEL: 'error' };
  const genv = { LOG_LEVEL: 'error' };
  const started = await Promise.all([startGateway(prefix, genv), startGateway(prefix, genv), startWorker(prefix, wenv), startWorker(prefix, wenv)]);
  gateways = started.slice(0, 2) as typeof gateways;
  workers = started.slice(2) as Proc[];
  redis = openRedis(redisUrl());
});
afterAll(async () => {
  await Promise.all([...gateways.map((g) => g.stop()), ...workers.map((w) => w.stop())]);
  // `npm run soak` may run against the caller's own Redis: leave none of the soak's keys there.
  if (redis) await deletePrefix(redis, prefix);
  redis?.disconnect();
});

// ------------------------------------------------------------------------------ random plans

/** A tiny deterministic PRNG per user, so a failing soak can be replayed with SOAK_SEED. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const ACTIONS: { type: string; action: string; collection: Collection; params: (n: string) => Record<string, unknown> }[] = [
  { type: 'task', action: 'create_task', collection: 'tasks', params: (n) => ({ title: `soak ${n}` }) },
  { type: 'contact', action: 'create_contact', collection: 'contacts', params: (n) => ({ name: `Soak ${n}`, email: `${n}@soak.test` }) },
  { type: 'email', action: 'create_draft', collection: 'drafts', params: (n) => ({ recipient: `${n}@soak.test`, subject: `soak ${n}` }) },
  { type: 'calendar', action: 'create_event', collection: 'events', params: (n) => ({ title: `soak ${n}` }) },
];
const COLLECTION_OF = Object.fromEntries(ACTIONS.map((a) => [a.action, a.collection]));

interface Record_ {
  userId: string;
  sessionId: string;
  mode: string;
  /** stepId → acknowledged decision. */
  decided: Map<string, 'approved' | 'rejected'>;
  cancelled: boolean;
  requires: Map<string, string[]>;
}

function randomPlan(r: () => number, tag: string) {
  const n = 1 + Math.floor(r() * 4);
  const requires = new Map<string, string[]>();
  const steps = Array.from({ length: n }, (_, i) => {
    const a = ACTIONS[Math.floor(r() * ACTIONS.length)]!;
    const id = `s${i}`;
    const deps = i > 0 && r() < 0.5 ? [`s${Math.floor(r() * i)}`] : [];
    requires.set(id, deps);
    return {
      id,
      type: a.type,
      action: a.action,
      description: `${a.action} ${i}`,
      params: a.params(`${tag}-${i}`),
      ...(deps.length ? { requires: deps.map((d) => ({ stepId: d, effect: 'blocks', resolution: 'skip' })) } : {}),
    };
  });
  return { steps, requires };
}


async function userLoop(u: number, sockets: TestClient[], deadline: number, records: Record_[], problems: string[]): Promise<void> {
  const seed = Number(process.env['SOAK_SEED'] ?? 20240601) + u * 7919;
  const r = rng(seed);
  const userId = `soak-${u}`;
  for (let i = 0; i < MAX_WORKFLOWS_PER_USER_LOOP && Date.now() < deadline; i++) {
    const submitter = sockets[Math.floor(r() * sockets.length)]!;
    const decider = sockets[Math.floor(r() * sockets.length)]!;
    const mode = r() < 0.5 ? 'review_all' : 'step_by_step';
    const { steps, requires } = randomPlan(r, `${u}-${i}`);
    const sub = await submitter.send('WORKFLOW_SUBMIT', { mode, plan: { steps } });
    if (!sub.ok) {
      problems.push(`submit refused for ${userId}: ${sub.error.code} ${sub.error.message}`);
      continue;
    }
    const rec: Record_ = { userId, sessionId: sub['sessionId'], mode, decided: new Map(), cancelled: false, requires };
    records.push(rec);
    const sid = rec.sessionId;
    const roll = r();
    if (roll < 0.1) {
      const ack = await decider.send('WORKFLOW_APPROVAL', { action: 'cancel_all' }, sid);
      if (ack.ok) rec.cancelled = true;
      else problems.push(`cancel_all refused: ${ack.error.code}`);
    } else if (roll < 0.4) {
      const ack = await decider.send('WORKFLOW_APPROVAL', { action: 'approve_all' }, sid);
      if (ack.ok) for (const s of steps) rec.decided.set(s.id, 'approved');
      else problems.push(`approve_all refused: ${ack.error.code}`);
    } else {
      // One decision per step, in random order, each through a random socket of the user.
      const order = [...steps].sort(() => r() - 0.5);
      for (const s of order) {
        const via = sockets[Math.floor(r() * sockets.length)]!;
        const approve = r() < 0.75;
        const ack = await via.send('WORKFLOW_APPROVAL', approve ? { action: 'approve_step', stepId: s.id } : { action: 'reject_step', stepId: s.id, reason: 'soak' }, sid);
        if (ack.ok) rec.decided.set(s.id, approve ? 'approved' : 'rejected');
        // A step already skipped (its dependency was rejected) cannot be decided: that is fine.
        else if (ack.error.code !== 'invalid_state') problems.push(`decision refused: ${ack.error.code} ${ack.error.message}`);
      }
    }
    await decider.waitFor(workflowTerminal(sid), 60_000, `terminal status of ${sid}`).catch((err: Error) => problems.push(err.message.slice(0, 300)));
    // Think time: clients do not hammer in a tight loop.
    await new Promise((res) => setTimeout(res, 200 + Math.floor(r() * 800)));
  }
}

test(`soak: ${SOAK_CLIENTS} clients, ${SOAK_SECONDS}s, two gateways, two workers: no lost decision, no duplicate effect, all terminal`, async () => {
  const socketsOf: TestClient[][] = [];
  for (let u = 0; u < USERS; u += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, USERS - u) }, (_, k) => Promise.all(gateways.map((g) => TestClient.connect(g.url, tokenFor(`soak-${u + k}`))))),
    );
    socketsOf.push(...batch);
  }
  const records: Record_[] = [];
  const problems: string[] = [];
  socketsOf.forEach((sockets, u) =>
    sockets.forEach((c, g) => c.socket.on('disconnect', (reason) => problems.push(`socket of soak-${u} on gateway ${g} disconnected: ${reason}`))),
  );
  const started = Date.now();
  try {
    const deadline = started + SOAK_SECONDS * 1000;
    await Promise.all(socketsOf.map((sockets, u) => userLoop(u, sockets, deadline, records, problems)));
  } finally {
    for (const c of socketsOf.flat()) {
      c.socket.removeAllListeners('disconnect');
      c.close();
    }
  }

  // Every workflow ends in a terminal state (the few still running get a bounded grace period).
  const drafts = new Map<string, any>();
  await pollUntil(
    async () => {
      for (const rec of records) {
        if (drafts.has(rec.sessionId)) continue;
        const d = await readDraft(redis, prefix, rec.sessionId);
        if (d && TERMINAL.includes(d.state)) drafts.set(rec.sessionId, d);
      }
      return drafts.size === records.length;
    },
    60_000,
    'every workflow terminal',
    500,
  ).catch(() => undefined);
  const notTerminal = records.filter((rec) => !drafts.has(rec.sessionId)).map((rec) => rec.sessionId);
  // What a stuck workflow looks like (its steps and their jobs), so a failure explains itself.
  for (const sid of notTerminal.slice(0, 5)) {
    const d = await readDraft(redis, prefix, sid);
    const jobs = await Promise.all(
      (d?.steps ?? []).map(async (s: any) => {
        const id = `${sid}__${s.id}__${s.run}`;
        const h = await redis.hgetall(`${prefix}{wfa}:steps:${id}`);
        return `${s.id}: ${s.approvalStatus}/${s.state} run ${s.run} job{${Object.keys(h).length ? `attempts ${h['attemptsMade'] ?? 0} finished ${h['finishedOn'] ?? '-'} ${h['failedReason'] ?? ''} ${h['returnvalue'] ?? ''}` : 'none'}}`;
      }),
    );
    // eslint-disable-next-line no-console
    console.log(`not terminal: ${sid} ${d?.mode} ${d?.state} v${d?.version}: ${jobs.join('; ')}`);
  }

  // No lost acknowledged decision.
  const lost: string[] = [];
  const completedPerUser = new Map<string, Record<string, number>>();
  const duplicateEvents: string[] = [];
  let decisions = 0;
  let completedSteps = 0;
  for (const rec of records) {
    const d = drafts.get(rec.sessionId);
    if (!d) continue;
    const byId = new Map<string, any>(d.steps.map((s: any) => [s.id, s]));
    if (rec.cancelled) {
      if (d.state !== 'cancelled') lost.push(`${rec.sessionId}: acknowledged cancel_all, ended ${d.state}`);
      for (const s of d.steps) if (s.state === 'completed') lost.push(`${rec.sessionId}/${s.id}: ran after an acknowledged cancel_all`);
    }
    for (const [stepId, decision] of rec.decided) {
      decisions++;
      const s = byId.get(stepId);
      if (decision === 'rejected') {
        if (s.approvalStatus !== 'step_rejected' || s.state === 'completed') lost.push(`${rec.sessionId}/${stepId}: acknowledged rejection, now ${s.approvalStatus}/${s.state}`);
      } else {
        const skippedByDependency = (rec.requires.get(stepId) ?? []).some((dep) => byId.get(dep)?.state !== 'completed');
        if (s.approvalStatus !== 'step_approved') lost.push(`${rec.sessionId}/${stepId}: acknowledged approval, now ${s.approvalStatus}`);
        else if (s.state !== 'completed' && !(s.state === 'skipped' && skippedByDependency)) lost.push(`${rec.sessionId}/${stepId}: approved but ended ${s.state}`);
      }
    }
    const perUser = completedPerUser.get(rec.userId) ?? {};
    for (const s of d.steps) {
      if (s.state !== 'completed') continue;
      completedSteps++;
      const col = COLLECTION_OF[s.action]!;
      perUser[col] = (perUser[col] ?? 0) + 1;
    }
    completedPerUser.set(rec.userId, perUser);
    const seen = new Map<string, number>();
    for (const e of await streamEvents(redis, prefix, rec.sessionId)) {
      if (e.type === 'STEP_EXECUTION' && e.payload.status === 'completed') seen.set(e.payload.stepId, (seen.get(e.payload.stepId) ?? 0) + 1);
    }
    for (const [stepId, n] of seen) if (n > 1) duplicateEvents.push(`${rec.sessionId}/${stepId}: completed ${n} times`);
  }

  // No duplicate effect: workspace objects == completed creating steps, per user and collection.
  const effectMismatch: string[] = [];
  for (let u = 0; u < USERS; u++) {
    const userId = `soak-${u}`;
    const expected = completedPerUser.get(userId) ?? {};
    for (const col of ['tasks', 'contacts', 'drafts', 'events'] as Collection[]) {
      const n = Object.keys(await workspace(redis, prefix, userId, col)).length;
      if (n !== (expected[col] ?? 0)) effectMismatch.push(`${userId} ${col}: ${n} objects for ${expected[col] ?? 0} completed steps`);
    }
  }

  // eslint-disable-next-line no-console
  console.log(
    `soak: ${SOAK_CLIENTS} clients, ${USERS} users, ${Math.round((Date.now() - started) / 1000)}s: ${records.length} workflows, ` +
      `${decisions} acknowledged step decisions, ${completedSteps} steps completed, ${problems.length} problems`,
  );
  if (problems.length) {
    const kinds = new Map<string, number>();
    for (const p of problems) kinds.set(p.replace(/wf_[\w-]+|soak-\d+|got: .*/g, '…'), (kinds.get(p.replace(/wf_[\w-]+|soak-\d+|got: .*/g, '…')) ?? 0) + 1);
    // eslint-disable-next-line no-console
    console.log(`soak problems by kind: ${JSON.stringify([...kinds])}`);
  }
  expect(records.length).toBeGreaterThan(USERS);
  expect(notTerminal).toEqual([]);
  expect(lost).toEqual([]);
  expect(duplicateEvents).toEqual([]);
  expect(effectMismatch).toEqual([]);
  expect(problems.slice(0, 10)).toEqual([]);
  for (const p of [...gateways, ...workers]) expect(p.child.exitCode).toBeNull();
});
