/** Turns the measurements into the two tables the bench prints. */
import type { CpuSplit } from './cpu';
import { bytes, growthClass, latency, ms, rate, resultTable, table, type Latency, type Row } from './stats';

export interface OneClient {
  decisions: Latency;
  rawAdd: Latency;
  rawGetSet: Latency;
  e2e: Latency;
  /** Raw chain with its Worker in the bench process (local completion events). */
  rawChain: Latency;
  /** Raw chain with its Worker in a process of its own, completions through QueueEvents. */
  rawChainOwn: Latency;
}

export interface SizeResult {
  n: number;
  connectMs: number;
  gwBytesPerClient: number;
  gwRssPerClient: number;
  bareBytesPerClient: number;
  redisBytesPerDraft: number;
  rawBytesPerDraft: number;
  create: Latency;
  decSeq: Latency;
  rawDecSeq: Latency;
  decConc: Latency;
  rawDecConc: Latency;
  tput: number;
  /** Raw BullMQ flows (FlowProducer), Worker in its own process: the throughput target's baseline. */
  rawFlowTput: number;
  /** The same flows with the Worker in the bench process. */
  rawFlowTputIn: number;
  /** Raw BullMQ jobs chained by hand (no flow bookkeeping), Worker in the bench process. */
  rawTput: number;
  /** The floor (bench/floor-*.ts): raw flows plus only the event delivery SPEC §5 asks for (a lower bound). */
  floorTput: number;
  e2eLoad: Latency;
  rawE2eLoad: Latency;
  notCompleted: number;
  /** CPU ms per workflow by process during the throughput burst (product), the raw flows (own process) and the floor. */
  cpu: { product: CpuSplit; raw: CpuSplit; floor: CpuSplit };
}

export interface Idle {
  target: number;
  connected: number;
  failed: number;
  firstError?: string;
  stillConnected: number;
  holdMs: number;
  connectMs: number;
  gwBytesPerClient: number;
  gwRssPerClient: number;
  bareBytesPerClient: number;
  gwRssBytes: number;
  decisions: Latency;
  rawAdd: Latency;
}

export const DECISION_TARGET_MS = 10;
export const E2E_TARGET_RATIO = 3;
export const TPUT_TARGET_RATIO = 0.6;

const lat = (l: Latency, k: 'p50' | 'p99') => `${ms(l[k])} (n=${l.n})`;

