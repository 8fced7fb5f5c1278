import type { Writable } from 'node:stream';

const coalesced = new WeakSet<Writable>();

/**
 * The writes a stream is given in one turn of the event loop (a callback and every promise
 * continuation it sets off) cost two syscalls at most instead of one each. The turn's first write
 * goes out at once, as it would without this, so a lone Redis command or socket.io frame waits for
 * nothing; later writes in the same turn are held (the stream is corked) and leave together in
 * one writev once the turn's microtasks have run (a process.nextTick queued during a turn runs
 * after its microtask queue has drained). Under load a turn carries dozens of small writes, and on
 * loopback TCP each syscall is the larger part of their CPU (docs/DECISIONS.md, "Benchmark").
 * Idempotent per stream.
 */
export function coalesceWrites(stream: Writable): void {
  if (coalesced.has(stream)) return;
  coalesced.add(stream);
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  let turn: 'quiet' | 'wrote' | 'corked' = 'quiet';
  const endOfTurn = () => {
    if (turn === 'corked') stream.uncork();
    turn = 'quiet';
  };
  stream.write = ((...args: unknown[]) => {
    if (turn === 'quiet') {
      turn = 'wrote';
      process.nextTick(endOfTurn);
    } else if (turn === 'wrote') {
      turn = 'corked';
      stream.cork();
    }
    return write(...args);
  }) as Writable['write'];
}
