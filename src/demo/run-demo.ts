/**
 * `npm run demo`: builds a demo shop (real Aimeos schema + seed on MariaDB/MySQL) and a demo ERP
 * (PostgreSQL), runs migrate, validate and sync --once with the shipped mappings, changes a few
 * shop rows and syncs again, then prints what happened. It only ever drops its own two demo
 * databases (DEMO_SHOP_DB_URL / DEMO_ERP_DB_URL), never SHOP_DB_URL or ERP_DB_URL.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { main } from '../cli/main.js';
import { recreateDatabase, runSqlFile } from '../db/admin.js';
import { dialectFor } from '../dialect/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shopUrl = process.env.DEMO_SHOP_DB_URL ?? 'mysql://root@127.0.0.1:3306/aimeos_sync_demo_shop';
const erpUrl = process.env.DEMO_ERP_DB_URL ?? 'postgres://postgres@127.0.0.1:5432/aimeos_sync_demo_erp';

function heading(text: string): void {
  process.stdout.write(`\n=== ${text} ===\n`);
}

async function cli(...args: string[]): Promise<number> {
  process.stdout.write(`$ aimeos-sync ${args.join(' ')}\n`);
  const code = await main(['--config', path.join(root, 'aimeos-sync.yml'), '--log-level', 'warn', ...args]);
  if (code === 2) throw new Error(`aimeos-sync ${args.join(' ')} failed (exit ${code})`);
  return code;
}

async function run(): Promise<void> {
  heading('1. demo databases');
  await recreateDatabase(shopUrl);
  await runSqlFile(shopUrl, path.join(root, 'fixtures/aimeos/schema.sql'));
  await runSqlFile(shopUrl, path.join(root, 'fixtures/aimeos/seed.sql'));
  await recreateDatabase(erpUrl);
  await runSqlFile(erpUrl, path.join(root, 'fixtures/erp/schema.sql'));
  process.stdout.write(`shop: Aimeos schema + seed loaded\nerp:  demo ERP schema created\n`);

  // The shipped config reads these two variables; the demo points them at its own databases.
  process.env.SHOP_DB_URL = shopUrl;
  process.env.ERP_DB_URL = erpUrl;

  heading('2. engine tables');
  await cli('migrate');
  heading('3. validate mappings against the live schemas');
  await cli('validate');
  heading('4. initial load');
  await cli('sync', '--once');

  heading('5. a shop admin edits two products and a customer');
  const shop = dialectFor('mysql').createKysely(shopUrl, { poolSize: 1, applicationName: 'aimeos-sync-demo' });
  const erp = dialectFor('postgres').createKysely(erpUrl, { poolSize: 1, applicationName: 'aimeos-sync-demo' });
  try {
    await sql`UPDATE mshop_product SET label = CONCAT(label, ' (new)'), mtime = UTC_TIMESTAMP(), editor = 'demo' WHERE id IN (1, 2)`.execute(shop);
    await sql`UPDATE mshop_customer SET city = 'Hamburg', mtime = UTC_TIMESTAMP(), editor = 'demo' WHERE id = 1`.execute(shop);
    await cli('sync', '--once');

    heading('6. nothing changed: nothing is written');
    await cli('sync', '--once');

    heading('7. what the ERP now holds');
    for (const table of ['erp_item', 'erp_customer', 'erp_sales_order']) {
      const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table)}`.execute(erp);
      process.stdout.write(`${table}: ${rows[0]?.n} rows\n`);
    }
    const { rows } = await sql<Record<string, unknown>>`SELECT shop_id, sku, name, status FROM erp_item ORDER BY shop_id LIMIT 3`.execute(erp);
    console.table(rows);
  } finally {
    await shop.destroy();
    await erp.destroy();
  }

  heading('8. status');
  await cli('status');
}

run().then(
  () => process.stdout.write('\nDemo finished. Try: npx aimeos-sync status --json (with SHOP_DB_URL/ERP_DB_URL set as above)\n'),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
