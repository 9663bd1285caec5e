import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseKind } from '../../src/config/load-config.js';
import type { PassResult } from '../../src/sync/sync-job.js';
import { utcText } from '../support/fixtures.js';
import { rejectedRows, rejectionReasons, sqlTypes } from '../support/state-rows.js';
import { SyncHarness } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';

const PAIRS: readonly (readonly [DatabaseKind, DatabaseKind])[] = [
  ['mysql', 'postgres'],
  ['postgres', 'mysql'],
];

const capture = { mode: 'timestamp', column: 'mtime' };

/** Every column rule of the language on one mapping: expr, const, value maps, default, types, insertOnly. */
const itemsMapping = {
  name: 'items',
  source: { endpoint: 'source', table: 'f_item', key: ['id'], capture },
  target: { endpoint: 'target', table: 't_item', key: ['shop_id'] },
  columns: {
    shop_id: 'id',
    sku: { expr: 'UPPER(code)' },
    label: 'label',
    first_label: { column: 'label', insertOnly: true },
    origin: { const: 'shop' },
    status: { column: 'status', map: { '4': 'pending', '5': 'paid' }, unmapped: 'reject' },
    kind: { column: 'kind', map: { '1': 'simple', '2': 'bundle' }, unmapped: 'default', default: 'other' },
    note: { column: 'note', default: '-' },
    price: { column: 'price', type: { decimal: 2 } },
    gross: { expr: 'price * 2', type: { decimal: 2 } },
    active: { column: 'active', type: 'bool' },
    payload: { column: 'payload', type: 'json' },
    happened_utc: { column: 'happened', type: { datetime: { from: 'Europe/Berlin', to: 'UTC' } } },
  },
};

/** The same source prices, rounded on purpose. */
const roundedMapping = {
  name: 'rounded',
  source: { endpoint: 'source', table: 'f_item', key: ['id'], capture },
  target: { endpoint: 'target', table: 't_rounded', key: ['shop_id'] },
  columns: { shop_id: 'id', price: { column: 'price', type: { decimal: 2, round: true } } },
};

/** A source query joining orders to customers; the capture column is the newer of both mtimes. */
const joinedOrdersMapping = {
  name: 'joined_orders',
  source: {
    endpoint: 'source',
    query: 'SELECT o.id, o.total, c.email, GREATEST(o.mtime, c.mtime) AS mtime FROM q_order o JOIN q_customer c ON c.id = o.customer_id',
    key: ['id'],
    where: 'total > 0',
    capture,
  },
  target: { endpoint: 'target', table: 't_order_q', key: ['order_id'] },
  columns: { order_id: 'id', total: 'total', email: 'email', email_lower: { expr: 'LOWER(email)' } },
};

/** ERP stock rows into Aimeos mshop_stock: sku → product id through a table lookup in the target. */
const stockMapping = {
  name: 'stock',
  source: { endpoint: 'source', table: 'erp_stock', key: ['id'], capture },
  target: { endpoint: 'target', table: 'mshop_stock', key: ['prodid', 'type', 'siteid'], aimeos: { siteid: '1.', updateInstock: true } },
  columns: {
    siteid: { const: '1.' },
    prodid: {
      column: 'sku',
      lookup: { endpoint: 'target', table: 'mshop_product', match: 'code', return: 'id', where: "siteid = '1.'" },
      missing: 'reject',
    },
    type: 'warehouse',
    stocklevel: 'qty',
  },
};

/** The same lookup without the site filter (so DUP is ambiguous), and missing: null. */
const skuCheckMapping = {
  name: 'sku_check',
  source: { endpoint: 'source', table: 'erp_stock', key: ['id'], capture },
  target: { endpoint: 'target', table: 't_stock_prod', key: ['stock_id'] },
  columns: {
    stock_id: 'id',
    prodid: { column: 'sku', lookup: { endpoint: 'target', table: 'mshop_product', match: 'code', return: 'id' }, missing: 'null' },
  },
};

const NOT_FIT = (value: string) => `column price: value ${value} does not fit scale 2 without rounding (declare round: true to allow it)`;

