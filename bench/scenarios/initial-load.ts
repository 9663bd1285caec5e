import { sql } from 'kysely';
import mysql from 'mysql2/promise';
import mysqlCallback from 'mysql2';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { BenchDatabases } from '../lib/bench-databases.js';
import { writeBenchConfig } from '../lib/bench-databases.js';
import { runEngine } from '../lib/engine-process.js';

export interface LoadFigures {
  rows: number;
  engine: { seconds: number; rowsPerSecond: number; peakRssMiB: number };
  bulk: { method: string; seconds: number; rowsPerSecond: number };
  cron: { rowsMeasured: number; seconds: number; rowsPerSecond: number };
  ratioToBulk: number;
  ratioToCron: number;
}

const PG_ITEM_DDL = (table: string) => `CREATE TABLE ${table} (
  shop_id integer PRIMARY KEY, sku varchar(64) NOT NULL, name varchar(255) NOT NULL,
  status smallint NOT NULL, item_type varchar(64) NOT NULL, rating numeric(4,2) NOT NULL)`;

export const productMapping = (name = 'products', target = 'erp_item_sync', where?: string) => ({
  name,
  source: { endpoint: 'shop', table: 'mshop_product', key: ['id'], ...(where ? { where } : {}), capture: { mode: 'timestamp', column: 'mtime' } },
  target: { endpoint: 'erp', table: target, key: ['shop_id'] },
  columns: { shop_id: 'id', sku: 'code', name: 'label', status: 'status', item_type: 'type', rating: 'rating' },
});

/** MySQL → PostgreSQL: engine `sync --once` vs COPY FROM STDIN vs a row-at-a-time cron job. */
export async function initialLoadMysqlToPostgres(dbs: BenchDatabases, rows: number, batchSize: number): Promise<LoadFigures> {
  await sql.raw(PG_ITEM_DDL('erp_item_sync')).execute(dbs.erp);
  await sql.raw(PG_ITEM_DDL('erp_item_copy')).execute(dbs.erp);
  await sql.raw(PG_ITEM_DDL('erp_item_cron')).execute(dbs.erp);

  const config = await writeBenchConfig('load-m2p', { shop: dbs.shopUrl, erp: dbs.erpUrl }, [productMapping()], {
    batchSize,
    overlap: 60,
    lag: 0,
  });
  await runEngine(['--config', config, 'migrate']);
  const engine = await runEngine(['--config', config, 'sync', '--once']);
  const loaded = await sql<{ n: string }>`SELECT count(*)::text AS n FROM erp_item_sync`.execute(dbs.erp);
  if (Number(loaded.rows[0]?.n) !== rows) throw new Error(`engine loaded ${loaded.rows[0]?.n} of ${rows} rows`);

  // Bulk-copy limit: stream the source rows straight into COPY FROM STDIN.
  const bulkStart = performance.now();
  const source = mysqlCallback.createConnection({ uri: dbs.shopUrl });
  const client = new pg.Client({ connectionString: dbs.erpUrl });
  await client.connect();
  try {
    const rowsStream = source
      .query('SELECT id, code, label, status, type, rating FROM mshop_product ORDER BY id')
      .stream({ highWaterMark: 5000 });
    const lines = Readable.from(
      (async function* () {
        for await (const row of rowsStream as AsyncIterable<Record<string, unknown>>) {
          yield `${row.id}\t${copyText(row.code)}\t${copyText(row.label)}\t${row.status}\t${copyText(row.type)}\t${row.rating}\n`;
        }
      })(),
    );
    await pipeline(lines, client.query(copyFrom('COPY erp_item_copy (shop_id, sku, name, status, item_type, rating) FROM STDIN')));
  } finally {
    source.end();
    await client.end();
  }
  const bulkSeconds = (performance.now() - bulkStart) / 1000;

  // The brief's cron job: for every row, find the target row, then save it (one round trip each).
  const cronRows = Math.min(rows, 3000);
  const cron = await cronJobMysqlToPostgres(dbs, cronRows);

  const engineSeconds = engine.wallMs / 1000;
  const engineRate = rows / engineSeconds;
  const bulkRate = rows / bulkSeconds;
  return {
    rows,
    engine: { seconds: round(engineSeconds), rowsPerSecond: Math.round(engineRate), peakRssMiB: engine.peakRssMiB },
    bulk: { method: 'mysql2 stream → COPY FROM STDIN', seconds: round(bulkSeconds), rowsPerSecond: Math.round(bulkRate) },
    cron,
    ratioToBulk: round(engineRate / bulkRate),
    ratioToCron: round(engineRate / cron.rowsPerSecond),
  };
}

async function cronJobMysqlToPostgres(dbs: BenchDatabases, rows: number) {
  const source = await mysql.createConnection({ uri: dbs.shopUrl });
  const client = new pg.Client({ connectionString: dbs.erpUrl });
  await client.connect();
  const start = performance.now();
  try {
    const [products] = await source.query<mysql.RowDataPacket[]>(
      'SELECT id, code, label, status, type, rating FROM mshop_product ORDER BY id LIMIT ?',
      [rows],
    );
    for (const product of products) {
      const found = await client.query('SELECT shop_id FROM erp_item_cron WHERE shop_id = $1', [product.id]);
      if (found.rowCount) {
        await client.query('UPDATE erp_item_cron SET sku=$2, name=$3, status=$4, item_type=$5, rating=$6 WHERE shop_id=$1', [
          product.id, product.code, product.label, product.status, product.type, product.rating,
        ]);
      } else {
        await client.query('INSERT INTO erp_item_cron (shop_id, sku, name, status, item_type, rating) VALUES ($1,$2,$3,$4,$5,$6)', [
          product.id, product.code, product.label, product.status, product.type, product.rating,
        ]);
      }
    }
  } finally {
    await source.end();
    await client.end();
  }
  const seconds = (performance.now() - start) / 1000;
  return { rowsMeasured: rows, seconds: round(seconds), rowsPerSecond: Math.round(rows / seconds) };
}

