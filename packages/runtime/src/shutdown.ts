import type { Logger } from './logger';

/**
 * Signals this close to the first are the same request: Ctrl+C in a terminal reaches every process
 * of the group, and `npm start` passes it on as SIGTERM as well. Read as "hurry", that second copy
 * made the worker exit mid-step, leaving the job locked until BullMQ found it stalled (~30 s).
 */
const SAME_REQUEST_MS = 2_000;

/**
 * Run `stop` once on SIGTERM/SIGINT, then exit. A second signal (more than SAME_REQUEST_MS after
 * the first), or `stop` taking longer than `graceMs`, exits at once (work still active is handed
 * back: BullMQ re-delivers stalled jobs).
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, graceMs = 20_000): void {
  let stoppingSince: number | undefined;
  const handler = (signal: string) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < SAME_REQUEST_MS) return;
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.info('shutting down', { signal });
    const timer = setTimeout(() => {
      logger.warn('shutdown grace period over, exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  // A stray rejected promise is logged, not fatal: the service keeps serving everyone else.
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', { error: String(reason) }));
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}
