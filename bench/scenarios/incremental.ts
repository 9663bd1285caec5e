import { sql } from 'kysely';
import type { BenchDatabases } from '../lib/bench-databases.js';
import { writeBenchConfig } from '../lib/bench-databases.js';
import { EngineProcess, runEngine } from '../lib/engine-process.js';
import { productMapping, round } from './initial-load.js';

export interface IncrementalFigures {
  ratePerSecond: number;
  durationSeconds: number;
  changes: number;
  delivered: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  keptUp: boolean;
  settings: { pollInterval: number; overlap: number; lag: number; batchSize: number };
  peakRssMiB: number;
  monitorResolutionMs: number;
}

const MONITOR_MS = 50;

/**
 * A writer changes `rate` products per second for `duration` seconds (each its own autocommit
 * UPDATE setting label and mtime, as Aimeos does); a monitor polls the ERP every 50 ms and notes
 * when each change becomes visible. The engine runs as `aimeos-sync run` in its own process.
 * Needs the products already loaded (the initial-load scenario).
 */
export async function incrementalSync(
  dbs: BenchDatabases,
  rows: number,
  options: { rate: number; duration: number; pollInterval: number; overlap: number; lag: number; batchSize: number },
): Promise<IncrementalFigures> {
  const config = await writeBenchConfig('incremental', { shop: dbs.shopUrl, erp: dbs.erpUrl }, [productMapping()], {
    batchSize: options.batchSize,
    pollInterval: options.pollInterval,
    overlap: options.overlap,
    lag: options.lag,
  });
  await runEngine(['--config', config, 'sync', '--once']); // catch up before measuring
  const engine = new EngineProcess(['--config', config, 'run']);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // let it start polling

  const committedAt = new Map<number, { label: string; at: number }>();
  const latencies: number[] = [];
  const total = Math.round(options.rate * options.duration);
  let monitorRunning = true;
  let drainDeadline = Infinity;

  const monitor = (async () => {
    while (monitorRunning || committedAt.size > 0) {
      const pending = [...committedAt.keys()].slice(0, 5000);
      if (pending.length) {
        const { rows: seen } = await sql<{ shop_id: number; name: string }>`
          SELECT shop_id, name FROM erp_item_sync WHERE shop_id = ANY(${pending}::int[])`.execute(dbs.erp);
        const now = performance.now();
        for (const row of seen) {
          const change = committedAt.get(row.shop_id);
          if (change && row.name === change.label) {
            latencies.push(now - change.at);
            committedAt.delete(row.shop_id);
          }
        }
      }
      if (!monitorRunning && performance.now() > drainDeadline) break;
      await new Promise((resolve) => setTimeout(resolve, MONITOR_MS));
    }
  })();

  // Writer: change i is due at start + i/rate; 4 connections keep up with the schedule.
  const start = performance.now();
  let next = 0;
  const writer = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const due = start + (i * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const id = (i % rows) + 1;
      const label = `changed ${i}`;
      await sql`UPDATE mshop_product SET label = ${label}, mtime = UTC_TIMESTAMP(), editor = 'bench-writer' WHERE id = ${id}`.execute(dbs.shop);
      committedAt.set(id, { label, at: performance.now() });
    }
  };
  await Promise.all([writer(), writer(), writer(), writer()]);
  monitorRunning = false;
  drainDeadline = performance.now() + 15_000;
  await monitor;
  const undelivered = committedAt.size;
  const figures = await engine.stop('SIGTERM');

  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN);
  const p99 = pct(99);
  return {
    ratePerSecond: options.rate,
    durationSeconds: options.duration,
    changes: total,
    delivered: latencies.length,
    latencyMs: { p50: pct(50), p95: pct(95), p99, max: Math.round(latencies.at(-1) ?? NaN) },
    keptUp: undelivered === 0 && p99 < 5000,
    settings: { pollInterval: options.pollInterval, overlap: options.overlap, lag: options.lag, batchSize: options.batchSize },
    peakRssMiB: figures.peakRssMiB,
    monitorResolutionMs: MONITOR_MS,
  };
}

export interface NoopFigures {
  rowsOutsideOverlap: { seconds: number; rowsRead: number; rowsWritten: number; peakRssMiB: number };
  allRowsInsideOverlap: { seconds: number; rowsRead: number; rowsWritten: number; rowsComparedPerSecond: number; peakRssMiB: number };
}

/**
 * A sync over an unchanged, fully loaded table: first with every row older than the overlap
 * window (the everyday case), then with every row's mtime touched inside the window but no mapped
 * value changed (the worst case: the whole table is re-read and compared, and nothing written).
 */
export async function noopCycle(dbs: BenchDatabases, rows: number, batchSize: number): Promise<NoopFigures> {
  const config = await writeBenchConfig('noop', { shop: dbs.shopUrl, erp: dbs.erpUrl }, [productMapping()], { batchSize, overlap: 600, lag: 0 });
  await runEngine(['--config', config, 'sync', '--once']);
  const xminBefore = await xminSum(dbs);
  const quiet = await runEngine(['--config', config, 'sync', '--once']);
  const quietRead = figure(quiet.stdout, 'read');
  const quietWritten = (await xminSum(dbs)) === xminBefore ? 0 : NaN;

  await sql`UPDATE mshop_product SET mtime = UTC_TIMESTAMP() - INTERVAL 30 SECOND`.execute(dbs.shop);
  const full = await runEngine(['--config', config, 'sync', '--once']);
  const fullWritten = figure(full.stdout, 'inserted') + figure(full.stdout, 'updated');
  const fullRead = figure(full.stdout, 'read');
  if ((await xminSum(dbs)) !== xminBefore) throw new Error('no-op cycle wrote rows');
  return {
    rowsOutsideOverlap: { seconds: round(quiet.wallMs / 1000), rowsRead: quietRead, rowsWritten: quietWritten, peakRssMiB: quiet.peakRssMiB },
    allRowsInsideOverlap: {
      seconds: round(full.wallMs / 1000),
      rowsRead: fullRead,
      rowsWritten: fullWritten,
      rowsComparedPerSecond: Math.round(fullRead / (full.wallMs / 1000)),
      peakRssMiB: full.peakRssMiB,
    },
  };
}

async function xminSum(dbs: BenchDatabases): Promise<string> {
  const { rows } = await sql<{ s: string }>`SELECT coalesce(sum(xmin::text::bigint), 0)::text AS s FROM erp_item_sync`.execute(dbs.erp);
  return rows[0]!.s;
}

function figure(stdout: string, name: string): number {
  return [...stdout.matchAll(new RegExp(`${name} (\\d+)`, 'g'))].reduce((sum, match) => sum + Number(match[1]), 0);
}