describe.each(PAIRS)('mapping features, %s → %s', (sourceKind, targetKind) => {
  let source: TestDatabase;
  let target: TestDatabase;
  let harness: SyncHarness;
  const byName = (results: PassResult[], name: string) => results.find((result) => result.mapping === name)!.figures;

  beforeAll(async () => {
    source = await createTestDatabase(sourceKind, 'mf_src');
    target = await createTestDatabase(targetKind, 'mf_tgt');
    await createSchemas(source, target);
    harness = await SyncHarness.create({
      source,
      target,
      mappings: [itemsMapping, roundedMapping, joinedOrdersMapping, stockMapping, skuCheckMapping],
    });
    await harness.migrate();
  });

  afterAll(async () => {
    await harness?.dispose();
    await source?.drop();
    await target?.drop();
  });

  it('applies expr, const, value maps, defaults and declared types; rejects each bad row with its reason', async () => {
    const mtime = utcText(-120);
    const item = (id: number, values: Record<string, unknown>) => ({
      id,
      code: `c-${id}`,
      label: `Label ${id}`,
      status: 4,
      kind: 1,
      note: `n${id}`,
      price: '1.0000',
      active: 1,
      payload: null,
      happened: null,
      mtime,
      ...values,
    });
    await source.db
      .insertInto('f_item')
      .values([
        item(1, { code: 'ab-1', label: 'Alpha', price: '2.5000', payload: '{"b":1,"a":[2,{"d":null,"c":"x"}]}', happened: '2026-07-01 12:00:00' }),
        // Repeated hour at the end of DST: the earlier instant (CEST) is taken.
        item(2, { status: 5, kind: 7, note: null, price: null, active: 0, happened: '2026-10-25 02:30:00' }),
        item(3, { kind: null, price: '10.1000', active: null, payload: '[1, "two"]', happened: '2026-01-15 12:00:00' }),
        item(4, { status: 9 }),
        item(5, { active: 2 }),
        item(6, { price: '1.0050' }),
        // Skipped hour at the start of DST: no such wall-clock time in Berlin.
        item(7, { happened: '2026-03-29 02:30:00' }),
        item(8, { payload: 'not json' }),
        item(9, { kind: 2, note: '', price: '0.0000', payload: '{"z":{"y":1,"x":2}}', happened: '2026-10-25 03:30:00' }),
        item(10, { price: '-1.0050' }),
      ])
      .execute();

    const first = await harness.syncOnce();
    expect(byName(first, 'items')).toMatchObject({ read: 10, inserted: 4, updated: 0, unchanged: 0, rejected: 6 });
    expect(await itemRows(target)).toEqual([
      {
        shop_id: 1,
        sku: 'AB-1',
        label: 'Alpha',
        first_label: 'Alpha',
        origin: 'shop',
        status: 'pending',
        kind: 'simple',
        note: 'n1',
        price: '2.50',
        gross: '5.00',
        active: true,
        payload: '{"a":[2,{"c":"x","d":null}],"b":1}',
        happened_utc: '2026-07-01 10:00:00',
      },
      {
        shop_id: 2,
        sku: 'C-2',
        label: 'Label 2',
        first_label: 'Label 2',
        origin: 'shop',
        status: 'paid',
        kind: 'other',
        note: '-',
        price: null,
        gross: null,
        active: false,
        payload: null,
        happened_utc: '2026-10-25 00:30:00',
      },
      {
        shop_id: 3,
        sku: 'C-3',
        label: 'Label 3',
        first_label: 'Label 3',
        origin: 'shop',
        status: 'pending',
        kind: 'other',
        note: 'n3',
        price: '10.10',
        gross: '20.20',
        active: null,
        payload: '[1,"two"]',
        happened_utc: '2026-01-15 11:00:00',
      },
      {
        shop_id: 9,
        sku: 'C-9',
        label: 'Label 9',
        first_label: 'Label 9',
        origin: 'shop',
        status: 'pending',
        kind: 'bundle',
        // '' is a value, not NULL: the default does not replace it.
        note: '',
        price: '0.00',
        gross: '0.00',
        active: true,
        payload: '{"z":{"x":2,"y":1}}',
        happened_utc: '2026-10-25 02:30:00',
      },
    ]);
    expect(await rejectionReasons(target.db, 'items')).toEqual({
      '["4"]': 'column status: value 9 is not in the value map',
      '["5"]': 'column active: value "2" is not a boolean (only 0 and 1 are)',
      '["6"]': NOT_FIT('1.005'),
      '["7"]': 'column happened_utc: 2026-03-29 02:30:00 does not exist in Europe/Berlin (skipped by a daylight-saving change)',
      '["8"]': 'column payload: value is not valid JSON: not json',
      '["10"]': NOT_FIT('-1.005'),
    });
    expect((await rejectedRows(target.db, 'items')).every((row) => !row.waiting)).toBe(true);

    // round: true rounds half away from zero instead of rejecting.
    expect(byName(first, 'rounded')).toMatchObject({ read: 10, inserted: 10, rejected: 0 });
    const rounded = await target.db.selectFrom('t_rounded').select(['shop_id', 'price']).orderBy('shop_id').execute();
    expect(rounded.map((row) => [Number(row.shop_id), row.price === null ? null : String(row.price)])).toEqual([
      [1, '2.50'],
      [2, null],
      [3, '10.10'],
      [4, '1.00'],
      [5, '1.00'],
      [6, '1.01'],
      [7, '1.00'],
      [8, '1.00'],
      [9, '0.00'],
      [10, '-1.01'],
    ]);

    // Re-read through the overlap window: no equal value counts as a change; bad rows stay rejected.
    const second = await harness.syncOnce();
    expect(byName(second, 'items')).toMatchObject({ read: 10, inserted: 0, updated: 0, unchanged: 4, rejected: 6 });
    expect(byName(second, 'rounded')).toMatchObject({ read: 10, inserted: 0, updated: 0, unchanged: 10 });
    expect((await rejectedRows(target.db, 'items')).map((row) => row.attempts)).toEqual([2, 2, 2, 2, 2, 2]);

    // insertOnly: set on insert, never updated; fixing a rejected row applies it and clears its entry.
    await source.db.updateTable('f_item').set({ label: 'Alpha renamed', mtime: utcText(-60) }).where('id', '=', 1).execute();
    await source.db.updateTable('f_item').set({ active: 1, mtime: utcText(-60) }).where('id', '=', 5).execute();
    const third = await harness.syncOnce();
    expect(byName(third, 'items')).toMatchObject({ inserted: 1, updated: 1, unchanged: 3, rejected: 5 });
    const after = await itemRows(target);
    expect(after.find((row) => row.shop_id === 1)).toMatchObject({ label: 'Alpha renamed', first_label: 'Alpha' });
    expect(after.find((row) => row.shop_id === 5)).toMatchObject({ label: 'Label 5', first_label: 'Label 5', active: true });
    expect(Object.keys(await rejectionReasons(target.db, 'items')).sort()).toEqual(['["10"]', '["4"]', '["6"]', '["7"]', '["8"]']);
  });

  it('reads a source query with a JOIN and its where, and follows changes on the joined table', async () => {
    const mtime = utcText(-120);
    await source.db
      .insertInto('q_customer')
      .values([
        { id: 1, email: 'Ann@Example.com', mtime },
        { id: 2, email: 'bob@example.com', mtime },
      ])
      .execute();
    await source.db
      .insertInto('q_order')
      .values([
        { id: 1, customer_id: 1, total: '10.00', mtime },
        { id: 2, customer_id: 2, total: '20.50', mtime },
        { id: 3, customer_id: 1, total: '0.00', mtime }, // filtered out by where
        { id: 4, customer_id: 99, total: '5.00', mtime }, // no customer: not in the join
      ])
      .execute();
    const [first] = (await harness.syncOnce()).filter((result) => result.mapping === 'joined_orders');
    expect(first!.figures).toMatchObject({ read: 2, inserted: 2, rejected: 0 });
    expect(await orderRows(target)).toEqual([
      [1, '10.00', 'Ann@Example.com', 'ann@example.com'],
      [2, '20.50', 'bob@example.com', 'bob@example.com'],
    ]);

    await source.db.updateTable('q_customer').set({ email: 'Ann@New.Example', mtime: utcText(-60) }).where('id', '=', 1).execute();
    const [second] = (await harness.syncOnce()).filter((result) => result.mapping === 'joined_orders');
    expect(second!.figures).toMatchObject({ inserted: 0, updated: 1, unchanged: 1, rejected: 0 });
    expect(await orderRows(target)).toEqual([
      [1, '10.00', 'Ann@New.Example', 'ann@new.example'],
      [2, '20.50', 'bob@example.com', 'bob@example.com'],
    ]);
  });

  it('resolves table lookups (sku → product id), rejects or nulls misses, never guesses, and keeps Aimeos stamps and instock', async () => {
    const now = utcText(-300);
    const product = (siteid: string, code: string, instock: number) => ({ siteid, code, instock, mtime: now, ctime: now, editor: 'seed' });
    await target.db
      .insertInto('mshop_product')
      .values([product('1.', 'P-1', 0), product('1.', 'P-2', 1), product('1.', 'P-3', 0), product('1.', 'DUP', 0), product('2.', 'DUP', 0)])
      .execute();
    const ids = Object.fromEntries(
      (await target.db.selectFrom('mshop_product').select(['id', 'code', 'siteid']).execute()).map((row) => [`${String(row.siteid)}${String(row.code)}`, String(row.id)]),
    );
    const mtime = utcText(-120);
    await source.db
      .insertInto('erp_stock')
      .values([
        { id: 1, sku: 'P-1', warehouse: 'default', qty: '5.000', mtime },
        { id: 2, sku: 'P-2', warehouse: 'default', qty: '0.000', mtime },
        { id: 3, sku: 'P-3', warehouse: 'default', qty: null, mtime },
        { id: 4, sku: 'NOPE', warehouse: 'default', qty: '1.000', mtime },
        { id: 5, sku: 'DUP', warehouse: 'default', qty: '7.000', mtime },
      ])
      .execute();

    const first = await harness.syncOnce();
    expect(byName(first, 'stock')).toMatchObject({ read: 5, inserted: 4, rejected: 1 });
    expect(await stockRows(target)).toEqual([
      { prodid: ids['1.P-1'], type: 'default', siteid: '1.', stocklevel: 5, editor: 'aimeos-sync' },
      { prodid: ids['1.P-2'], type: 'default', siteid: '1.', stocklevel: 0, editor: 'aimeos-sync' },
      { prodid: ids['1.P-3'], type: 'default', siteid: '1.', stocklevel: null, editor: 'aimeos-sync' },
      { prodid: ids['1.DUP'], type: 'default', siteid: '1.', stocklevel: 7, editor: 'aimeos-sync' },
    ].sort((a, b) => a.prodid!.localeCompare(b.prodid!)));
    const stamps = await target.db.selectFrom('mshop_stock').select(['mtime', 'ctime']).execute();
    for (const row of stamps) {
      expect(String(row.ctime)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(String(row.mtime)).toBe(String(row.ctime));
    }
    expect(await rejectedRows(target.db, 'stock')).toMatchObject([{ row_key: '["4"]', reason: 'column prodid: lookup found no match for "NOPE"', waiting: false }]);
    // instock: 1 when a stock row is NULL (unlimited) or > 0, else 0; the other site is untouched.
    expect(await instock(target)).toEqual({ '1.P-1': 1, '1.P-2': 0, '1.P-3': 1, '1.DUP': 1, '2.DUP': 0 });

    expect(byName(first, 'sku_check')).toMatchObject({ read: 5, inserted: 4, rejected: 1 });
    const checked = await target.db.selectFrom('t_stock_prod').select(['stock_id', 'prodid']).orderBy('stock_id').execute();
    expect(checked.map((row) => [Number(row.stock_id), row.prodid === null ? null : String(row.prodid)])).toEqual([
      [1, ids['1.P-1']],
      [2, ids['1.P-2']],
      [3, ids['1.P-3']],
      [4, null],
    ]);
    expect(await rejectedRows(target.db, 'sku_check')).toMatchObject([
      { row_key: '["5"]', reason: 'column prodid: lookup is ambiguous for "DUP": several rows match', waiting: false },
    ]);

    // ctime is written on insert only, mtime on every write; unchanged rows are not written at all.
    await target.db.updateTable('mshop_stock').set({ mtime: '2000-01-01 00:00:00', ctime: '2000-01-01 00:00:00' }).execute();
    await source.db.updateTable('erp_stock').set({ qty: '0.000', mtime: utcText(-60) }).where('id', '=', 1).execute();
    const second = await harness.syncOnce();
    expect(byName(second, 'stock')).toMatchObject({ inserted: 0, updated: 1, unchanged: 3, rejected: 1 });
    const rows = await target.db.selectFrom('mshop_stock').select(['prodid', 'stocklevel', 'mtime', 'ctime']).execute();
    for (const row of rows) {
      expect(String(row.ctime)).toBe('2000-01-01 00:00:00');
      if (String(row.prodid) === ids['1.P-1']) {
        expect(Number(row.stocklevel)).toBe(0);
        expect(String(row.mtime)).not.toBe('2000-01-01 00:00:00');
      } else {
        expect(String(row.mtime)).toBe('2000-01-01 00:00:00');
      }
    }
    expect(await instock(target)).toEqual({ '1.P-1': 0, '1.P-2': 0, '1.P-3': 1, '1.DUP': 1, '2.DUP': 0 });
  });
});

describe('NUL in text, mysql → postgres', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let harness: SyncHarness;
  const noteMapping = (name: string, nul: 'strip' | 'reject') => ({
    name,
    source: { endpoint: 'source', table: 'f_note', key: ['id'], capture },
    target: { endpoint: 'target', table: `t_${name}`, key: ['id'] },
    columns: { id: 'id', body: { column: 'body', type: { text: { nul } } } },
  });

  beforeAll(async () => {
    source = await createTestDatabase('mysql', 'nul_src');
    target = await createTestDatabase('postgres', 'nul_tgt');
    await sql`CREATE TABLE f_note (id integer PRIMARY KEY, body text NULL, mtime DATETIME NOT NULL)`.execute(source.db);
    for (const table of ['t_note_strip', 't_note_reject']) {
      await sql`CREATE TABLE ${sql.table(table)} (id integer PRIMARY KEY, body text NULL)`.execute(target.db);
    }
    harness = await SyncHarness.create({ source, target, mappings: [noteMapping('note_strip', 'strip'), noteMapping('note_reject', 'reject')] });
    await harness.migrate();
  });

  afterAll(async () => {
    await harness?.dispose();
    await source?.drop();
    await target?.drop();
  });

  it('strips NUL bytes where declared, rejects the row where not, and writes clean rows either way', async () => {
    const mtime = utcText(-120);
    await source.db
      .insertInto('f_note')
      .values([
        { id: 1, body: 'a\u0000b\u0000', mtime },
        { id: 2, body: 'plain 🚀', mtime },
        { id: 3, body: null, mtime },
      ])
      .execute();
    const results = await harness.syncOnce();
    const figures = Object.fromEntries(results.map((result) => [result.mapping, result.figures]));
    expect(figures.note_strip).toMatchObject({ read: 3, inserted: 3, rejected: 0 });
    expect(figures.note_reject).toMatchObject({ read: 3, inserted: 2, rejected: 1 });
    const bodies = async (table: string) =>
      (await target.db.selectFrom(table).select(['id', 'body']).orderBy('id').execute()).map((row) => [Number(row.id), row.body]);
    expect(await bodies('t_note_strip')).toEqual([
      [1, 'ab'],
      [2, 'plain 🚀'],
      [3, null],
    ]);
    expect(await bodies('t_note_reject')).toEqual([
      [2, 'plain 🚀'],
      [3, null],
    ]);
    expect(await rejectionReasons(target.db, 'note_reject')).toEqual({
      '["1"]': 'column body: text contains NUL bytes, which PostgreSQL cannot store (declare nul: strip to remove them)',
    });
    expect(await rejectedRows(target.db, 'note_strip')).toEqual([]);

    // The stripped value compares equal on the next read: not reported as a change.
    const again = Object.fromEntries((await harness.syncOnce()).map((result) => [result.mapping, result.figures]));
    expect(again.note_strip).toMatchObject({ read: 3, inserted: 0, updated: 0, unchanged: 3 });
    expect(again.note_reject).toMatchObject({ read: 3, inserted: 0, updated: 0, unchanged: 2, rejected: 1 });
  });
});

