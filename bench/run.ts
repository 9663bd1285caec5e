/**
 * `npm run bench [-- --rows 1000000]`: builds Aimeos-shaped data in the local MariaDB and
 * PostgreSQL and measures the engine against the bulk-copy limit and the hand-written cron job.
 * Writes bench/results.json and prints a table. See BENCHMARKS.md for the method.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { sql } from 'kysely';
import { createBenchDatabases, createErpItems, fillProducts, utcText } from './lib/bench-databases.js';
import { repoRoot } from './lib/engine-process.js';
import { idleCost } from './scenarios/idle.js';
import { incrementalSync, noopCycle } from './scenarios/incremental.js';
import { initialLoadMysqlToPostgres, initialLoadPostgresToMysql } from './scenarios/initial-load.js';

const options = new Command()
  .option('--rows <n>', 'rows in the large tables', (v) => Number(v), 50_000)
  .option('--batch-size <n>', 'engine batch size', (v) => Number(v), 1000)
  .option('--rate <n>', 'incremental: changes per second', (v) => Number(v), 500)
  .option('--duration <s>', 'incremental: seconds of writing', (v) => Number(v), 20)
  .option('--poll-interval <s>', 'incremental: engine poll interval (s)', (v) => Number(v), 0.25)
  .option('--overlap <s>', 'incremental: engine overlap window (s)', (v) => Number(v), 30)
  .option('--idle-seconds <s>', 'idle: seconds to measure', (v) => Number(v), 60)
  .option('--mysql <url>', 'MySQL/MariaDB server URL', process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/')
  .option('--pg <url>', 'PostgreSQL server URL', process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/')
  .option('--only <names>', 'comma-separated scenarios: load,incremental,noop,idle', 'load,incremental,noop,idle')
  .option('--out <file>', 'results file', path.join(repoRoot, 'bench/results.json'))
  .parse()
  .opts<{ rows: number; batchSize: number; rate: number; duration: number; pollInterval: number; overlap: number; idleSeconds: number; mysql: string; pg: string; only: string; out: string }>();
const only = new Set(options.only.split(','));

function log(text: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

async function main(): Promise<void> {
  const dbs = await createBenchDatabases(options.mysql, options.pg);
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    options: { rows: options.rows, batchSize: options.batchSize },
  };
  try {
    log(`filling ${options.rows} products (MariaDB) and ${options.rows} ERP items (PostgreSQL)`);
    await fillProducts(dbs.shop, options.rows, utcText(-7200));
    await createErpItems(dbs.erp, options.rows, utcText(-7200));
    // The index `validate` recommends: Aimeos ships none on mshop_product.mtime, and without it
    // every poll batch is a scan and sort of the whole table.
    await sql`CREATE INDEX idx_mspro_mtime_sync ON mshop_product (mtime, id)`.execute(dbs.shop);
    await sql`CREATE INDEX erp_item_updated_sync ON erp_item (updated_at, id)`.execute(dbs.erp);

    // Every other scenario needs the products loaded into the ERP first.
    log('initial load MySQL → PostgreSQL');
    results.initialLoadMysqlToPostgres = await initialLoadMysqlToPostgres(dbs, options.rows, options.batchSize);
    if (only.has('load')) {
      log('initial load PostgreSQL → MySQL');
      results.initialLoadPostgresToMysql = await initialLoadPostgresToMysql(dbs, options.rows, options.batchSize);
    }
    if (only.has('incremental')) {
      log(`incremental sync: ${options.rate} changes/s for ${options.duration}s`);
      results.incremental = await incrementalSync(dbs, options.rows, {
      rate: options.rate,
      duration: options.duration,
      pollInterval: options.pollInterval,
      overlap: options.overlap,
      lag: 0.5,
        batchSize: options.batchSize,
      });
    }
    if (only.has('noop')) {
      log('no-op cycle');
      results.noop = await noopCycle(dbs, options.rows, options.batchSize);
    }
    results.reconciliation = { status: 'not measured: reconciliation is not implemented yet (roadmap)' };
    if (only.has('idle')) {
      log(`idle cost: 20 mappings for ${options.idleSeconds}s`);
      results.idle = await idleCost(dbs, options.idleSeconds);
    }
  } finally {
    await dbs.close();
  }
  await writeFile(options.out, `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
  log(`results written to ${options.out}`);
}

function printTable(results: Record<string, unknown>): void {
  const r = results as Record<string, Record<string, unknown>>;
  const rows: [string, string][] = [];
  for (const key of ['initialLoadMysqlToPostgres', 'initialLoadPostgresToMysql'] as const) {
    const f = r[key] as unknown as { rows: number; engine: { rowsPerSecond: number; seconds: number; peakRssMiB: number }; bulk: { rowsPerSecond: number }; cron: { rowsPerSecond: number }; ratioToBulk: number; ratioToCron: number };
    if (!f) continue;
    rows.push([
      `${key} (${f.rows} rows)`,
      `engine ${f.engine.rowsPerSecond}/s in ${f.engine.seconds}s (RSS ${f.engine.peakRssMiB} MiB); bulk ${f.bulk.rowsPerSecond}/s; cron ${f.cron.rowsPerSecond}/s; ${Math.round(f.ratioToBulk * 100)}% of bulk, ${f.ratioToCron}x cron`,
    ]);
  }
  const inc = r.incremental as unknown as { ratePerSecond: number; latencyMs: Record<string, number>; keptUp: boolean; delivered: number; changes: number; peakRssMiB: number };
  if (inc) {
    rows.push([
      `incremental ${inc.ratePerSecond}/s`,
      `p50 ${inc.latencyMs.p50} ms, p95 ${inc.latencyMs.p95} ms, p99 ${inc.latencyMs.p99} ms; delivered ${inc.delivered}/${inc.changes}; kept up: ${inc.keptUp}; RSS ${inc.peakRssMiB} MiB`,
    ]);
  }
  const noop = r.noop as unknown as NoopLike;
  if (noop) {
    rows.push(['no-op (rows outside overlap)', `${noop.rowsOutsideOverlap.seconds}s, read ${noop.rowsOutsideOverlap.rowsRead}, written ${noop.rowsOutsideOverlap.rowsWritten}`]);
    rows.push([
      'no-op (all rows inside overlap)',
      `${noop.allRowsInsideOverlap.seconds}s, read ${noop.allRowsInsideOverlap.rowsRead}, written ${noop.allRowsInsideOverlap.rowsWritten}, ${noop.allRowsInsideOverlap.rowsComparedPerSecond} rows compared/s, RSS ${noop.allRowsInsideOverlap.peakRssMiB} MiB`,
    ]);
  }
  rows.push(['reconciliation', 'not implemented yet']);
  const idle = r.idle as unknown as { mappings: number; percentOfOneCore: number; cpuSecondsPerMinute: number; peakRssMiB: number };
  if (idle) rows.push([`idle (${idle.mappings} mappings)`, `${idle.cpuSecondsPerMinute} CPU s/min = ${idle.percentOfOneCore}% of one core; RSS ${idle.peakRssMiB} MiB`]);
  const width = Math.max(...rows.map(([name]) => name.length));
  process.stdout.write(`\n${rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n')}\n`);
}

type NoopLike = {
  rowsOutsideOverlap: { seconds: number; rowsRead: number; rowsWritten: number };
  allRowsInsideOverlap: { seconds: number; rowsRead: number; rowsWritten: number; rowsComparedPerSecond: number; peakRssMiB: number };
};

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 2;
});
