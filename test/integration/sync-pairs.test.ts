import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncHarness } from '../support/sync-harness.js';
import { createSourceItems, createTargetItems, insertItems, itemMapping, makeItems, utcText } from '../support/fixtures.js';
import { createTestDatabase, PAIRS, type TestDatabase } from '../support/test-databases.js';

describe.each(PAIRS)('sync %s → %s', (sourceKind, targetKind) => {
  let source: TestDatabase;
  let target: TestDatabase;
  let harness: SyncHarness;

  beforeAll(async () => {
    source = await createTestDatabase(sourceKind, 'src');
    target = await createTestDatabase(targetKind, 'tgt');
    await createSourceItems(source.db, sourceKind);
    await createTargetItems(target.db, targetKind);
    harness = await SyncHarness.create({ source, target, mappings: [itemMapping()] });
    await harness.migrate();
  });

  afterAll(async () => {
    await harness?.dispose();
    await source?.drop();
    await target?.drop();
  });

  it('loads, updates, and leaves unchanged rows unwritten', async () => {
    await insertItems(source.db, makeItems(250, utcText(-120)));
    const [first] = await harness.syncOnce();
    expect(first).toMatchObject({ figures: { read: 250, inserted: 250, updated: 0, unchanged: 0, rejected: 0 } });

    const loaded = await target.db.selectFrom('tgt_item').selectAll().orderBy('shop_id').execute();
    expect(loaded).toHaveLength(250);
    expect(loaded[1]).toMatchObject({ shop_id: 2, sku: 'SKU-2', name: 'Item 2', erp_only: 'erp-owned', writes: 0 });
    expect(String(loaded[1]!.price)).toBe('2.50');
    expect(JSON.parse(String(loaded[1]!.attrs))).toEqual({ a: [1, { y: null, z: true }], b: 2 });
    // NULL and '' stay distinct; emoji survive.
    expect(loaded[0]!.note).toBeNull();
    expect(loaded[1]!.note).toBe('');
    expect(loaded[2]!.note).toBe('Grüße 🚀');

    // The ERP owns erp_only: the sync must never touch it.
    await target.db.updateTable('tgt_item').set({ erp_only: 'changed-by-erp' }).execute();
    const writesBefore = await totalWrites(target);
    expect(writesBefore).toBe(250);

    const xminBefore = targetKind === 'postgres' ? await xmins(target) : undefined;
    const [second] = await harness.syncOnce();
    // The overlap window re-reads all rows; none differ, so none is written.
    expect(second!.figures).toMatchObject({ read: 250, inserted: 0, updated: 0, unchanged: 250 });
    expect(await totalWrites(target)).toBe(writesBefore);
    if (xminBefore) expect(await xmins(target)).toEqual(xminBefore);

    await source.db.updateTable('src_item').set({ label: 'Renamed', price: '9.99', mtime: utcText(-60) }).where('id', 'in', [5, 6]).execute();
    const [third] = await harness.syncOnce();
    expect(third!.figures).toMatchObject({ updated: 2, inserted: 0 });
    const changed = await target.db.selectFrom('tgt_item').selectAll().where('shop_id', 'in', [5, 6, 7]).orderBy('shop_id').execute();
    expect(changed.map((row) => [row.name, String(row.price), row.writes, row.erp_only])).toEqual([
      ['Renamed', '9.99', 2, 'changed-by-erp'],
      ['Renamed', '9.99', 2, 'changed-by-erp'],
      ['Item 7', '7.50', 1, 'changed-by-erp'],
    ]);
  });
});

async function xmins(db: TestDatabase): Promise<string[]> {
  const { rows } = await sql<{ x: string }>`SELECT xmin::text AS x FROM tgt_item ORDER BY shop_id`.execute(db.db);
  return rows.map((row) => row.x);
}

async function totalWrites(db: TestDatabase): Promise<number> {
  const row = await db.db.selectFrom('tgt_item').select((eb) => eb.fn.sum<string>('writes').as('w')).executeTakeFirst();
  return Number(row?.w);
}
