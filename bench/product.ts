/**
 * The product's scenarios, driven through real socket.io clients against the real gateway (and
 * worker): seeding each user's John, creating drafts, timing decisions, the seed's workflow end to
 * end, and many users approving at once.
 */
import { performance } from 'node:perf_hooks';
import { createDefaultPlanner } from '@wfa/planner';
import { pool, type BenchClient } from './clients';

/** The seed's three-step plan, exactly as the built-in planner makes it, submitted as a client plan. */
const SEED_MESSAGE = 'Send email to John about the meeting and create a calendar event';
const { summary: _summary, ...SEED_PLAN } = createDefaultPlanner().plan({ message: SEED_MESSAGE, timezone: 'UTC', now: new Date() });

const ADD_JOHN_PLAN = {
  originalMessage: 'Add John Doe to my contacts',
  steps: [{ id: 'add_john', type: 'contact', action: 'create_contact', description: 'Add John Doe', params: { name: 'John Doe', email: 'john.doe@company.com' } }],
};

export interface Session {
  client: BenchClient;
  sessionId: string;
}

/** A workflow that did not end in time, with what the gateway says about it (WORKFLOW_SUBSCRIBE). */
export interface Stuck {
  sessionId: string;
  status: string;
}

async function describeStuck(client: BenchClient, sessionId: string): Promise<Stuck> {
  const status = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('no WORKFLOW_STATUS within 5 s'), 5_000);
    const on = (e: { sessionId?: string; payload?: { planState?: string; steps?: { id: string; state: string }[] } }) => {
      if (e.sessionId !== sessionId) return;
      clearTimeout(timer);
      client.socket.off('WORKFLOW_STATUS', on);
      resolve(`${e.payload?.planState}: ${(e.payload?.steps ?? []).map((s) => `${s.id}=${s.state}`).join(' ')}`);
    };
    client.socket.on('WORKFLOW_STATUS', on);
    void client.send('WORKFLOW_SUBSCRIBE', {}, sessionId, 5_000).catch(() => undefined);
  });
  return { sessionId, status };
}

/** ms after approve_all at which each event (and the ack) of one workflow arrived, by label. */
export type Timeline = Map<string, number>;

function eventLabel(type: string, e: { payload?: { stepId?: string; status?: string; progress?: number; planState?: string } }): string {
  const p = e.payload ?? {};
  if (type === 'STEP_EXECUTION') return `${p.stepId} ${p.status}${p.status === 'running' ? ` ${p.progress ?? ''}` : ''}`.trim();
  return `${type}${p.planState ? ` ${p.planState}` : ''}`;
}

/** Submit `plan`, approve_all, wait for the terminal WORKFLOW_STATUS; a stall is reported, not thrown. */
async function runToEnd(client: BenchClient, plan: unknown, timeoutMs = 20_000, timeline?: Timeline): Promise<{ state: string; ms: number } | Stuck> {
  const { sessionId } = (await client.sendOk('WORKFLOW_SUBMIT', { plan })) as { sessionId: string };
  const t = performance.now();
  const record = (type: string, e: { sessionId?: string; payload?: { stepId?: string; status?: string; progress?: number; planState?: string } }) => {
    if (timeline && e?.sessionId === sessionId) timeline.set(eventLabel(type, e), performance.now() - t);
  };
  client.socket.onAny(record);
  try {
    await client.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
    timeline?.set('(acknowledgement)', performance.now() - t);
    const end = await client.waitEnded(sessionId, timeoutMs);
    return { state: end.state, ms: end.at - t };
  } catch {
    return describeStuck(client, sessionId);
  } finally {
    client.socket.offAny(record);
  }
}

/** Each client's user gets John Doe in their workspace (through the product: a create_contact workflow). */
export async function seedJohn(clients: readonly BenchClient[], concurrency = 50): Promise<void> {
  await pool(clients, concurrency, async (c) => {
    for (let attempt = 1; ; attempt++) {
      const r = await runToEnd(c, ADD_JOHN_PLAN);
      if ('state' in r && r.state === 'completed') return;
      const what = 'state' in r ? `ended ${r.state}` : `stalled (${r.status})`;
      if (attempt >= 3) throw new Error(`seeding John for ${c.userId}: ${what}`);
      process.stdout.write(`  ! seeding John for ${c.userId}: workflow ${what}; trying again\n`);
    }
  });
}

/** `perClient` seed drafts for each client; returns the sessions and each creation's ack latency. */
export async function createDrafts(clients: readonly BenchClient[], perClient: number, concurrency: number): Promise<{ sessions: Session[]; latencies: number[] }> {
  const jobs = clients.flatMap((client) => Array.from({ length: perClient }, () => client));
  const latencies: number[] = [];
  const sessions = await pool(jobs, concurrency, async (client) => {
    const t = performance.now();
    const ack = await client.sendOk('WORKFLOW_SUBMIT', { plan: SEED_PLAN });
    latencies.push(performance.now() - t);
    return { client, sessionId: ack['sessionId'] as string };
  });
  return { sessions, latencies };
}

