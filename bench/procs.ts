/**
 * Child processes of the bench: the product's gateway and worker (and a bare socket.io server and a
 * raw BullMQ worker as baselines), each started by scripts/service-process.ts, so the pid we hold
 * is the process whose memory we read. Every child is registered and killed by `stopAll` (also on
 * error or signal).
 */
import { readFileSync } from 'node:fs';
import { startServiceProcess, type ServiceProcess } from '../scripts/service-process';

export const BENCH_SECRET = 'bench-secret-0123456789abcdef';

export interface Child extends ServiceProcess {
  name: string;
}

const live = new Set<Child>();

/**
 * Every bench child gets --expose-gc and the memory-report preload (SIGUSR2, preload.ts), the
 * open-files limit raised (5,000 sockets need it) and BENCH_NODE_ARGS (e.g. --cpu-prof).
 */
export async function startChild(name: string, script: string, env: Record<string, string>, ready: RegExp, timeoutMs = 30_000): Promise<{ proc: Child; match: RegExpMatchArray }> {
  const extra = env['BENCH_NODE_ARGS']?.split(' ').filter(Boolean) ?? [];
  const { proc: started, match } = await startServiceProcess({
    script,
    env,
    ready,
    nodeArgs: ['--expose-gc', ...extra],
    preload: ['bench/preload.ts'],
    raiseFileLimit: true,
    timeoutMs,
  });
  const proc: Child = {
    ...started,
    name,
    stop: async (signal, graceMs = 5_000) => {
      live.delete(proc);
      return started.stop(signal, graceMs);
    },
  };
  live.add(proc);
  started.child.once('exit', () => live.delete(proc));
  return { proc, match };
}

export async function startGateway(redisUrl: string, prefix: string, extra: Record<string, string> = {}): Promise<Child & { url: string }> {
  const { proc, match } = await startChild(
    'gateway',
    'apps/gateway/src/main.ts',
    {
      REDIS_URL: redisUrl,
      KEY_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      JWT_SECRET: BENCH_SECRET,
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
      MAX_WORKFLOWS_PER_USER: '100000',
      ...(process.env['BENCH_CHILD_NODE_ARGS'] ? { BENCH_NODE_ARGS: process.env['BENCH_CHILD_NODE_ARGS'] } : {}),
      ...extra,
    },
    /WFA_GATEWAY_READY port=(\d+)/,
  );
  return Object.assign(proc, { url: `http://127.0.0.1:${match[1]}` });
}

export async function startWorker(redisUrl: string, prefix: string, concurrency: number, extra: Record<string, string> = {}): Promise<Child> {
  const { proc } = await startChild(
    'worker',
    'apps/worker/src/main.ts',
    { REDIS_URL: redisUrl, KEY_PREFIX: prefix, CONCURRENCY: String(concurrency), DEMO_USER: '', ...(process.env['BENCH_CHILD_NODE_ARGS'] ? { BENCH_NODE_ARGS: process.env['BENCH_CHILD_NODE_ARGS'] } : {}), ...extra },
    /WFA_WORKER_READY/,
  );
  return proc;
}

/** The raw BullMQ baseline's Worker in a process of its own (bench/raw-worker.ts). */
export async function startRawWorker(redisUrl: string, queuePrefix: string, dataPrefix: string, concurrency: number): Promise<Child> {
  const { proc } = await startChild(
    'raw BullMQ worker',
    'bench/raw-worker.ts',
    { REDIS_URL: redisUrl, RAW_QUEUE_PREFIX: queuePrefix, RAW_DATA_PREFIX: dataPrefix, CONCURRENCY: String(concurrency) },
    /RAW_WORKER_READY/,
  );
  return proc;
}

/**
 * The floor baseline (bench/floor-*.ts): a bare gateway and worker that only deliver the events
 * SPEC §5 asks for (a lower bound, not a conforming design). Both on `queuePrefix`; events on
 * `channel`; data under `dataPrefix`.
 */
export async function startFloor(redisUrl: string, queuePrefix: string, dataPrefix: string, channel: string, concurrency: number): Promise<{ gateway: Child & { url: string }; worker: Child }> {
  const env = { REDIS_URL: redisUrl, FLOOR_QUEUE_PREFIX: queuePrefix, RAW_DATA_PREFIX: dataPrefix, FLOOR_CHANNEL: channel, JWT_SECRET: BENCH_SECRET };
  const [{ proc: gw, match }, { proc: worker }] = await Promise.all([
    startChild('floor gateway', 'bench/floor-gateway.ts', env, /FLOOR_GATEWAY_READY port=(\d+)/),
    startChild('floor worker', 'bench/floor-worker.ts', { ...env, CONCURRENCY: String(concurrency), FLOOR_EVENTS: process.env['FLOOR_EVENTS'] ?? '7' }, /FLOOR_WORKER_READY/),
  ]);
  return { gateway: Object.assign(gw, { url: `http://127.0.0.1:${match[1]}` }), worker };
}

/** A bare socket.io server (JWT check, one room per user): the baseline for memory per client. */
export async function startBareServer(): Promise<Child & { url: string }> {
  const { proc, match } = await startChild('bare socket.io', 'bench/bare-server.ts', { JWT_SECRET: BENCH_SECRET }, /BARE_READY port=(\d+)/);
  return Object.assign(proc, { url: `http://127.0.0.1:${match[1]}` });
}

export interface MemSnapshot {
  /** V8 heap used + external/array buffers after a full GC (bytes). */
  live: number;
  rss: number;
}

/** Ask a child (SIGUSR2, see preload.ts) for its memory after a full GC. */
export function memSnapshot(proc: Child, timeoutMs = 5_000): Promise<MemSnapshot> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = /BENCH_MEM (\{[^\n]*\})/.exec(buf);
      if (!m) return;
      done();
      const v = JSON.parse(m[1] as string) as { heap: number; external: number; rss: number };
      resolve({ live: v.heap + v.external, rss: v.rss });
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${proc.name} did not report its memory`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      proc.child.stdout?.off('data', onData);
    };
    proc.child.stdout?.on('data', onData);
    proc.child.kill('SIGUSR2');
  });
}

/** Resident set size of a process in bytes (from /proc; 0 when unavailable). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The soft "Max open files" limit of a process (from /proc), or undefined. */
export function openFilesLimit(pid: number | 'self'): number | undefined {
  try {
    const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return m ? (m[1] === 'unlimited' ? Infinity : Number(m[1])) : undefined;
  } catch {
    return undefined;
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

/** Synchronous last resort (process 'exit'): SIGKILL whatever is still running. */
export function killAllNow(): void {
  for (const p of live) {
    try {
      p.child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}

/** Run a bench script's `main`: exit 0 when it resolves, 1 (after printing why) when it throws; no child outlives it. */
export function runScript(main: () => Promise<void>): void {
  process.on('exit', killAllNow);
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      killAllNow();
      process.exit(1);
    },
  );
}
