import { errorMessage } from '../../errors.js';
import { SyncEngine } from '../../sync/engine.js';
import { loadContext, type GlobalOptions } from '../context.js';
import { onShutdownSignal } from '../signals.js';

export interface SyncOptions extends GlobalOptions {
  once?: boolean;
  mapping?: string[];
}

/** `sync --once`: every selected mapping up to date, then exit. */
export async function syncCommand(options: SyncOptions): Promise<number> {
  const { config, mappings, logger } = await loadContext(options, options.mapping);
  const engine = new SyncEngine({ config, mappings, logger });
  const stop = onShutdownSignal(logger);
  try {
    const { results, failures } = await engine.syncOnce(stop.signal);
    for (const result of results) {
      const f = result.figures;
      process.stdout.write(
        `${result.mapping}: read ${f.read}, inserted ${f.inserted}, updated ${f.updated}, unchanged ${f.unchanged}, rejected ${f.rejected}` +
          `${f.adopted ? `, adopted ${f.adopted}` : ''}` +
          `${result.checkpoint ? `, checkpoint ${result.checkpoint.ts}` : ''}${result.interrupted ? ' (interrupted)' : ''}\n`,
      );
    }
    for (const failure of failures) process.stdout.write(`${failure.mapping}: FAILED ${errorMessage(failure.error)}\n`);
    if (failures.length) return 2;
    return results.some((result) => result.figures.rejected > 0) ? 1 : 0;
  } finally {
    stop.dispose();
    await engine.close();
  }
}

/** `run`: poll continuously until SIGINT/SIGTERM, finish the batch in flight, exit 0. */
export async function runCommand(options: SyncOptions): Promise<number> {
  const { config, mappings, logger } = await loadContext(options, options.mapping);
  const engine = new SyncEngine({ config, mappings, logger });
  const stop = onShutdownSignal(logger);
  try {
    await engine.run(stop.signal);
    return 0;
  } finally {
    stop.dispose();
    await engine.close();
  }
}
