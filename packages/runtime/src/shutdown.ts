import type { Logger } from './logger';

/**
 * Run `stop` once on SIGTERM/SIGINT, then exit. A second signal, or `stop` taking longer than
 * `graceMs`, exits at once (work still active is handed back: BullMQ re-delivers stalled jobs).
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, graceMs = 20_000): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
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
