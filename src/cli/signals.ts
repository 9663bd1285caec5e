import type { Logger } from '../log.js';

/**
 * First SIGINT/SIGTERM: ask work to stop after the batch in flight (graceful). Second: exit at
 * once; an uncommitted batch is rolled back by the database and re-read on the next start.
 */
export function onShutdownSignal(logger: Logger): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      logger.warn('second signal: exiting now', { signal: name });
      process.exit(130);
    }
    logger.info('shutdown requested: finishing the batch in flight', { signal: name });
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
