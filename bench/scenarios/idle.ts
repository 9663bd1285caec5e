import { sql } from 'kysely';
import type { BenchDatabases } from '../lib/bench-databases.js';
import { utcText, writeBenchConfig } from '../lib/bench-databases.js';
import { EngineProcess, runEngine } from '../lib/engine-process.js';
import { round } from './initial-load.js';

export interface IdleFigures {
  mappings: number;
  seconds: number;
  pollInterval: number;
  cpuSecondsPerMinute: number;
  percentOfOneCore: number;
  peakRssMiB: number;
}

/** 20 mappings over 20 unchanged 100-row tables, `run` for `seconds`: CPU used by the engine. */
export async function idleCost(dbs: BenchDatabases, seconds: number, mappingCount = 20, pollInterval = 5): Promise<IdleFigures> {
  const mappings = [];
  for (let i = 1; i <= mappingCount; i++) {
    await sql.raw(`CREATE TABLE idle_src_${i} LIKE mshop_product`).execute(dbs.shop);
    await sql.raw(`INSERT INTO idle_src_${i} SELECT * FROM mshop_product WHERE id <= 100`).execute(dbs.shop);
    await sql.raw(`UPDATE idle_src_${i} SET mtime = '${utcText(-7200)}'`).execute(dbs.shop);
    await sql.raw(`CREATE TABLE idle_tgt_${i} (shop_id integer PRIMARY KEY, sku varchar(64), name varchar(255))`).execute(dbs.erp);
    mappings.push({
      name: `idle-${i}`,
      source: { endpoint: 'shop', table: `idle_src_${i}`, key: ['id'], capture: { mode: 'timestamp', column: 'mtime' } },
      target: { endpoint: 'erp', table: `idle_tgt_${i}`, key: ['shop_id'] },
      columns: { shop_id: 'id', sku: 'code', name: 'label' },
    });
  }
  const config = await writeBenchConfig('idle', { shop: dbs.shopUrl, erp: dbs.erpUrl }, mappings, { pollInterval, overlap: 900, lag: 2, concurrency: 4 });
  await runEngine(['--config', config, 'migrate']);
  await runEngine(['--config', config, 'sync', '--once']);

  const engine = new EngineProcess(['--config', config, 'run']);
  await new Promise((resolve) => setTimeout(resolve, 5000)); // start-up and first polls are not idle
  const before = (await engine.sample())?.cpuSeconds ?? 0;
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = (await engine.sample())?.cpuSeconds ?? 0;
  const figures = await engine.stop('SIGTERM');
  const perMinute = ((after - before) / seconds) * 60;
  return {
    mappings: mappingCount,
    seconds,
    pollInterval,
    cpuSecondsPerMinute: round(perMinute),
    percentOfOneCore: round((perMinute / 60) * 100),
    peakRssMiB: figures.peakRssMiB,
  };
}
