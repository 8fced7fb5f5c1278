/**
 * `npm run bench`: starts the product (a gateway and a worker) on a fresh key prefix of the Redis
 * `scripts/with-redis.ts` provides, measures it through real socket.io clients, measures raw BullMQ
 * doing the same work in the same run, and prints both with their ratio. Loopback only; every
 * wait is bounded; children and sockets are stopped on success, error, signal or watchdog.
 * BENCH_QUICK=1 shrinks every size for a smoke run; BENCH_SIZES=10,100,1000 and BENCH_IDLE=5000
 * override the sizes; BENCH_CHILD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") is passed to
 * the gateway and worker node processes. bench/profile.ts prints a CPU profile of both.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import Redis from 'ioredis';
import { BenchClient, closeAll, connectAll, connectMany } from './clients';
import { memSnapshot, openFilesLimit, killAllNow, rssBytes, startBareServer, startFloor, startGateway, startRawWorker, startWorker, stopAll, type Child } from './procs';
import { approveAllAtOnce, createDrafts, decisions, e2eSequential, floorBurst, seedJohn, type Stuck } from './product';
import { RawBullmq } from './raw';
import { cpuTable, headlineRows, headlineTable, growthTable, latency, type Idle, type OneClient, type SizeResult } from './report';
import { bytes, ms } from './stats';
import { localRedisPid, withCpuSplit } from './cpu';
import { removeRunKeys } from './keys';

const QUICK = process.env['BENCH_QUICK'] === '1';
const SIZES = (process.env['BENCH_SIZES'] ?? (QUICK ? '10,100' : '10,100,1000')).split(',').map(Number).filter((n) => n > 0);
const IDLE = Number(process.env['BENCH_IDLE'] ?? (QUICK ? 500 : 5000));
const HOLD_MS = QUICK ? 1000 : 5000;
const ONE_DECISIONS = QUICK ? 60 : 400; // decisions timed with one client (2 per draft)
const E2E_RUNS = QUICK ? 20 : 100;
const SAMPLE = QUICK ? 100 : 400; // clients deciding at each size
const CONCURRENT = 16; // decisions in flight in the concurrent variant
const CONCURRENCY = 50; // product worker CONCURRENCY and the raw Worker's
const WATCHDOG_MS = Number(process.env['BENCH_TIMEOUT_MS'] ?? 15 * 60_000);

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `bench${randomBytes(4).toString('hex')}:`;
const log = (msg: string) => process.stdout.write(`  · ${msg}\n`);
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const open: BenchClient[][] = [];
const stalled: Stuck[] = [];
let probe: Redis | undefined;
let raw: RawBullmq | undefined;
let rawOwn: RawBullmq | undefined;

async function usedMemory(): Promise<number> {
  const info = await (probe as Redis).info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

/** The child's memory after a full GC (see preload.ts), after a short settle. */
async function settledMem(proc: Child): Promise<{ live: number; rss: number }> {
  await sleep(500);
  return memSnapshot(proc).catch(() => ({ live: NaN, rss: rssBytes(proc.pid) }));
}

/** Connect clients and measure the server's memory growth per client (live heap after GC, and RSS). */
async function connectMeasured(proc: Child & { url: string }, users: string[], concurrency = 100) {
  const before = await settledMem(proc);
  const t = Date.now();
  const got = await connectMany(proc.url, users, concurrency);
  const connectMs = Date.now() - t;
  open.push(got.clients);
  const after = await settledMem(proc);
  const n = Math.max(1, got.clients.length);
  return { ...got, connectMs, perClient: (after.live - before.live) / n, rssPerClient: (after.rss - before.rss) / n, rss: after.rss };
}

function release(clients: BenchClient[]): void {
  closeAll(clients);
  const i = open.indexOf(clients);
  if (i >= 0) open.splice(i, 1);
}

