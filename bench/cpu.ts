/**
 * Where the CPU goes during a scenario: each process's CPU time (user + system, from /proc) before
 * and after, per item. Throughput on this kind of machine is CPU-bound with every process sharing
 * the same cores, so "CPU ms per workflow, by process" explains the throughput ratio better than
 * any latency: with all cores busy, steps per second are inversely proportional to it.
 * Linux only; elsewhere (or for a Redis on another host) a process reads as unknown.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICK_MS = (() => {
  try {
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return hz > 0 ? 1000 / hz : 10;
  } catch {
    return 10;
  }
})();

/** CPU time a process has used so far (ms), or undefined when /proc cannot tell. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * TICK_MS : undefined;
  } catch {
    return undefined;
  }
}

/** The local Redis server's pid, when the URL points at this machine and /proc names it redis. */
export function localRedisPid(redisUrl: string, infoServer: string): number | undefined {
  const host = new URL(redisUrl).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) return undefined;
  const pid = Number(/process_id:(\d+)/.exec(infoServer)?.[1]);
  if (!pid) return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').includes('redis') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** CPU ms per item by process name (NaN: unknown). */
export type CpuSplit = Record<string, number>;

/** Run `scenario` and return its result with each process's CPU ms divided by `items`. */
export async function withCpuSplit<T>(pids: Record<string, number | undefined>, items: number, scenario: () => Promise<T>): Promise<{ result: T; cpu: CpuSplit }> {
  const read = () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? undefined : cpuMs(pid)]));
  const before = read();
  const result = await scenario();
  const after = read();
  const cpu: CpuSplit = {};
  for (const name of Object.keys(pids)) {
    const a = after[name];
    const b = before[name];
    cpu[name] = a === undefined || b === undefined ? NaN : (a - b) / items;
  }
  return { result, cpu };
}
