import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseKind } from '../../src/config/load-config.js';
import type { RunFigures } from '../../src/state/stream-store.js';
import type { PassResult } from '../../src/sync/sync-job.js';
import { utcText } from '../support/fixtures.js';
import { identityMap, rejectedRows, sqlTypes } from '../support/state-rows.js';
import { SyncHarness } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';

const PAIRS: readonly (readonly [DatabaseKind, DatabaseKind])[] = [
  ['mysql', 'postgres'],
  ['postgres', 'mysql'],
];

const capture = { mode: 'timestamp', column: 'mtime' };

/** The target generates customer ids; existing customers are adopted by e-mail on the first sync. */
const customersMapping = {
  name: 'customers',
  source: { endpoint: 'source', table: 'c_customer', key: ['id'], capture },
  target: { endpoint: 'target', table: 'customer', identity: { column: 'id', match: ['email'] } },
  columns: { email: 'email', name: 'name' },
};

/** Orders take their partner id from the customers mapping's identity map; drafts are not synced. */
const ordersMapping = {
  name: 'orders',
  source: { endpoint: 'source', table: 'c_order', key: ['id'], where: "status <> 'draft'", capture },
  target: { endpoint: 'target', table: 'sales_order', identity: { column: 'id' } },
  columns: {
    partner_id: { column: 'customer_id', lookup: { mapping: 'customers', return: 'id' } },
    status: 'status',
    total: 'total',
  },
};

/** Order lines: children of the order document, their FK looked up through the orders mapping. */
const linesMapping = {
  name: 'lines',
  source: { endpoint: 'source', table: 'c_line', key: ['id'], capture },
  target: { endpoint: 'target', table: 'sales_order_line', key: ['line_id'] },
  parent: { mapping: 'orders', column: 'order_id' },
  columns: { line_id: 'id', sales_order_id: { column: 'order_id', lookup: 'orders' }, sku: 'sku', qty: 'qty' },
};

/** Another column of the customer's target row (not its id), found through the identity map. */
const invoicesMapping = {
  name: 'invoices',
  source: { endpoint: 'source', table: 'c_invoice', key: ['id'], capture },
  target: { endpoint: 'target', table: 'invoice', key: ['invoice_id'] },
  columns: { invoice_id: 'id', customer_email: { column: 'customer_id', lookup: { mapping: 'customers', return: 'email' } } },
};