const spread = <T>(xs: T[], k: number): T[] => (xs.length <= k ? xs : Array.from({ length: k }, (_, i) => xs[Math.floor((i * xs.length) / k)] as T));
const users = (n: number, tag = 'u') => Array.from({ length: n }, (_, i) => `bench-${tag}${i}`);

async function main(): Promise<void> {
  const fdSelf = openFilesLimit('self') ?? 0;
  probe = new Redis(redisUrl, { connectionName: 'bench-probe', maxRetriesPerRequest: 3 });
  const server = await probe.info('server');
  console.log(`Workflow Approval Service benchmark${QUICK ? ' (BENCH_QUICK)' : ''}`);
  console.log(`  node ${process.version}, ${cpus().length} CPU(s), Redis ${/redis_version:(\S+)/.exec(server)?.[1]} at ${redisUrl}, key prefix ${prefix}`);
  console.log(`  sizes ${SIZES.join('/')}, worker CONCURRENCY=${CONCURRENCY} (raw Worker the same), idle sockets ${IDLE}`);

  const [gateway, worker, bare] = await Promise.all([startGateway(redisUrl, prefix), startWorker(redisUrl, prefix, CONCURRENCY), startBareServer()]);
  const fdGw = openFilesLimit(gateway.pid);
  console.log(`  ulimit -n: bench ${fdSelf}, gateway ${fdGw} (children start with the soft limit raised to the hard one)`);
  const rawWorker = await startRawWorker(redisUrl, `${prefix}{rawp}`, prefix, CONCURRENCY);
  const floor = await startFloor(redisUrl, `${prefix}{floor}`, prefix, `${prefix}floor-events`, CONCURRENCY);
  const redisPid = localRedisPid(redisUrl, server);
  raw = new RawBullmq(redisUrl, prefix, `${prefix}{raw}`, CONCURRENCY, 'in-process');
  rawOwn = new RawBullmq(redisUrl, prefix, `${prefix}{rawp}`, CONCURRENCY, 'own-process');
  await Promise.all([raw.init(), rawOwn.init()]);

  // Every user that will run the seed workflow needs John Doe in their workspace: a create_contact
  // workflow per user, through the product (this also warms up every process).
  const maxN = Math.max(...SIZES);
  let t = Date.now();
  const seeders = await connectMany(gateway.url, users(maxN), 100);
  open.push(seeders.clients);
  if (seeders.failed) throw new Error(`could not connect ${seeders.failed} seeding clients: ${seeders.firstError}`);
  await seedJohn(seeders.clients);
  log(`seeded John Doe for ${maxN} users through the product in ${Date.now() - t} ms`);
  // Throughput is read on warm processes: one unmeasured burst at the largest size first, for the
  // product and for raw BullMQ alike. The first burst after a start runs partly on code V8 has not
  // optimized yet (measured: ~20% fewer steps per second than the next one).
  t = Date.now();
  const warm = await approveAllAtOnce((await createDrafts(seeders.clients, 1, 50)).sessions);
  stalled.push(...warm.stuck);
  release(seeders.clients);
  for (const r of [raw, rawOwn]) {
    await r.chainsAtOnce(maxN);
    await r.flowsAtOnce(maxN);
    await r.chainsSequential(20);
  }
  const floorWarm = await connectAll(floor.gateway.url, users(maxN), 'the floor');
  open.push(floorWarm);
  await floorBurst(floorWarm);
  release(floorWarm);
  log(`warm-up burst: ${maxN} seed workflows at once (${warm.stepsPerSec.toFixed(0)} steps/s, not reported), raw chains and flows and the floor the same, in ${Date.now() - t} ms`);

  // ---- one client: decisions and the seed workflow end to end, one at a time
  const c1 = await BenchClient.connect(gateway.url, users(1)[0] as string);
  open.push([c1]);
  const { sessions: d1 } = await createDrafts([c1], ONE_DECISIONS / 2 + 10, 1);
  await e2eSequential(c1, 5); // warm-up
  await decisions(d1.splice(0, 10), 'email_draft_1', 1); // warm-up
  await raw.addRoundTrips(20, 1);
  const dec1 = [...(await decisions(d1, 'email_draft_1', 1)), ...(await decisions(d1, 'calendar_event_1', 1))];
  const rawAdd1 = await raw.addRoundTrips(ONE_DECISIONS, 1);
  const rawGs1 = await raw.getSetRoundTrips(ONE_DECISIONS, 1);
  const { latencies: e2e, stuck, timeline } = await e2eSequential(c1, E2E_RUNS);
  stalled.push(...stuck);
  log(`seed workflow, median ms after approve_all at which each event reached the client:`);
  for (const [label, at] of timeline) log(`  ${at.toFixed(1).padStart(6)}  ${label}`);
  const rawChain = await raw.chainsSequential(E2E_RUNS);
  const rawChainOwn = await rawOwn.chainsSequential(E2E_RUNS);
  release([c1]);
  const one: OneClient = { decisions: latency(dec1), rawAdd: latency(rawAdd1), rawGetSet: latency(rawGs1), e2e: latency(e2e), rawChain: latency(rawChain), rawChainOwn: latency(rawChainOwn) };
  log(
    `1 client: decision p50/p99 ${ms(one.decisions.p50)}/${ms(one.decisions.p99)}; e2e p50/p99 ${ms(one.e2e.p50)}/${ms(one.e2e.p99)}; ` +
      `raw chain ${ms(one.rawChainOwn.p50)}/${ms(one.rawChainOwn.p99)} (Worker in the bench process ${ms(one.rawChain.p50)}/${ms(one.rawChain.p99)})`,
  );

  // ---- growth: the same scenario at every size
  const sizes: SizeResult[] = [];
  for (const n of SIZES) {
    await raw.resetAckQueue();
    const gw = await connectMeasured(gateway, users(n));
    if (gw.failed) throw new Error(`${gw.failed} of ${n} clients could not connect: ${gw.firstError}`);
    const mem0 = await usedMemory();
    const created = await createDrafts(gw.clients, 1, 50);
    const redisPerDraft = ((await usedMemory()) - mem0) / n;
    const sample = spread(created.sessions, SAMPLE);
    const decSeq = await decisions(sample, 'email_draft_1', 1);
    const decConc = await decisions(sample, 'calendar_event_1', CONCURRENT);
    const { result: run, cpu: productCpu } = await withCpuSplit(
      { gateway: gateway.pid, worker: worker.pid, redis: redisPid, bench: process.pid },
      n,
      () => approveAllAtOnce(created.sessions),
    );
    release(gw.clients);

    const bareC = await connectMeasured(bare, users(n));
    release(bareC.clients);
    const rawMem = await raw.memoryPerDraft(n, usedMemory);
    const rawSeq = await raw.addRoundTrips(sample.length, 1);
    const rawConc = await raw.addRoundTrips(sample.length, CONCURRENT);
    const rawRun = await raw.chainsAtOnce(n);
    const rawFlowsIn = await raw.flowsAtOnce(n);
    const { result: rawFlows, cpu: rawCpu } = await withCpuSplit({ worker: rawWorker.pid, redis: redisPid, bench: process.pid }, n, () => (rawOwn as RawBullmq).flowsAtOnce(n));
    const floorC = await connectAll(floor.gateway.url, users(n), 'the floor');
    open.push(floorC);
    const { result: floorRun, cpu: floorCpu } = await withCpuSplit(
      { gateway: floor.gateway.pid, worker: floor.worker.pid, redis: redisPid, bench: process.pid },
      n,
      () => floorBurst(floorC),
    );
    release(floorC);
    const r: SizeResult = {
      n,
      connectMs: gw.connectMs,
      gwBytesPerClient: gw.perClient,
      gwRssPerClient: gw.rssPerClient,
      bareBytesPerClient: bareC.perClient,
      redisBytesPerDraft: redisPerDraft,
      rawBytesPerDraft: rawMem,
      create: latency(created.latencies),
      decSeq: latency(decSeq),
      rawDecSeq: latency(rawSeq),
      decConc: latency(decConc),
      rawDecConc: latency(rawConc),
      tput: run.stepsPerSec,
      rawFlowTput: rawFlows.stepsPerSec,
      rawFlowTputIn: rawFlowsIn.stepsPerSec,
      rawTput: rawRun.stepsPerSec,
      floorTput: floorRun.stepsPerSec,
      e2eLoad: latency(run.latencies),
      rawE2eLoad: latency(rawRun.latencies),
      notCompleted: run.failed + run.stuck.length,
      cpu: { product: productCpu, raw: rawCpu, floor: floorCpu },
    };
    stalled.push(...run.stuck);
    sizes.push(r);
    log(
      `N=${n}: connect ${gw.connectMs} ms; decision p99 ${ms(r.decSeq.p99)} (raw ${ms(r.rawDecSeq.p99)}); ` +
        `${r.tput.toFixed(0)} steps/s (raw flows ${r.rawFlowTput.toFixed(0)}, in the bench process ${r.rawFlowTputIn.toFixed(0)}; floor ${r.floorTput.toFixed(0)}); ${bytes(redisPerDraft)}/draft; ${bytes(gw.perClient)}/client` +
        (run.failed + run.stuck.length ? `; ${run.failed + run.stuck.length} workflows did NOT complete` : ''),
    );
  }

  // ---- idle sockets on one gateway
  let idle: Idle | undefined;
  const target = Math.min(IDLE, Math.max(0, fdSelf - 500));
  if (target < IDLE) log(`ulimit -n ${fdSelf} in the bench process allows only ${target} of ${IDLE} sockets`);
  if (target > 0) {
    await raw.resetAckQueue();
    const gw = await connectMeasured(gateway, users(target, 'idle'), 200);
    await sleep(HOLD_MS);
    const stillConnected = gw.clients.filter((c) => c.connected && c.disconnects === 0).length;
    const sample = spread(gw.clients.filter((c) => c.connected), 100);
    const { sessions } = await createDrafts(sample, 1, 10);
    const dec = await decisions(sessions, 'email_draft_1', 1);
    const rawAdd = await raw.addRoundTrips(sessions.length, 1); // with the same sockets open in this process
    release(gw.clients);
    await sleep(1000);
    const bareC = await connectMeasured(bare, users(target, 'idle'), 200);
    release(bareC.clients);
    idle = {
      target,
      connected: gw.clients.length,
      failed: gw.failed,
      firstError: gw.firstError,
      stillConnected,
      holdMs: HOLD_MS,
      connectMs: gw.connectMs,
      gwBytesPerClient: gw.perClient,
      gwRssPerClient: gw.rssPerClient,
      bareBytesPerClient: bareC.perClient,
      gwRssBytes: gw.rss,
      decisions: latency(dec),
      rawAdd: latency(rawAdd),
    };
    log(`${target} idle sockets: ${stillConnected} held after ${HOLD_MS} ms (connected in ${gw.connectMs} ms${gw.failed ? `, ${gw.failed} failed: ${gw.firstError}` : ''}); gateway RSS ${bytes(gw.rss)}`);
  }

  console.log('\nResults (ratio = product / raw baseline; lower is better except throughput)\n');
  console.log(headlineTable(headlineRows(one, sizes, idle, CONCURRENT)));
  console.log('\nGrowth with the number of workflows / clients (per-item figures; "flat or linear" expected)\n');
  console.log(growthTable(sizes));
  console.log(`\nWhere the CPU goes during the throughput burst at N=${sizes[sizes.length - 1]?.n} (ms of CPU per seed workflow; all processes share ${cpus().length} CPU(s))\n`);
  console.log(cpuTable(sizes[sizes.length - 1] as SizeResult));
  console.log(
    [
      '',
      'How to read it:',
      '  decision ack  = WORKFLOW_APPROVAL approve_step on a fresh seed draft, emit → ack, through socket.io over loopback;',
      `                  raw = one BullMQ Queue.add round trip (a Redis GET+SET round trip, 1 client: p50 ${ms(one.rawGetSet.p50)}, p99 ${ms(one.rawGetSet.p99)}).`,
      '  end to end    = emit approve_all → WORKFLOW_STATUS completed on the socket (3 steps: lookup, then draft + event in parallel);',
      '                  raw = BullMQ job A (HGET contact; enqueues B, C before completing) → B and C (SET each) completed. The target',
      '                  compares with the raw Worker in a process of its own and completions heard through QueueEvents (the product',
      '                  topology: its client hears from another process); the row below it, with the Worker in the bench process.',
      `  throughput    = N users each approve_all one seed draft at once; 3N steps / time to the last completion; raw flows = N BullMQ flows`,
      `                  (FlowProducer) of 3 jobs at once, each parent reading its child's result (a flow is a tree: lookup → draft → event),`,
      `                  Worker in its own process (target) or in the bench process; raw chains = N hand-chained A → (B, C) at once.`,
      `                  floor = raw flows plus only the event delivery SPEC §5 asks for (bench/floor-*.ts; a lower bound): a bare socket.io`,
      `                  gateway adds the flow on approval and acks; each job logs and publishes running and completed (XADD + PUBLISH),`,
      `                  the root a terminal WORKFLOW_STATUS; the gateway relays each to the owner's room. No draft, version or checks.`,
      `                  Worker concurrency ${CONCURRENCY} everywhere. Read on warm processes: one unmeasured burst of the largest size`,
      `                  runs first, for the product and raw BullMQ alike.`,
      `                  "under that load" latencies are per workflow within that burst.`,
      '  memory        = Redis INFO used_memory delta / N drafts (draft, step status keys, event stream, user index); raw = 3 waiting jobs',
      '                  with the same params. Gateway memory = growth of the gateway V8 heap + external memory after a full GC',
      '                  (bench preload, SIGUSR2) / N clients; RSS growth / N in brackets (an estimate: RSS moves with the allocator);',
      '                  raw = a bare socket.io server measured the same way (JWT check + one room per user).',
      '  CPU           = each process\'s user + system CPU time (/proc) across the throughput burst / N workflows; Redis only when',
      '                  REDIS_URL is on this machine. All processes share the same cores, so once they are busy the throughput ratio',
      '                  is about raw total / product total.',
    ].join('\n'),
  );
  if (stalled.length) {
    console.log(`\n${stalled.length} workflow(s) did NOT end within the bench's timeout (excluded from the latencies above):`);
    for (const s of stalled.slice(0, 10)) console.log(`  ${s.sessionId}: ${s.status}`);
  }
  const missed = headlineRows(one, sizes, idle, CONCURRENT).filter((r) => r.met === false);
  console.log(missed.length ? `\nTargets missed: ${missed.map((r) => r.figure).join('; ')}` : '\nAll targets met.');
}

async function cleanup(): Promise<void> {
  for (const group of open.splice(0)) closeAll(group);
  await Promise.all([raw, rawOwn].map((r) => r?.close().catch(() => undefined)));
  await stopAll();
  if (probe) {
    await removeRunKeys(probe, prefix);
    probe.disconnect();
  }
}

const watchdog = setTimeout(() => {
  process.stderr.write(`bench: watchdog (${WATCHDOG_MS} ms) fired; stopping everything\n`);
  killAllNow();
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();
process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAllNow();
    process.exit(130);
  });
}

main().then(
  async () => {
    await cleanup();
    process.exit(0);
  },
  async (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await cleanup();
    process.exit(1);
  },
);
