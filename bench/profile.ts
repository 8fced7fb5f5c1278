/**
 * `tsx bench/profile.ts` (REDIS_URL required; BENCH_PROFILE_N users, default 300): runs the
 * throughput scenario with the gateway and the worker under `node --cpu-prof`, then prints where
 * each process spent its CPU (self time by function and by package). Profiles stay in the
 * printed directory for Chrome DevTools / speedscope.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { closeAll, connectMany } from './clients';
import { runScript, startGateway, startWorker, stopAll } from './procs';
import { removeRunKeys } from './keys';
import { ROOT } from '../scripts/service-process';
import { approveAllAtOnce, createDrafts, e2eSequential, seedJohn } from './product';

interface Node {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** This checkout's root as profiles write it in urls (`file:///…/`), wherever the clone lives. */
const ROOT_URL = pathToFileURL(`${ROOT}/`).href;
const escapeRe = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const FROM_ROOT = new RegExp(`^${escapeRe(ROOT_URL)}`);
const PRODUCT = new RegExp(`^${escapeRe(ROOT_URL)}(apps|packages)/`);

function summarize(file: string, top = 22): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const byPkg = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    const n = byId.get(id);
    if (!n) return;
    const { functionName, url, lineNumber } = n.callFrame;
    total += dt;
    const short = url.replace(FROM_ROOT, '').replace(/.*node_modules\//, 'nm/');
    const key = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const pkg = /nm\/((?:@[^/]+\/)?[^/]+)/.exec(short)?.[1] ?? (short.startsWith('node:') ? 'node internals' : short === '' ? `(${functionName})` : short.split('/').slice(0, 2).join('/'));
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + dt);
  });
  // Inclusive time per function (each sample counted once per distinct name on its stack).
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (!f || !PRODUCT.test(f.url)) continue;
      const key = `${f.functionName || '(anonymous)'} ${f.url.replace(FROM_ROOT, '')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + dt);
    }
  });
  const fmt = (m: Map<string, number>, k: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, us]) => `    ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`)
      .join('\n');
  return `  total ${(total / 1000).toFixed(0)} ms sampled\n  by package:\n${fmt(byPkg, 12)}\n  by function (self):\n${fmt(self, top)}\n  product functions (inclusive):\n${fmt(incl, top)}`;
}

async function main(): Promise<void> {
  const redisUrl = process.env['REDIS_URL'];
  if (!redisUrl) throw new Error('set REDIS_URL');
  const n = Number(process.env['BENCH_PROFILE_N'] ?? 300);
  const prefix = `prof${randomBytes(4).toString('hex')}:`;
  const dir = mkdtempSync(join(tmpdir(), 'wfa-prof-'));
  const gwDir = join(dir, 'gateway');
  const wkDir = join(dir, 'worker');
  const [gateway, worker] = await Promise.all([
    startGateway(redisUrl, prefix, { BENCH_NODE_ARGS: `--cpu-prof --cpu-prof-dir=${gwDir}` }),
    startWorker(redisUrl, prefix, 50, { BENCH_NODE_ARGS: `--cpu-prof --cpu-prof-dir=${wkDir}` }),
  ]);
  const users = Array.from({ length: n }, (_, i) => `prof-u${i}`);
  const { clients } = await connectMany(gateway.url, users);
  try {
    await seedJohn(clients);
    await e2eSequential(clients[0] as (typeof clients)[number], Number(process.env['BENCH_PROFILE_E2E'] ?? 50));
    const { sessions } = await createDrafts(clients, 1, 50);
    const r = await approveAllAtOnce(sessions);
    console.log(`throughput under profiling: ${r.stepsPerSec.toFixed(0)} steps/s (${n} workflows)`);
  } finally {
    closeAll(clients);
    await stopAll();
    const redis = new Redis(redisUrl);
    await removeRunKeys(redis, prefix);
    redis.disconnect();
  }
  for (const [name, d] of [['gateway', gwDir], ['worker', wkDir]] as const) {
    for (const f of readdirSync(d).filter((x) => x.endsWith('.cpuprofile'))) {
      console.log(`\n${name}: ${join(d, f)}\n${summarize(join(d, f))}`);
    }
  }
}

runScript(main);