async function createSchemas(source: TestDatabase, target: TestDatabase): Promise<void> {
  const s = sqlTypes(source.kind);
  const t = sqlTypes(target.kind);
  const run = (db: TestDatabase, text: string) => sql.raw(text).execute(db.db);
  await run(
    source,
    `CREATE TABLE f_item (
      id integer PRIMARY KEY, code varchar(64) NOT NULL, label varchar(255) NOT NULL,
      status smallint NULL, kind smallint NULL, note varchar(255) NULL, price decimal(12,4) NULL,
      active smallint NULL, payload text NULL, happened ${s.datetime} NULL, mtime ${s.datetime} NOT NULL)`,
  );
  await run(source, 'CREATE INDEX f_item_mtime ON f_item (mtime, id)');
  await run(source, `CREATE TABLE q_customer (id integer PRIMARY KEY, email varchar(255) NOT NULL, mtime ${s.datetime} NOT NULL)`);
  await run(source, `CREATE TABLE q_order (id integer PRIMARY KEY, customer_id integer NOT NULL, total decimal(12,2) NOT NULL, mtime ${s.datetime} NOT NULL)`);
  await run(
    source,
    `CREATE TABLE erp_stock (id integer PRIMARY KEY, sku varchar(64) NOT NULL, warehouse varchar(64) NOT NULL, qty decimal(12,3) NULL, mtime ${s.datetime} NOT NULL)`,
  );

  await run(
    target,
    `CREATE TABLE t_item (
      shop_id integer PRIMARY KEY, sku varchar(64) NOT NULL, label varchar(255) NOT NULL, first_label varchar(255) NULL,
      origin varchar(16) NOT NULL, status varchar(16) NULL, kind varchar(16) NULL, note varchar(255) NOT NULL,
      price decimal(12,2) NULL, gross decimal(12,2) NULL, active ${t.bool} NULL, payload ${t.jsonText} NULL,
      happened_utc ${t.datetime} NULL)`,
  );
  await run(target, 'CREATE TABLE t_rounded (shop_id integer PRIMARY KEY, price decimal(12,2) NULL)');
  await run(target, 'CREATE TABLE t_order_q (order_id integer PRIMARY KEY, total decimal(12,2) NOT NULL, email varchar(255) NOT NULL, email_lower varchar(255) NOT NULL)');
  await run(
    target,
    `CREATE TABLE mshop_product (
      id ${t.autoId} PRIMARY KEY, siteid varchar(255) NOT NULL, code varchar(64) NOT NULL, instock smallint NOT NULL DEFAULT 0,
      mtime ${t.datetime} NOT NULL, ctime ${t.datetime} NOT NULL, editor varchar(255) NOT NULL)`,
  );
  await run(target, 'CREATE UNIQUE INDEX unq_mspro_code_sid ON mshop_product (code, siteid)');
  await run(
    target,
    `CREATE TABLE mshop_stock (
      id ${t.autoId} PRIMARY KEY, siteid varchar(255) NOT NULL, prodid varchar(36) NOT NULL, type varchar(64) NOT NULL,
      stocklevel ${t.double} NULL DEFAULT 0, mtime ${t.datetime} NOT NULL, ctime ${t.datetime} NOT NULL, editor varchar(255) NOT NULL)`,
  );
  await run(target, 'CREATE UNIQUE INDEX unq_mssto_pid_ty_sid ON mshop_stock (prodid, type, siteid)');
  await run(target, 'CREATE TABLE t_stock_prod (stock_id integer PRIMARY KEY, prodid integer NULL)');
}

