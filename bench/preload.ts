/**
 * Preloaded (`--import`) into every process the bench starts; bench-only, the product is unchanged.
 * - Exits when the bench process is gone (its parent changed), so a killed bench never leaves a
 *   gateway or worker behind.
 * - On SIGUSR2, runs a full GC (the bench starts children with --expose-gc) and prints
 *   `BENCH_MEM {"heap":…,"external":…,"rss":…}`: memory per client without GC noise.
 */
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 500).unref();

process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  process.stdout.write(`BENCH_MEM ${JSON.stringify({ heap: m.heapUsed, external: m.external + m.arrayBuffers, rss: m.rss })}\n`);
});