describe.each(PAIRS)('identity map and documents, %s → %s', (sourceKind, targetKind) => {
  let source: TestDatabase;
  let target: TestDatabase;
  let harness: SyncHarness;
  /** Target customer ids by e-mail and name, as seeded. */
  const seeded: Record<string, string> = {};

  const sync = async (): Promise<Record<string, RunFigures>> => {
    const results: PassResult[] = await harness.syncOnce();
    return Object.fromEntries(results.map((result) => [result.mapping, result.figures]));
  };

  beforeAll(async () => {
    source = await createTestDatabase(sourceKind, 'idd_src');
    target = await createTestDatabase(targetKind, 'idd_tgt');
    const s = sqlTypes(sourceKind);
    const t = sqlTypes(targetKind);
    for (const ddl of [
      `CREATE TABLE c_customer (id integer PRIMARY KEY, email varchar(255) NOT NULL, name varchar(255) NOT NULL, mtime ${s.datetime} NOT NULL)`,
      `CREATE TABLE c_order (id integer PRIMARY KEY, customer_id integer NOT NULL, status varchar(16) NOT NULL, total decimal(12,2) NOT NULL, mtime ${s.datetime} NOT NULL)`,
      `CREATE TABLE c_line (id integer PRIMARY KEY, order_id integer NOT NULL, sku varchar(64) NOT NULL, qty integer NOT NULL, mtime ${s.datetime} NOT NULL)`,
      `CREATE TABLE c_invoice (id integer PRIMARY KEY, customer_id integer NOT NULL, mtime ${s.datetime} NOT NULL)`,
    ]) {
      await sql.raw(ddl).execute(source.db);
    }
    for (const ddl of [
      // No unique index on email: the ERP already holds a duplicate.
      `CREATE TABLE customer (id ${t.autoId} PRIMARY KEY, email varchar(255) NOT NULL, name varchar(255) NOT NULL)`,
      `CREATE TABLE sales_order (id ${t.autoId} PRIMARY KEY, partner_id integer NOT NULL REFERENCES customer (id), status varchar(16) NOT NULL, total decimal(12,2) NOT NULL)`,
      `CREATE TABLE sales_order_line (line_id integer PRIMARY KEY, sales_order_id integer NOT NULL REFERENCES sales_order (id), sku varchar(64) NOT NULL, qty integer NOT NULL)`,
      'CREATE TABLE invoice (invoice_id integer PRIMARY KEY, customer_email varchar(255) NOT NULL)',
    ]) {
      await sql.raw(ddl).execute(target.db);
    }
    for (const [email, name] of [
      ['ann@example.com', 'Ann (ERP)'],
      ['other@example.com', 'Only in the ERP'],
      ['dup@example.com', 'Dup A'],
      ['dup@example.com', 'Dup B'],
    ] as const) {
      await target.db.insertInto('customer').values({ email, name }).execute();
    }
    for (const row of await target.db.selectFrom('customer').select(['id', 'name']).execute()) seeded[String(row.name)] = String(row.id);
    harness = await SyncHarness.create({ source, target, mappings: [linesMapping, ordersMapping, customersMapping, invoicesMapping] });
    await harness.migrate();
  });

  afterAll(async () => {
    await harness?.dispose();
    await source?.drop();
    await target?.drop();
  });

  it('adopts the one matching target row, inserts the new one, rejects the ambiguous one, and updates through the identity map', async () => {
    const mtime = utcText(-120);
    await source.db
      .insertInto('c_customer')
      .values([
        { id: 1, email: 'ann@example.com', name: 'Ann', mtime },
        { id: 2, email: 'new@example.com', name: 'Neu', mtime },
        { id: 3, email: 'dup@example.com', name: 'Dup', mtime },
      ])
      .execute();

    const first = await sync();
    // Ann is adopted (and her name updated), Neu inserted, Dup matches two rows: rejected, not guessed.
    expect(first.customers).toEqual({ read: 3, inserted: 1, updated: 1, unchanged: 0, rejected: 1, adopted: 1 });
    const customers = await customerRows(target);
    expect(customers).toHaveLength(5);
    const neuId = customers.find((row) => row.email === 'new@example.com')!.id;
    expect(customers).toEqual(
      [
        { id: seeded['Ann (ERP)'], email: 'ann@example.com', name: 'Ann' },
        { id: seeded['Only in the ERP'], email: 'other@example.com', name: 'Only in the ERP' },
        { id: seeded['Dup A'], email: 'dup@example.com', name: 'Dup A' },
        { id: seeded['Dup B'], email: 'dup@example.com', name: 'Dup B' },
        { id: neuId, email: 'new@example.com', name: 'Neu' },
      ].sort((a, b) => Number(a.id) - Number(b.id)),
    );
    expect(Object.values(seeded)).not.toContain(neuId);
    expect(await identityMap(target.db, 'customers')).toEqual({ '["1"]': seeded['Ann (ERP)'], '["2"]': neuId });
    const [ambiguous, ...others] = await rejectedRows(target.db, 'customers');
    expect(others).toEqual([]);
    expect(ambiguous).toMatchObject({ row_key: '["3"]', waiting: false });
    expect(ambiguous!.reason).toContain('ambiguous');
    expect(ambiguous!.reason).toBe(
      `ambiguous: 2 target rows match email (id ${[seeded['Dup A'], seeded['Dup B']].join(', ')}); resolve in the target, nothing was guessed`,
    );

    // A later change goes to the same target row; nothing is adopted or inserted twice.
    await source.db.updateTable('c_customer').set({ name: 'Ann Again', mtime: utcText(-60) }).where('id', '=', 1).execute();
    const second = await sync();
    expect(second.customers).toEqual({ read: 3, inserted: 0, updated: 1, unchanged: 1, rejected: 1, adopted: 0 });
    const after = await customerRows(target);
    expect(after).toHaveLength(5);
    expect(after.find((row) => row.id === seeded['Ann (ERP)'])).toEqual({ id: seeded['Ann (ERP)'], email: 'ann@example.com', name: 'Ann Again' });
    expect(await identityMap(target.db, 'customers')).toEqual({ '["1"]': seeded['Ann (ERP)'], '["2"]': neuId });
  });

  it('gives an order the partner id of a customer synced in the same cycle, and applies its lines in the same sync', async () => {
    const mtime = utcText(-120);
    await source.db.insertInto('c_customer').values({ id: 4, email: 'eve@example.com', name: 'Eve', mtime }).execute();
    await source.db
      .insertInto('c_order')
      .values([
        { id: 10, customer_id: 4, status: 'paid', total: '30.00', mtime },
        { id: 11, customer_id: 1, status: 'paid', total: '11.00', mtime },
        // Customer 3 is ambiguous in the target: the order waits for it.
        { id: 12, customer_id: 3, status: 'paid', total: '12.00', mtime },
      ])
      .execute();
    await source.db
      .insertInto('c_line')
      .values([
        { id: 100, order_id: 10, sku: 'A', qty: 1, mtime },
        { id: 101, order_id: 10, sku: 'B', qty: 2, mtime },
        { id: 102, order_id: 11, sku: 'C', qty: 3, mtime },
        { id: 120, order_id: 12, sku: 'D', qty: 4, mtime },
      ])
      .execute();
    // Its only customer is not mapped yet: a batch in which no lookup value is found must wait, not fail.
    await source.db.insertInto('c_invoice').values({ id: 1, customer_id: 3, mtime }).execute();

    const figures = await sync();
    expect(figures.customers).toMatchObject({ inserted: 1, rejected: 1 });
    const customerIds = await identityMap(target.db, 'customers');
    const eveId = customerIds['["4"]'];
    expect(eveId).toBeDefined();
    expect(figures.orders).toMatchObject({ read: 3, inserted: 2, rejected: 1 });
    const orderIds = await identityMap(target.db, 'orders');
    expect(Object.keys(orderIds).sort()).toEqual(['["10"]', '["11"]']);
    expect(await orderRows(target)).toEqual(
      [
        { id: orderIds['["10"]'], partner_id: eveId, total: '30.00' },
        { id: orderIds['["11"]'], partner_id: seeded['Ann (ERP)'], total: '11.00' },
      ].sort((a, b) => Number(a.id) - Number(b.id)),
    );
    // The lines were written inside the orders' batch, so the lines pass finds them unchanged
    // (its read and rejected figures also count the retry of the waiting line).
    expect(figures.lines).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });
    expect(await lineRows(target)).toEqual([
      [100, orderIds['["10"]'], 'A'],
      [101, orderIds['["10"]'], 'B'],
      [102, orderIds['["11"]'], 'C'],
    ]);
    expect(await rejectedRows(target.db, 'orders')).toMatchObject([
      { row_key: '["12"]', reason: 'column partner_id: lookup found no match for 3', waiting: true },
    ]);
    expect(await rejectedRows(target.db, 'lines')).toMatchObject([
      { row_key: '["120"]', reason: 'column sales_order_id: lookup found no match for 12', waiting: true },
    ]);
    expect(figures.invoices).toMatchObject({ inserted: 0, rejected: 1 });
    expect(await rejectedRows(target.db, 'invoices')).toMatchObject([
      { row_key: '["1"]', reason: 'column customer_email: lookup found no match for 3', waiting: true },
    ]);
    expect(await target.db.selectFrom('invoice').selectAll().execute()).toEqual([]);

    // Resolve the duplicate in the target: the customer is adopted, then the waiting order and its line follow.
    await target.db.deleteFrom('customer').where('id', '=', Number(seeded['Dup B'])).execute();
    const resolved = await sync();
    expect(resolved.customers).toMatchObject({ adopted: 1, rejected: 0 });
    expect((await identityMap(target.db, 'customers'))['["3"]']).toBe(seeded['Dup A']);
    expect(resolved.orders).toMatchObject({ inserted: 1, rejected: 0 });
    const order12 = (await identityMap(target.db, 'orders'))['["12"]'];
    expect(order12).toBeDefined();
    expect((await orderRows(target)).find((row) => row.id === order12)).toEqual({ id: order12, partner_id: seeded['Dup A'], total: '12.00' });
    expect((await lineRows(target)).find(([id]) => id === 120)).toEqual([120, order12, 'D']);
    expect(resolved.invoices).toMatchObject({ inserted: 1, rejected: 0 });
    expect(await target.db.selectFrom('invoice').select(['invoice_id', 'customer_email']).execute()).toEqual([
      { invoice_id: 1, customer_email: 'dup@example.com' },
    ]);
    expect(await rejectedRows(target.db)).toEqual([]);
  });

  it('keeps a line whose order is not synced yet waiting, never written with a NULL or wrong FK, and applies it once the order arrives', async () => {
    const mtime = utcText(-120);
    await source.db
      .insertInto('c_order')
      .values([
        { id: 20, customer_id: 1, status: 'draft', total: '20.00', mtime },
        { id: 21, customer_id: 2, status: 'paid', total: '21.00', mtime },
      ])
      .execute();
    await source.db
      .insertInto('c_line')
      .values([
        { id: 200, order_id: 20, sku: 'E', qty: 5, mtime },
        { id: 210, order_id: 21, sku: 'F', qty: 6, mtime },
      ])
      .execute();

    await sync();
    const orderIds = await identityMap(target.db, 'orders');
    expect(orderIds['["20"]']).toBeUndefined();
    expect((await lineRows(target)).find(([id]) => id === 210)).toEqual([210, orderIds['["21"]'], 'F']);
    expect((await lineRows(target)).find(([id]) => id === 200)).toBeUndefined();
    const [waiting, ...more] = await rejectedRows(target.db, 'lines');
    expect(more).toEqual([]);
    expect(waiting).toMatchObject({ row_key: '["200"]', reason: 'column sales_order_id: lookup found no match for 20', waiting: true });

    // Still no order: retried at the start of the pass, still waiting, still not written.
    const idle = await sync();
    expect(idle.lines).toMatchObject({ inserted: 0, updated: 0 });
    const [stillWaiting] = await rejectedRows(target.db, 'lines');
    expect(stillWaiting).toMatchObject({ row_key: '["200"]', waiting: true });
    expect(stillWaiting!.attempts).toBeGreaterThan(waiting!.attempts);
    expect((await lineRows(target)).find(([id]) => id === 200)).toBeUndefined();

    // The order passes the filter now: it is inserted and its waiting line follows in the same transaction.
    await source.db.updateTable('c_order').set({ status: 'paid', mtime: utcText(-60) }).where('id', '=', 20).execute();
    const arrived = await sync();
    expect(arrived.orders).toMatchObject({ inserted: 1, rejected: 0 });
    const order20 = (await identityMap(target.db, 'orders'))['["20"]'];
    expect(order20).toBeDefined();
    expect((await orderRows(target)).find((row) => row.id === order20)).toEqual({ id: order20, partner_id: seeded['Ann (ERP)'], total: '20.00' });
    expect((await lineRows(target)).find(([id]) => id === 200)).toEqual([200, order20, 'E']);
    expect(arrived.lines).toMatchObject({ inserted: 0, rejected: 0 });
    expect(await rejectedRows(target.db)).toEqual([]);

    // Every line points at the order its source line belongs to.
    const ids = await identityMap(target.db, 'orders');
    const sourceLines = await source.db.selectFrom('c_line').select(['id', 'order_id']).orderBy('id').execute();
    expect((await lineRows(target)).map(([id, orderId]) => [id, orderId])).toEqual(
      sourceLines.map((row) => [Number(row.id), ids[JSON.stringify([String(row.order_id)])]]),
    );
  });
});

