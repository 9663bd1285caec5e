import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { stringify } from 'yaml';
import { recreateDatabase, runSqlFile, withDatabase } from '../../src/db/admin.js';
import type { DynamicDb } from '../../src/db/dynamic-db.js';
import { dialectFor } from '../../src/dialect/index.js';
import { repoRoot } from './engine-process.js';

export interface BenchDatabases {
  shopUrl: string;
  erpUrl: string;
  shop: DynamicDb;
  erp: DynamicDb;
  close(): Promise<void>;
}

/** Fresh bench databases: the real Aimeos schema on MySQL/MariaDB, a small ERP schema on PostgreSQL. */
export async function createBenchDatabases(mysqlServer: string, pgServer: string): Promise<BenchDatabases> {
  const shopUrl = withDatabase(mysqlServer, 'aimeos_sync_bench_shop');
  const erpUrl = withDatabase(pgServer, 'aimeos_sync_bench_erp');
  await recreateDatabase(shopUrl);
  await runSqlFile(shopUrl, path.join(repoRoot, 'fixtures/aimeos/schema.sql'));
  await recreateDatabase(erpUrl);
  const shop = dialectFor('mysql').createKysely(shopUrl, { poolSize: 4, applicationName: 'aimeos-sync-bench' });
  const erp = dialectFor('postgres').createKysely(erpUrl, { poolSize: 4, applicationName: 'aimeos-sync-bench' });
  return {
    shopUrl,
    erpUrl,
    shop,
    erp,
    async close() {
      await shop.destroy();
      await erp.destroy();
    },
  };
}

export function utcText(offsetSeconds = 0): string {
  return new Date(Date.now() + offsetSeconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

/** Fills mshop_product with `rows` Aimeos-shaped products (mtime in the past, as after an import). */
export async function fillProducts(shop: DynamicDb, rows: number, mtime: string): Promise<void> {
  const chunk = 2000;
  for (let start = 1; start <= rows; start += chunk) {
    const values = [];
    for (let id = start; id < Math.min(start + chunk, rows + 1); id++) {
      values.push({
        id,
        siteid: '1.',
        type: id % 10 === 0 ? 'select' : 'default',
        code: `SKU-${String(id).padStart(8, '0')}`,
        label: `Product ${id} – Espresso Classico 500g`,
        url: `product-${id}`,
        config: '{}',
        scale: 1,
        rating: (id % 500) / 100,
        status: id % 20 === 0 ? 0 : 1,
        mtime,
        ctime: mtime,
        editor: 'bench',
      });
    }
    await shop.insertInto('mshop_product').values(values).execute();
  }
}

/** ERP items on PostgreSQL for the reverse direction (PostgreSQL → MySQL). */
export async function createErpItems(erp: DynamicDb, rows: number, updatedAt: string): Promise<void> {
  await sql`CREATE TABLE erp_item (
      id integer PRIMARY KEY, sku varchar(64) NOT NULL, name varchar(255) NOT NULL, status smallint NOT NULL,
      price numeric(12,2), updated_at timestamp(0) NOT NULL)`.execute(erp);
  await sql`INSERT INTO erp_item
      SELECT g, 'SKU-' || lpad(g::text, 8, '0'), 'Product ' || g || ' – Espresso Classico 500g', (g % 2)::smallint,
             (g % 1000) + 0.99, ${updatedAt}::timestamp
        FROM generate_series(1, ${rows}::int) AS g`.execute(erp);
}

/** A throw-away config folder for one scenario. */
export async function writeBenchConfig(
  name: string,
  endpoints: Record<string, string>,
  mappings: Record<string, unknown>[],
  sync: Record<string, unknown>,
): Promise<string> {
  const dir = path.join(tmpdir(), `aimeos-sync-bench-${name}-${process.pid}`);
  await mkdir(path.join(dir, 'mappings'), { recursive: true });
  const file = path.join(dir, 'aimeos-sync.yml');
  await writeFile(
    file,
    stringify({ endpoints: Object.fromEntries(Object.entries(endpoints).map(([key, url]) => [key, { url }])), mappings: './mappings', sync }),
  );
  for (const mapping of mappings) await writeFile(path.join(dir, 'mappings', `${String(mapping.name)}.yml`), stringify(mapping));
  return file;
}