/** Emit → ack latency of `approve_step stepId` on each session, `concurrency` in flight. */
export async function decisions(sessions: readonly Session[], stepId: string, concurrency: number): Promise<number[]> {
  return pool(sessions, concurrency, async ({ client, sessionId }) => {
    const t = performance.now();
    const ack = await client.send('WORKFLOW_APPROVAL', { action: 'approve_step', stepId }, sessionId);
    const dt = performance.now() - t;
    if (!ack.ok) throw new Error(`approve_step ${stepId} refused: ${ack.error.code} ${ack.error.message}`);
    return dt;
  });
}

/**
 * The seed's workflow, one at a time: emit approve_all → terminal WORKFLOW_STATUS received. Also
 * the median arrival time of each event after approve_all, to show where the time goes.
 */
export async function e2eSequential(client: BenchClient, n: number): Promise<{ latencies: number[]; stuck: Stuck[]; timeline: [string, number][] }> {
  const latencies: number[] = [];
  const stuck: Stuck[] = [];
  const arrivals = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const timeline: Timeline = new Map();
    const r = await runToEnd(client, SEED_PLAN, 20_000, timeline);
    if (!('state' in r)) stuck.push(r);
    else if (r.state !== 'completed') throw new Error(`seed workflow ended ${r.state}`);
    else {
      latencies.push(r.ms);
      for (const [label, at] of timeline) {
        const xs = arrivals.get(label) ?? [];
        xs.push(at);
        arrivals.set(label, xs);
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const timeline = [...arrivals].map(([label, xs]) => [label, median(xs)] as [string, number]).sort((a, b) => a[1] - b[1]);
  return { latencies, stuck, timeline };
}

/** Every session's owner emits approve_all at once; time until every workflow completed. */
export async function approveAllAtOnce(sessions: readonly Session[], timeoutMs = 120_000): Promise<{ elapsedMs: number; stepsPerSec: number; latencies: number[]; failed: number; stuck: Stuck[] }> {
  const t0 = performance.now();
  let failed = 0;
  let last = t0;
  const stuck: Stuck[] = [];
  const latencies = await Promise.all(
    sessions.map(async ({ client, sessionId }) => {
      const t = performance.now();
      const ended = client.waitEnded(sessionId, timeoutMs);
      ended.catch(() => undefined);
      const ack = await client.send('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId, timeoutMs);
      if (!ack.ok) throw new Error(`approve_all refused: ${ack.error.code} ${ack.error.message}`);
      try {
        const end = await ended;
        if (end.state !== 'completed') failed += 1;
        last = Math.max(last, end.at);
        return end.at - t;
      } catch {
        stuck.push(await describeStuck(client, sessionId));
        return NaN;
      }
    }),
  );
  const done = latencies.filter((l) => Number.isFinite(l));
  const elapsedMs = last - t0;
  return { elapsedMs, stepsPerSec: (3 * done.length) / (elapsedMs / 1000), latencies: done, failed, stuck };
}

/**
 * The floor baseline's burst (bench/floor-gateway.ts): each client approves one new "workflow" at
 * once (its flow is added on approval; there is no draft); time until every terminal
 * WORKFLOW_STATUS arrived, as approveAllAtOnce measures the product. Throws when any did not
 * complete: a floor figure is only printed for a burst that ran whole.
 */
export async function floorBurst(clients: readonly BenchClient[], timeoutMs = 120_000): Promise<{ elapsedMs: number; stepsPerSec: number }> {
  const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const t0 = performance.now();
  const ends = await Promise.allSettled(
    clients.map(async (client, i) => {
      const sessionId = `fl_${tag}_${i}`;
      const ended = client.waitEnded(sessionId, timeoutMs);
      ended.catch(() => undefined);
      const ack = await client.send('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId, timeoutMs);
      if (!ack.ok) throw new Error(`floor approval refused: ${ack.error.code} ${ack.error.message}`);
      const end = await ended;
      if (end.state !== 'completed') throw new Error(`floor workflow ended ${end.state}`);
      return end.at;
    }),
  );
  const failed = ends.filter((e): e is PromiseRejectedResult => e.status === 'rejected');
  if (failed.length) throw new Error(`${failed.length} of ${clients.length} floor workflows did not complete: ${String(failed[0]?.reason)}`);
  const elapsedMs = Math.max(...ends.map((e) => (e as PromiseFulfilledResult<number>).value)) - t0;
  return { elapsedMs, stepsPerSec: (3 * clients.length) / (elapsedMs / 1000) };
}