async function itemRows(target: TestDatabase) {
  const rows = await target.db.selectFrom('t_item').selectAll().orderBy('shop_id').execute();
  return rows.map((row) => ({
    shop_id: Number(row.shop_id),
    sku: row.sku,
    label: row.label,
    first_label: row.first_label,
    origin: row.origin,
    status: row.status,
    kind: row.kind,
    note: row.note,
    price: row.price === null ? null : String(row.price),
    gross: row.gross === null ? null : String(row.gross),
    // MySQL tinyint(1) reads back as 0/1, PostgreSQL boolean as false/true.
    active: row.active === null ? null : row.active === true || Number(row.active) === 1,
    payload: row.payload,
    happened_utc: row.happened_utc,
  }));
}

async function orderRows(target: TestDatabase) {
  const rows = await target.db.selectFrom('t_order_q').selectAll().orderBy('order_id').execute();
  return rows.map((row) => [Number(row.order_id), String(row.total), row.email, row.email_lower]);
}

async function stockRows(target: TestDatabase) {
  const rows = await target.db.selectFrom('mshop_stock').select(['prodid', 'type', 'siteid', 'stocklevel', 'editor']).orderBy('prodid').execute();
  return rows.map((row) => ({
    prodid: String(row.prodid),
    type: row.type,
    siteid: row.siteid,
    stocklevel: row.stocklevel === null ? null : Number(row.stocklevel),
    editor: row.editor,
  }));
}

async function instock(target: TestDatabase): Promise<Record<string, number>> {
  const rows = await target.db.selectFrom('mshop_product').select(['siteid', 'code', 'instock']).execute();
  return Object.fromEntries(rows.map((row) => [`${String(row.siteid)}${String(row.code)}`, Number(row.instock)]));
}
