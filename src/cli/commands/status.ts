import { SyncEngine } from '../../sync/engine.js';
import type { MappingStatus } from '../../sync/sync-job.js';
import { loadContext, type GlobalOptions } from '../context.js';

export interface StatusOptions extends GlobalOptions {
  json?: boolean;
  mapping?: string[];
}

/** Per mapping: checkpoint, last run figures, lag, rejected rows, last error, mark privileges. */
export async function statusCommand(options: StatusOptions): Promise<number> {
  const { config, mappings, logger } = await loadContext(options, options.mapping);
  const engine = new SyncEngine({ config, mappings, logger });
  try {
    const jobs = await engine.prepare();
    const statuses = await Promise.all(jobs.map((job) => job.status()));
    process.stdout.write(options.json ? `${JSON.stringify({ mappings: statuses }, null, 2)}\n` : statuses.map(formatStatus).join('\n'));
    return 0;
  } finally {
    await engine.close();
  }
}

function formatStatus(status: MappingStatus): string {
  const run = status.lastRun;
  const lines = [
    `${status.mapping}  (${status.source} → ${status.target})`,
    `  checkpoint:   ${status.checkpoint ? `${status.checkpoint.ts}${status.checkpoint.key ? ` key ${status.checkpoint.key.join(',')}` : ''}` : status.initialLoad ? `initial load in progress (up to key ${status.initialLoad.lastKey?.join(',') ?? 'none yet'}, from mark ${status.initialLoad.mark})` : 'none (initial load pending)'}`,
    `  newest change: ${status.newestChange ?? 'none'}   lag: ${status.lagSeconds === null ? 'unknown' : `${status.lagSeconds}s`}`,
    `  last run:     ${run.status ?? 'never'}${run.finished ? ` at ${run.finished}` : ''}: read ${run.read}, inserted ${run.inserted}, updated ${run.updated}, unchanged ${run.unchanged}, rejected ${run.rejected}${run.adopted ? `, adopted ${run.adopted}` : ''}`,
    `  rejected rows kept: ${status.rejectedRows}`,
    `  last error:   ${status.lastError ? `${status.lastError} (at ${status.lastErrorAt})` : 'none'}`,
  ];
  if (!status.openTransactionsVisible) lines.push(`  WARNING: ${status.visibilityDetail}`);
  return `${lines.join('\n')}\n`;
}