export function headlineRows(one: OneClient, sizes: SizeResult[], idle: Idle | undefined, concurrency: number): Row[] {
  const big = sizes[sizes.length - 1] as SizeResult;
  const bigN = big.n.toLocaleString('en-US');
  const rows: Row[] = [
    { figure: 'decision ack p50, 1 client', product: lat(one.decisions, 'p50'), raw: lat(one.rawAdd, 'p50'), ratio: one.decisions.p50 / one.rawAdd.p50 },
    { figure: 'decision ack p99, 1 client', product: lat(one.decisions, 'p99'), raw: lat(one.rawAdd, 'p99'), ratio: one.decisions.p99 / one.rawAdd.p99, target: `< ${DECISION_TARGET_MS} ms`, met: one.decisions.p99 < DECISION_TARGET_MS },
    { figure: `decision ack p50, ${bigN} clients`, product: lat(big.decSeq, 'p50'), raw: lat(big.rawDecSeq, 'p50'), ratio: big.decSeq.p50 / big.rawDecSeq.p50 },
    { figure: `decision ack p99, ${bigN} clients`, product: lat(big.decSeq, 'p99'), raw: lat(big.rawDecSeq, 'p99'), ratio: big.decSeq.p99 / big.rawDecSeq.p99, target: `< ${DECISION_TARGET_MS} ms`, met: big.decSeq.p99 < DECISION_TARGET_MS },
    { figure: `decision ack p99, ${bigN} clients, ${concurrency} in flight`, product: lat(big.decConc, 'p99'), raw: lat(big.rawDecConc, 'p99'), ratio: big.decConc.p99 / big.rawDecConc.p99 },
    { figure: 'seed workflow end to end p50 (one at a time)', product: lat(one.e2e, 'p50'), raw: lat(one.rawChainOwn, 'p50'), ratio: one.e2e.p50 / one.rawChainOwn.p50, target: `≤ ${E2E_TARGET_RATIO}× raw`, met: one.e2e.p50 <= E2E_TARGET_RATIO * one.rawChainOwn.p50 },
    { figure: 'seed workflow end to end p99 (one at a time)', product: lat(one.e2e, 'p99'), raw: lat(one.rawChainOwn, 'p99'), ratio: one.e2e.p99 / one.rawChainOwn.p99 },
    { figure: '  p50 vs raw Worker in the bench process', product: lat(one.e2e, 'p50'), raw: lat(one.rawChain, 'p50'), ratio: one.e2e.p50 / one.rawChain.p50 },
    { figure: `throughput, ${bigN} users approving at once`, product: `${rate(big.tput)} steps`, raw: `${rate(big.rawFlowTput)} steps (flows)`, ratio: big.tput / big.rawFlowTput, target: `≥ ${TPUT_TARGET_RATIO}× raw`, met: big.tput >= TPUT_TARGET_RATIO * big.rawFlowTput },
    { figure: '  vs raw flows, Worker in the bench process', product: `${rate(big.tput)} steps`, raw: `${rate(big.rawFlowTputIn)} steps (flows)`, ratio: big.tput / big.rawFlowTputIn },
    { figure: '  vs the floor (bare BullMQ + socket.io relay)', product: `${rate(big.tput)} steps`, raw: `${rate(big.floorTput)} steps (floor)`, ratio: big.tput / big.floorTput },
    { figure: '  the floor vs raw flows (a bare design)', product: `${rate(big.floorTput)} steps (floor)`, raw: `${rate(big.rawFlowTput)} steps (flows)`, ratio: big.floorTput / big.rawFlowTput },
    { figure: `Redis memory per live draft (${bigN} drafts)`, product: bytes(big.redisBytesPerDraft), raw: bytes(big.rawBytesPerDraft), ratio: big.redisBytesPerDraft / big.rawBytesPerDraft },
    { figure: `gateway memory per client (${bigN} clients)`, product: `${bytes(big.gwBytesPerClient)} (RSS ${bytes(big.gwRssPerClient)})`, raw: bytes(big.bareBytesPerClient), ratio: big.gwBytesPerClient / big.bareBytesPerClient },
  ];
  if (idle) {
    const held = idle.stillConnected === idle.target;
    rows.push(
      {
        figure: `idle sockets on one gateway (held ${(idle.holdMs / 1000).toFixed(0)} s)`,
        product: `${idle.stillConnected}/${idle.target}${idle.failed ? ` (${idle.failed} failed)` : ''}`,
        raw: '—',
        target: `${idle.target.toLocaleString('en-US')} idle`,
        met: held,
      },
      { figure: `gateway memory per client (${idle.target} idle)`, product: `${bytes(idle.gwBytesPerClient)} (RSS ${bytes(idle.gwRssPerClient)}; total ${bytes(idle.gwRssBytes)})`, raw: bytes(idle.bareBytesPerClient), ratio: idle.gwBytesPerClient / idle.bareBytesPerClient },
      { figure: `decision ack p99, ${idle.target} clients`, product: lat(idle.decisions, 'p99'), raw: lat(idle.rawAdd, 'p99'), ratio: idle.decisions.p99 / idle.rawAdd.p99, target: `< ${DECISION_TARGET_MS} ms`, met: idle.decisions.p99 < DECISION_TARGET_MS },
    );
  }
  return rows;
}

export function headlineTable(rows: Row[]): string {
  return resultTable(rows);
}