async function customerRows(target: TestDatabase) {
  const rows = await target.db.selectFrom('customer').select(['id', 'email', 'name']).orderBy('id').execute();
  return rows.map((row) => ({ id: String(row.id), email: String(row.email), name: String(row.name) }));
}

async function orderRows(target: TestDatabase) {
  const rows = await target.db.selectFrom('sales_order').select(['id', 'partner_id', 'total']).orderBy('id').execute();
  return rows.map((row) => ({ id: String(row.id), partner_id: String(row.partner_id), total: String(row.total) }));
}

async function lineRows(target: TestDatabase): Promise<[number, string, string][]> {
  const rows = await target.db.selectFrom('sales_order_line').select(['line_id', 'sales_order_id', 'sku']).orderBy('line_id').execute();
  return rows.map((row) => [Number(row.line_id), String(row.sales_order_id), String(row.sku)]);
}

describe.each(PAIRS)('mappings of one level writing engine state concurrently, %s → %s', (sourceKind, targetKind) => {
  let source: TestDatabase;
  let target: TestDatabase;
  let harness: SyncHarness;
  const ROWS = 300;

  /** Two identity mappings and two mappings that reject every other row: all four run at once. */
  const concurrent = (name: string, identity: boolean) => ({
    name,
    source: { endpoint: 'source', table: 'k_src', key: ['id'], capture },
    target: identity ? { endpoint: 'target', table: `k_${name}`, identity: { column: 'id' } } : { endpoint: 'target', table: `k_${name}`, key: ['id'] },
    columns: identity ? { v: 'v' } : { id: 'id', v: { column: 'v', type: 'bool' } },
  });

  beforeAll(async () => {
    source = await createTestDatabase(sourceKind, 'kc_src');
    target = await createTestDatabase(targetKind, 'kc_tgt');
    const t = sqlTypes(targetKind);
    await sql.raw(`CREATE TABLE k_src (id integer PRIMARY KEY, v smallint NOT NULL, mtime ${sqlTypes(sourceKind).datetime} NOT NULL)`).execute(source.db);
    for (const name of ['ident_a', 'ident_b']) await sql.raw(`CREATE TABLE k_${name} (id ${t.autoId} PRIMARY KEY, v integer NOT NULL)`).execute(target.db);
    for (const name of ['flag_a', 'flag_b']) await sql.raw(`CREATE TABLE k_${name} (id integer PRIMARY KEY, v ${t.bool} NOT NULL)`).execute(target.db);
    harness = await SyncHarness.create({
      source,
      target,
      mappings: [concurrent('ident_a', true), concurrent('ident_b', true), concurrent('flag_a', false), concurrent('flag_b', false)],
      sync: { batchSize: 10, concurrency: 4 },
    });
    await harness.migrate();
  });

  afterAll(async () => {
    await harness?.dispose();
    await source?.drop();
    await target?.drop();
  });

  it('records identities and rejected rows of concurrent batches without deadlocking each other', async () => {
    const mtime = utcText(-120);
    await source.db
      .insertInto('k_src')
      .values(Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, v: i % 2 === 0 ? 1 : 2, mtime })))
      .execute();
    // Initial load, then two passes re-reading everything through the overlap window.
    for (let pass = 0; pass < 3; pass++) {
      const results = await harness.syncOnce();
      expect(results.map((result) => result.mapping).sort()).toEqual(['flag_a', 'flag_b', 'ident_a', 'ident_b']);
    }
    for (const name of ['ident_a', 'ident_b']) {
      expect(Object.keys(await identityMap(target.db, name))).toHaveLength(ROWS);
      const counted = await target.db.selectFrom(`k_${name}`).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      expect(Number(counted.n)).toBe(ROWS);
    }
    for (const name of ['flag_a', 'flag_b']) {
      const rejected = await rejectedRows(target.db, name);
      expect(rejected).toHaveLength(ROWS / 2);
      expect(rejected.every((entry) => entry.reason === 'column v: value "2" is not a boolean (only 0 and 1 are)')).toBe(true);
      const counted = await target.db.selectFrom(`k_${name}`).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      expect(Number(counted.n)).toBe(ROWS / 2);
    }
  });
});