const MYSQL_ITEM_DDL = (table: string) => `CREATE TABLE ${table} (
  id INT NOT NULL PRIMARY KEY, sku VARCHAR(64) NOT NULL, name VARCHAR(255) NOT NULL, status SMALLINT NOT NULL,
  price DECIMAL(12,2) NULL, updated_at DATETIME NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

/** PostgreSQL → MySQL: engine vs multi-row INSERT (5,000 rows/statement) vs row-at-a-time. */
export async function initialLoadPostgresToMysql(dbs: BenchDatabases, rows: number, batchSize: number): Promise<LoadFigures> {
  for (const table of ['shop_erp_item_sync', 'shop_erp_item_copy', 'shop_erp_item_cron']) await sql.raw(MYSQL_ITEM_DDL(table)).execute(dbs.shop);
  const mapping = {
    name: 'erp-items',
    source: { endpoint: 'erp', table: 'erp_item', key: ['id'], capture: { mode: 'timestamp', column: 'updated_at' } },
    target: { endpoint: 'shop', table: 'shop_erp_item_sync', key: ['id'] },
    columns: { id: 'id', sku: 'sku', name: 'name', status: 'status', price: 'price', updated_at: 'updated_at' },
  };
  const config = await writeBenchConfig('load-p2m', { shop: dbs.shopUrl, erp: dbs.erpUrl }, [mapping], { batchSize, overlap: 60, lag: 0 });
  await runEngine(['--config', config, 'migrate']);
  const engine = await runEngine(['--config', config, 'sync', '--once']);

  const bulkStart = performance.now();
  const client = new pg.Client({ connectionString: dbs.erpUrl });
  await client.connect();
  const target = await mysql.createConnection({ uri: dbs.shopUrl });
  try {
    let last = 0;
    for (;;) {
      const { rows: chunk } = await client.query(
        'SELECT id, sku, name, status, price::text AS price, updated_at::text AS updated_at FROM erp_item WHERE id > $1 ORDER BY id LIMIT 5000',
        [last],
      );
      if (chunk.length === 0) break;
      await target.query('INSERT INTO shop_erp_item_copy (id, sku, name, status, price, updated_at) VALUES ?', [
        chunk.map((row) => [row.id, row.sku, row.name, row.status, row.price, row.updated_at]),
      ]);
      last = chunk.at(-1)!.id as number;
    }
  } finally {
    await client.end();
    await target.end();
  }
  const bulkSeconds = (performance.now() - bulkStart) / 1000;

  const cronRows = Math.min(rows, 3000);
  const cronStart = performance.now();
  const cronSource = new pg.Client({ connectionString: dbs.erpUrl });
  await cronSource.connect();
  const cronTarget = await mysql.createConnection({ uri: dbs.shopUrl });
  try {
    const { rows: items } = await cronSource.query('SELECT id, sku, name, status, price::text AS price, updated_at::text AS updated_at FROM erp_item ORDER BY id LIMIT $1', [cronRows]);
    for (const item of items) {
      const [found] = await cronTarget.query<mysql.RowDataPacket[]>('SELECT id FROM shop_erp_item_cron WHERE id = ?', [item.id]);
      if (found.length) {
        await cronTarget.query('UPDATE shop_erp_item_cron SET sku=?, name=?, status=?, price=?, updated_at=? WHERE id=?', [
          item.sku, item.name, item.status, item.price, item.updated_at, item.id,
        ]);
      } else {
        await cronTarget.query('INSERT INTO shop_erp_item_cron (id, sku, name, status, price, updated_at) VALUES (?,?,?,?,?,?)', [
          item.id, item.sku, item.name, item.status, item.price, item.updated_at,
        ]);
      }
    }
  } finally {
    await cronSource.end();
    await cronTarget.end();
  }
  const cronSeconds = (performance.now() - cronStart) / 1000;

  const engineSeconds = engine.wallMs / 1000;
  const engineRate = rows / engineSeconds;
  const bulkRate = rows / bulkSeconds;
  const cronRate = cronRows / cronSeconds;
  return {
    rows,
    engine: { seconds: round(engineSeconds), rowsPerSecond: Math.round(engineRate), peakRssMiB: engine.peakRssMiB },
    bulk: { method: 'keyset SELECT → multi-row INSERT (5,000 rows/statement)', seconds: round(bulkSeconds), rowsPerSecond: Math.round(bulkRate) },
    cron: { rowsMeasured: cronRows, seconds: round(cronSeconds), rowsPerSecond: Math.round(cronRate) },
    ratioToBulk: round(engineRate / bulkRate),
    ratioToCron: round(engineRate / cronRate),
  };
}

function copyText(value: unknown): string {
  return String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export function round(value: number): number {
  return Math.round(value * 100) / 100;
}
