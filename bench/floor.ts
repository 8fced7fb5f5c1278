/**
 * `REDIS_URL=… npx tsx bench/floor.ts`: the floor baseline on its own (FLOOR_N users, default
 * 1000; FLOOR_ROUNDS bursts, default 3, after one warm-up burst): steps per second and each
 * process's CPU per workflow, beside raw BullMQ flows in the same run. `npm run bench` prints the
 * same figures in its tables. FLOOR_EVENTS=11 makes the floor's worker also send the product's four
 * other events (a midway report per step, a status when the plan starts), to price them.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { closeAll, connectAll } from './clients';
import { runScript, startFloor, startRawWorker, stopAll } from './procs';
import { RawBullmq } from './raw';
import { removeRunKeys } from './keys';
import { localRedisPid, withCpuSplit } from './cpu';
import { floorBurst } from './product';

runScript(async () => {
  const redisUrl = process.env['REDIS_URL'];
  if (!redisUrl) throw new Error('set REDIS_URL');
  const n = Number(process.env['FLOOR_N'] ?? 1000);
  const rounds = Number(process.env['FLOOR_ROUNDS'] ?? 3);
  const prefix = `floor${randomBytes(3).toString('hex')}:`;
  const probe = new Redis(redisUrl);
  const redisPid = localRedisPid(redisUrl, await probe.info('server'));
  const floor = await startFloor(redisUrl, `${prefix}{floor}`, prefix, `${prefix}floor-events`, 50);
  const rawWorker = await startRawWorker(redisUrl, `${prefix}{rawp}`, prefix, 50);
  const raw = new RawBullmq(redisUrl, prefix, `${prefix}{rawp}`, 50, 'own-process');
  await raw.init();
  const clients = await connectAll(floor.gateway.url, Array.from({ length: n }, (_, i) => `floor-u${i}`), 'the floor');
  await floorBurst(clients);
  await raw.flowsAtOnce(n);
  const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
  for (let r = 0; r < rounds; r++) {
    const f = await withCpuSplit({ gateway: floor.gateway.pid, worker: floor.worker.pid, redis: redisPid, bench: process.pid }, n, () => floorBurst(clients));
    const w = await withCpuSplit({ worker: rawWorker.pid, redis: redisPid, bench: process.pid }, n, () => raw.flowsAtOnce(n));
    const fmt = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
    console.log(
      `round ${r + 1}: floor ${f.result.stepsPerSec.toFixed(0)} steps/s (${fmt(f.cpu)}; total ${sum(f.cpu).toFixed(2)} ms/wf), ` +
        `raw flows ${w.result.stepsPerSec.toFixed(0)} (${fmt(w.cpu)}; total ${sum(w.cpu).toFixed(2)}); floor / raw ${(f.result.stepsPerSec / w.result.stepsPerSec).toFixed(2)}×`,
    );
  }
  closeAll(clients);
  await raw.close();
  await stopAll();
  await removeRunKeys(probe, prefix);
  probe.disconnect();
});
