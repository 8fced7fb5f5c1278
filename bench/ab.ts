/**
 * `REDIS_URL=… AB_A='X=1' AB_B='X=0' npx tsx bench/ab.ts`: an A/B comparison of two settings of the
 * product in the same run. Starts two stacks (gateway + worker) on separate key prefixes, one with
 * each env (space-separated NAME=value pairs) and AB_A_WORKERS / AB_B_WORKERS worker processes
 * (default 1), then alternates throughput bursts of AB_N seed
 * workflows (default 1000) between them AB_ROUNDS times (default 4), printing steps per second,
 * each process's CPU ms per workflow, and the seed workflow's end-to-end p50 one at a time (AB_E2E
 * runs per round, default 50). Alternating cancels most of a shared machine's drift, which
 * otherwise swamps a change of 10–20% between two separate `npm run bench` runs.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { closeAll, connectMany } from './clients';
import { runScript, startGateway, startWorker, stopAll } from './procs';
import { removeRunKeys } from './keys';
import { approveAllAtOnce, createDrafts, e2eSequential, seedJohn } from './product';
import { latency } from './report';
import { localRedisPid, withCpuSplit } from './cpu';

const env = (spec: string | undefined): Record<string, string> =>
  Object.fromEntries((spec ?? '').split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

async function stack(redisUrl: string, label: string, extra: Record<string, string>, workers: number) {
  const prefix = `ab${randomBytes(3).toString('hex')}:`;
  const [gateway, ...ws] = await Promise.all([startGateway(redisUrl, prefix, extra), ...Array.from({ length: workers }, () => startWorker(redisUrl, prefix, 50, extra))]);
  return { label, prefix, gateway, workers: ws };
}

async function main(): Promise<void> {
  const redisUrl = process.env['REDIS_URL'];
  if (!redisUrl) throw new Error('set REDIS_URL');
  const n = Number(process.env['AB_N'] ?? 1000);
  const rounds = Number(process.env['AB_ROUNDS'] ?? 4);
  const probe = new Redis(redisUrl);
  const redisPid = localRedisPid(redisUrl, await probe.info('server'));
  const side = async (x: 'A' | 'B') => {
    const workers = Number(process.env[`AB_${x}_WORKERS`] ?? 1);
    return stack(redisUrl, `${x} (${process.env[`AB_${x}`] ?? ''}${workers > 1 ? ` ${workers} workers` : ''})`, env(process.env[`AB_${x}`]), workers);
  };
  const stacks = [await side('A'), await side('B')];
  const users = Array.from({ length: n }, (_, i) => `ab-u${i}`);
  const conns = [];
  for (const s of stacks) {
    const { clients } = await connectMany(s.gateway.url, users);
    await seedJohn(clients);
    await approveAllAtOnce((await createDrafts(clients, 1, 50)).sessions); // warm-up, not reported
    conns.push(clients);
  }
  const e2eRuns = Number(process.env['AB_E2E'] ?? 50);
  const totals = stacks.map(() => ({ tput: [] as number[], cpu: [] as Record<string, number>[], e2e: [] as number[] }));
  for (let r = 0; r < rounds; r++) {
    for (const [i, s] of stacks.entries()) {
      const clients = conns[i] as (typeof conns)[number];
      const { sessions } = await createDrafts(clients, 1, 50);
      const { result, cpu } = await withCpuSplit({ gateway: s.gateway.pid, ...Object.fromEntries(s.workers.map((w, k) => [`worker${k > 0 ? k + 1 : ''}`, w.pid])), redis: redisPid, bench: process.pid }, n, () => approveAllAtOnce(sessions));
      const { latencies } = await e2eSequential(clients[0] as (typeof clients)[number], e2eRuns);
      totals[i]?.tput.push(result.stepsPerSec);
      totals[i]?.cpu.push(cpu);
      totals[i]?.e2e.push(...latencies);
      const fmt = Object.entries(cpu).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
      console.log(`round ${r + 1} ${s.label}: ${result.stepsPerSec.toFixed(0)} steps/s; CPU ms/workflow ${fmt}; e2e p50 ${latency(latencies).p50.toFixed(2)} ms`);
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  for (const [i, s] of stacks.entries()) {
    const t = totals[i] as (typeof totals)[number];
    const keys = Object.keys(t.cpu[0] ?? {});
    const cpu = keys.map((k) => `${k} ${mean(t.cpu.map((c) => c[k] ?? NaN)).toFixed(2)}`).join(', ');
    const total = mean(t.cpu.map((c) => Object.values(c).reduce((a, b) => a + b, 0)));
    console.log(`mean ${s.label}: ${mean(t.tput).toFixed(0)} steps/s; CPU ms/workflow ${cpu}; total ${total.toFixed(2)}; e2e p50 ${latency(t.e2e).p50.toFixed(2)} ms`);
  }
  for (const c of conns) closeAll(c);
  await stopAll();
  for (const s of stacks) await removeRunKeys(probe, s.prefix);
  probe.disconnect();
}

runScript(main);