/** Per-size figures, product beside raw, with how each grows over the last 10× step. */
export function growthTable(sizes: SizeResult[]): string {
  const head = ['figure', ...sizes.map((s) => `N=${s.n}`), 'growth ×(last 10×)', 'class'];
  const line = (name: string, f: (s: SizeResult) => number, fmt: (v: number) => string, expect: 'flat' | 'linear' = 'flat', inverse = false): string[] => {
    const vals = sizes.map(f);
    const a = vals[vals.length - 2];
    const b = vals[vals.length - 1];
    const g = a !== undefined && b !== undefined ? (inverse ? a / b : b / a) : NaN;
    const cls = growthClass(g);
    const ok = cls === 'flat' || (cls === 'linear' && expect === 'linear') ? cls : `${cls} (expected ${expect})`;
    return [name, ...vals.map(fmt), Number.isFinite(g) ? `${g.toFixed(2)}×` : 'n/a', ok];
  };
  // The product's figure over raw BullMQ's at each size, so the ratio's growth shows too.
  const ratio = (product: (s: SizeResult) => number, raw: (s: SizeResult) => number, label = '  ratio product / raw'): string[] => {
    const vals = sizes.map((s) => product(s) / raw(s));
    return [label, ...vals.map((v) => (Number.isFinite(v) && v > 0 ? `${v.toFixed(2)}×` : 'n/a')), '', ''];
  };
  const rows = [
    line('gateway bytes/client (heap after GC)', (s) => s.gwBytesPerClient, bytes),
    line('  bare socket.io bytes/client (heap)', (s) => s.bareBytesPerClient, bytes),
    ratio((s) => s.gwBytesPerClient, (s) => s.bareBytesPerClient),
    line('Redis bytes/live draft', (s) => s.redisBytesPerDraft, bytes),
    line('  raw: 3 waiting jobs', (s) => s.rawBytesPerDraft, bytes),
    ratio((s) => s.redisBytesPerDraft, (s) => s.rawBytesPerDraft),
    line('draft creation ack p50 (50 in flight)', (s) => s.create.p50, ms),
    line('decision ack p50 (sequential)', (s) => s.decSeq.p50, ms),
    line('decision ack p99 (sequential)', (s) => s.decSeq.p99, ms),
    line('  raw Queue.add p99', (s) => s.rawDecSeq.p99, ms),
    ratio((s) => s.decSeq.p99, (s) => s.rawDecSeq.p99),
    line('decision ack p99 (concurrent)', (s) => s.decConc.p99, ms),
    line('  raw Queue.add p99 (concurrent)', (s) => s.rawDecConc.p99, ms),
    ratio((s) => s.decConc.p99, (s) => s.rawDecConc.p99),
    line('throughput steps/s (all approve at once)', (s) => s.tput, rate, 'flat', true),
    line('  raw flows steps/s (own process)', (s) => s.rawFlowTput, rate, 'flat', true),
    ratio((s) => s.tput, (s) => s.rawFlowTput),
    line('  raw flows steps/s (bench process)', (s) => s.rawFlowTputIn, rate, 'flat', true),
    line('  raw chains steps/s (bench process)', (s) => s.rawTput, rate, 'flat', true),
    line('  floor steps/s (bare BullMQ + socket.io)', (s) => s.floorTput, rate, 'flat', true),
    ratio((s) => s.tput, (s) => s.floorTput, '  ratio product / floor'),
    line('e2e p50 under that load', (s) => s.e2eLoad.p50, ms, 'linear'),
    line('e2e p99 under that load', (s) => s.e2eLoad.p99, ms, 'linear'),
    line('  raw chain p50 under that load', (s) => s.rawE2eLoad.p50, ms, 'linear'),
    ratio((s) => s.e2eLoad.p50, (s) => s.rawE2eLoad.p50),
    line('  raw chain p99 under that load', (s) => s.rawE2eLoad.p99, ms, 'linear'),
    ratio((s) => s.e2eLoad.p99, (s) => s.rawE2eLoad.p99),
  ];
  return `${table(head, rows)}\n(per-client memory at N=10 is below the GC noise floor; read it from N=100 up)`;
}

export { latency };

/**
 * CPU per workflow by process during the throughput burst, product beside raw flows. With every
 * core busy, throughput is inversely proportional to the total, so the totals' ratio predicts the
 * throughput ratio; the last line says what the target would need.
 */
export function cpuTable(s: SizeResult): string {
  const { product, raw, floor } = s.cpu;
  const f = (v: number | undefined) => (v === undefined ? '—' : Number.isFinite(v) ? v.toFixed(2) : 'n/a');
  const sum = (c: CpuSplit) => Object.values(c).reduce((a, b) => a + b, 0);
  const rows = [
    ['gateway (decisions; every event relayed to the sockets)', f(product['gateway']), f(floor['gateway']), '—'],
    ['worker (BullMQ + the product\'s checks, commits and events)', f(product['worker']), f(floor['worker']), f(raw['worker'])],
    ['Redis', f(product['redis']), f(floor['redis']), f(raw['redis'])],
    ['bench process (socket.io clients / FlowProducer + QueueEvents)', f(product['bench']), f(floor['bench']), f(raw['bench'])],
    ['total', f(sum(product)), f(sum(floor)), f(sum(raw))],
  ];
  const lines = [table(['process', 'product', 'floor', 'raw flows'], rows)];
  const total = sum(product);
  const rawTotal = sum(raw);
  const floorTotal = sum(floor);
  if (Number.isFinite(total) && Number.isFinite(rawTotal) && total > 0) {
    const fixed = (product['gateway'] ?? 0) + (product['bench'] ?? 0);
    const budget = rawTotal / TPUT_TARGET_RATIO;
    lines.push(
      `raw total / product total = ${(rawTotal / total).toFixed(2)} (the throughput ratio when every core is busy).`,
      `A ${TPUT_TARGET_RATIO}× ratio needs at most ${budget.toFixed(2)} ms per workflow in all; the gateway and the clients alone take ${fixed.toFixed(2)} ms.`,
    );
    if (Number.isFinite(floorTotal) && floorTotal > 0) {
      lines.push(
        `The floor (no draft, no version, no approval state, no checks; 7 events, each logged and relayed) takes ${floorTotal.toFixed(2)} ms: raw / floor = ${(rawTotal / floorTotal).toFixed(2)}. ` +
          `The product takes ${(total / floorTotal).toFixed(2)}× the floor; ${TPUT_TARGET_RATIO}× raw allows ${(budget / floorTotal).toFixed(2)}× the floor.`,
      );
    }
  } else {
    lines.push('(a process read as n/a: its CPU time is not readable here, e.g. Redis on another host or no /proc)');
  }
  return lines.join('\n');
}
