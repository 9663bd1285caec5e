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
  await runSqlFile(erpUrl, path.join(root, 'fixtures/erp/seed.sql'));
  process.stdout.write(`shop: Aimeos schema + seed loaded (20 products, 10 customers, 5 orders)\n`);
  process.stdout.write(`erp:  demo ERP schema, 2 partners that already exist, warehouse stock\n`);

  // The shipped config reads these two variables; the demo points them at its own databases.
  process.env.SHOP_DB_URL = shopUrl;
  process.env.ERP_DB_URL = erpUrl;

  heading('2. engine tables (in every database a mapping writes to)');
  await cli('migrate');
  heading('3. validate mappings against the live schemas');
  await cli('validate');
  heading('4. first cycle: initial load both ways');
  await cli('sync', '--once');
  heading('5. second cycle: a fixed point, nothing is written');
  await cli('sync', '--once');

  const shop = dialectFor('mysql').createKysely(shopUrl, { poolSize: 1, applicationName: 'aimeos-sync-demo' });
  const erp = dialectFor('postgres').createKysely(erpUrl, { poolSize: 1, applicationName: 'aimeos-sync-demo' });
  try {
    heading('6. the shop edits a product, the ERP ships order 3, invoices it and counts stock');
    await sql`UPDATE mshop_product SET label = 'Espresso Classico 500g (new blend)', mtime = UTC_TIMESTAMP(), editor = 'demo' WHERE id = 1`.execute(shop);
    await sql`UPDATE mshop_text SET content = 'Espresso Classico 500g (new blend)', mtime = UTC_TIMESTAMP() WHERE id = 1`.execute(shop);
    await sql`UPDATE mshop_product_list SET mtime = UTC_TIMESTAMP() WHERE parentid = 1 AND domain = 'text'`.execute(shop);
    await sql`UPDATE erp_sales_order SET delivery_state = 'shipped', invoice_no = 'RE-2026-0003' WHERE shop_order_id = 3`.execute(erp);
    await sql`UPDATE erp_stock SET quantity = 0 WHERE sku = 'CF-1001'`.execute(erp);
    await cli('sync', '--once');

    heading('7. what both sides now hold');
    const { rows: partners } = await sql<Record<string, unknown>>`SELECT id, email, display_name, credit_limit FROM erp_partner ORDER BY id LIMIT 4`.execute(erp);
    process.stdout.write('ERP partners (10001 and 10002 existed before and were adopted, not duplicated):\n');
    console.table(partners);
    const { rows: orders } = await sql<Record<string, unknown>>`
      SELECT o.shop_order_id, o.partner_id, o.payment_state, o.delivery_state, o.invoice_no, count(l.id)::int AS lines
        FROM erp_sales_order o LEFT JOIN erp_sales_order_line l ON l.sales_order_id = o.id
       GROUP BY o.id ORDER BY o.shop_order_id`.execute(erp);
    process.stdout.write('ERP sales orders with their lines:\n');
    console.table(orders);
    const { rows: shopOrders } = await sql<Record<string, unknown>>`SELECT id, statuspayment, statusdelivery, invoiceno, editor FROM mshop_order ORDER BY id`.execute(shop);
    process.stdout.write('Aimeos orders (order 3: dispatched and invoiced by the ERP):\n');
    console.table(shopOrders);
    const { rows: stock } = await sql<Record<string, unknown>>`
      SELECT s.prodid, p.code, s.stocklevel, p.instock, s.editor FROM mshop_stock s JOIN mshop_product p ON p.id = s.prodid
       WHERE p.code IN ('CF-1001', 'CF-1002', 'CF-1003', 'AC-3001', 'AC-3004') ORDER BY p.code`.execute(shop);
    process.stdout.write('Aimeos stock from the ERP (instock follows the level; NULL = unlimited):\n');
    console.table(stock);
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
