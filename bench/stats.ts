/** Percentiles, formatting and the result table. */

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

export interface Latency {
  p50: number;
  p99: number;
  n: number;
}

export function latency(samples: readonly number[]): Latency {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), n: samples.length };
}

export function ms(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  return v >= 100 ? `${v.toFixed(0)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`;
}

export function bytes(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  return a >= 1024 * 1024 ? `${(v / 1024 / 1024).toFixed(1)} MB` : a >= 1024 ? `${(v / 1024).toFixed(1)} KB` : `${v.toFixed(0)} B`;
}

export function rate(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(0)}/s` : 'n/a';
}

export interface Row {
  figure: string;
  product: string;
  raw: string;
  /** product / raw, shown as "2.31×" */
  ratio?: number;
  target?: string;
  met?: boolean;
}

export function ratioText(r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? '—' : `${r.toFixed(2)}×`;
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(headers), sep, ...rows.map(line)].join('\n');
}

export function resultTable(rows: Row[]): string {
  return table(
    ['figure', 'product', 'raw baseline', 'ratio', 'target', 'met?'],
    rows.map((r) => [r.figure, r.product, r.raw, ratioText(r.ratio), r.target ?? '', r.met === undefined ? '' : r.met ? 'yes' : 'NO']),
  );
}

/** Growth class of a per-item figure across a 10× size step (f(big)/f(small)). */
export function growthClass(factor: number): string {
  if (!Number.isFinite(factor)) return 'n/a';
  if (factor < 2) return 'flat';
  if (factor <= 13) return 'linear';
  return 'SUPERLINEAR';
}
