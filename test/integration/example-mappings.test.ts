import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type ResolvedConfig } from '../../src/config/load-config.js';
import { runSqlFile } from '../../src/db/admin.js';
import { Databases } from '../../src/db/databases.js';
import { silentLogger } from '../../src/log.js';
import { loadMappings } from '../../src/mapping/load-mappings.js';
import { migrateDatabase } from '../../src/state/migrate.js';
import { SyncEngine } from '../../src/sync/engine.js';
import type { PassResult } from '../../src/sync/sync-job.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The shipped mappings/ folder against the real Aimeos fixture and the demo ERP, both ways. */
describe('shipped example mappings on the Aimeos fixture and the demo ERP', () => {
  let shop: TestDatabase;
  let erp: TestDatabase;
  let dir: string;
  let config: ResolvedConfig;

  async function cycle(): Promise<Map<string, PassResult>> {
    const engine = new SyncEngine({ config, mappings: await loadMappings(config), logger: silentLogger() });
    try {
      const { results, failures } = await engine.syncOnce();
      if (failures[0]) throw failures[0].error;
      return new Map(results.map((result) => [result.mapping, result]));
    } finally {
      await engine.close();
    }
  }

  beforeAll(async () => {
    shop = await createTestDatabase('mysql', 'ex_shop');
    erp = await createTestDatabase('postgres', 'ex_erp');
    await runSqlFile(shop.url, path.join(ROOT, 'fixtures/aimeos/schema.sql'));
    await runSqlFile(shop.url, path.join(ROOT, 'fixtures/aimeos/seed.sql'));
    await runSqlFile(erp.url, path.join(ROOT, 'fixtures/erp/schema.sql'));
    await runSqlFile(erp.url, path.join(ROOT, 'fixtures/erp/seed.sql'));
    dir = await mkdtemp(path.join(tmpdir(), 'aimeos-sync-examples-'));
    const file = path.join(dir, 'aimeos-sync.yml');
    await writeFile(
      file,
      stringify({ endpoints: { shop: { url: shop.url }, erp: { url: erp.url } }, mappings: path.join(ROOT, 'mappings'), sync: { lag: 0, overlap: 600 } }),
    );
    config = await loadConfig(file);
    const databases = new Databases(config);
    try {
      await migrateDatabase(await databases.connect('shop'), config.statePrefix);
      await migrateDatabase(await databases.connect('erp'), config.statePrefix);
    } finally {
      await databases.close();
    }
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await shop?.drop();
    await erp?.drop();
  });

  it('syncs both ways to a fixed point: the second cycle writes nothing', async () => {
    const first = await cycle();
    expect(first.get('customers')!.figures).toMatchObject({ read: 10, inserted: 8, adopted: 2, rejected: 0 });
    expect(first.get('products')!.figures).toMatchObject({ read: 20, inserted: 20, rejected: 0 });
    // Only orders with statuspayment >= 4 (ids 1, 2, 3), lines with them in the same transaction.
    expect(first.get('orders')!.figures).toMatchObject({ read: 3, inserted: 3, rejected: 0 });
    expect(first.get('stock')!.figures).toMatchObject({ read: 5, rejected: 0 });
    expect(first.get('order-status')!.figures).toMatchObject({ inserted: 0, updated: 0, rejected: 0 });

    const second = await cycle();
    for (const [name, result] of second) {
      expect({ name, inserted: result.figures.inserted, updated: result.figures.updated, rejected: result.figures.rejected }).toEqual({
        name,
        inserted: 0,
        updated: 0,
        rejected: 0,
      });
    }
  });

  it('adopted the partners that existed by e-mail instead of duplicating them, and kept ERP-owned columns', async () => {
    const { rows } = await sql<{ email: string; n: number; credit_limit: string; id: number }>`
      SELECT email, count(*)::int AS n, max(credit_limit)::text AS credit_limit, min(id) AS id FROM erp_partner GROUP BY email ORDER BY min(id)`.execute(erp.db);
    expect(rows).toHaveLength(10);
    expect(rows.every((row) => row.n === 1)).toBe(true);
    expect(rows.slice(0, 2).map((row) => [row.id, row.email, row.credit_limit])).toEqual([
      [10001, 'anna.schmidt@example.com', '500.00'],
      [10002, 'ben.mueller@example.com', '5000.00'],
    ]);
    const { rows: identity } = await sql<{ source_key: string; target_key: string }>`
      SELECT source_key, target_key FROM aimeos_sync_identity_map WHERE mapping = 'customers' AND source_key IN ('["1"]', '["2"]') ORDER BY source_key`.execute(erp.db);
    expect(identity).toEqual([
      { source_key: '["1"]', target_key: '10001' },
      { source_key: '["2"]', target_key: '10002' },
    ]);
  });

  it('gave each order the ERP partner id of its customer, and its lines the order id', async () => {
    const { rows } = await sql<{ shop_order_id: string; partner_email: string; payment_state: string; lines: number; bad_lines: number }>`
      SELECT o.shop_order_id::text, p.email AS partner_email, o.payment_state,
             (SELECT count(*)::int FROM erp_sales_order_line l WHERE l.sales_order_id = o.id) AS lines,
             (SELECT count(*)::int FROM erp_sales_order_line l WHERE l.sales_order_id IS NULL) AS bad_lines
        FROM erp_sales_order o JOIN erp_partner p ON p.id = o.partner_id ORDER BY o.shop_order_id`.execute(erp.db);
    const { rows: shopOrders } = await sql<{ id: string; email: string }>`
      SELECT o.id, c.email FROM mshop_order o JOIN mshop_customer c ON c.id = o.customerid WHERE o.statuspayment >= 4 ORDER BY o.id`.execute(shop.db);
    expect(rows.map((row) => [row.shop_order_id, row.partner_email])).toEqual(shopOrders.map((row) => [String(row.id), row.email]));
    expect(rows.map((row) => row.payment_state)).toEqual(['received', 'authorized', 'pending']);
    const { rows: lineCounts } = await sql<{ parentid: string; n: number }>`
      SELECT parentid, count(*) AS n FROM mshop_order_product WHERE parentid IN (1, 2, 3) GROUP BY parentid ORDER BY parentid`.execute(shop.db);
    expect(rows.map((row) => row.lines)).toEqual(lineCounts.map((row) => Number(row.n)));
    expect(rows[0]!.bad_lines).toBe(0);
  });

  it('writes ERP stock into mshop_stock the Aimeos way and keeps instock consistent', async () => {
    const { rows } = await sql<{ code: string; stocklevel: number | null; instock: number; editor: string; siteid: string }>`
      SELECT p.code, s.stocklevel, p.instock, s.editor, s.siteid FROM mshop_stock s JOIN mshop_product p ON p.id = s.prodid
       WHERE p.code IN ('CF-1001', 'CF-1002', 'CF-1003', 'AC-3001', 'AC-3004') ORDER BY p.code`.execute(shop.db);
    expect(rows.map((row) => [row.code, row.stocklevel, row.instock, row.editor, row.siteid])).toEqual([
      ['AC-3001', null, 1, 'aimeos-sync', '1.'],
      ['AC-3004', 340, 1, 'aimeos-sync', '1.'],
      ['CF-1001', 118, 1, 'aimeos-sync', '1.'],
      ['CF-1002', 0, 0, 'aimeos-sync', '1.'],
      ['CF-1003', 25.5, 1, 'aimeos-sync', '1.'],
    ]);
  });

  it('brings ERP delivery state and invoice number back into Aimeos, touching only those columns', async () => {
    const before = await sql<Record<string, unknown>>`SELECT * FROM mshop_order WHERE id = 3`.execute(shop.db);
    await sql`UPDATE erp_sales_order SET delivery_state = 'shipped', invoice_no = 'RE-2026-0003' WHERE shop_order_id = 3`.execute(erp.db);
    const result = await cycle();
    expect(result.get('order-status')!.figures).toMatchObject({ updated: 1, rejected: 0 });
    const after = await sql<Record<string, unknown>>`SELECT * FROM mshop_order WHERE id = 3`.execute(shop.db);
    const changed = Object.keys(after.rows[0]!).filter((column) => String(after.rows[0]![column]) !== String(before.rows[0]![column]));
    expect(changed.sort()).toEqual(['editor', 'invoiceno', 'mtime', 'statusdelivery']);
    expect(after.rows[0]).toMatchObject({ statusdelivery: 3, invoiceno: 'RE-2026-0003', editor: 'aimeos-sync' });
    // The shop's change of mtime makes the orders mapping re-read order 3, which finds nothing
    // to write: delivery state and invoice number are insert-only on that side (no echo).
    const next = await cycle();
    expect(next.get('orders')!.figures).toMatchObject({ inserted: 0, updated: 0 });
    expect(next.get('order-status')!.figures).toMatchObject({ inserted: 0, updated: 0 });
  });
});
