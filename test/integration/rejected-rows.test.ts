import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseKind } from '../../src/config/load-config.js';
import type { MappingStatus } from '../../src/sync/sync-job.js';
import { runCli, STACK_FRAME } from '../support/cli-process.js';
import { createSourceItems, insertItems, itemMapping, makeItems, utcText } from '../support/fixtures.js';
import { SyncHarness } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';

/** Source kind → target kind; each target kind refuses the over-long value in its own words. */
const PAIRS: readonly (readonly [DatabaseKind, DatabaseKind])[] = [
  ['postgres', 'mysql'],
  ['mysql', 'postgres'],
];

const REASON: Record<DatabaseKind, RegExp> = {
  // MariaDB strict mode: "Data too long for column 'sku' at row 1"
  mysql: /too long for column .sku./i,
  // PostgreSQL names the type, not the column.
  postgres: /value too long for type character varying\(5\)/,
};

describe.each(PAIRS)('rejected rows, %s source → %s target with sku varchar(5)', (sourceKind, targetKind) => {
  let source: TestDatabase;
  let target: TestDatabase;
  let harness: SyncHarness;

  beforeAll(async () => {
    source = await createTestDatabase(sourceKind, 'rej_src');
    target = await createTestDatabase(targetKind, 'rej_tgt');
    await createSourceItems(source.db, sourceKind);
    await createShortTarget(target);
    harness = await SyncHarness.create({ source, target, mappings: [itemMapping({ targetTable: 'tgt_short' })] });
    await harness.migrate();
  });

  afterAll(async () => {
    await harness?.dispose();
    await source?.drop();
    await target?.drop();
  });

  it('writes the good rows, keeps the refused one with its reason, reports it, and clears it once fixed', async () => {
    if (targetKind === 'mysql') {
      const { rows } = await sql<{ mode: string }>`SELECT @@SESSION.sql_mode AS mode`.execute(target.db);
      expect(rows[0]!.mode, 'the target must run in strict SQL mode').toMatch(/STRICT_(TRANS|ALL)_TABLES/);
    }
    const bad = { ...makeItems(1, utcText(-120), 6)[0]!, code: 'SKU-TOO-LONG' };
    await insertItems(source.db, [...makeItems(5, utcText(-120)), bad, ...makeItems(2, utcText(-120), 7)]);

    const [pass] = await harness.syncOnce();
    expect(pass!.figures).toMatchObject({ inserted: 7, updated: 0, rejected: 1 });
    expect(await targetSkus(target)).toEqual([
      [1, 'SKU-1'],
      [2, 'SKU-2'],
      [3, 'SKU-3'],
      [4, 'SKU-4'],
      [5, 'SKU-5'],
      [7, 'SKU-7'],
      [8, 'SKU-8'],
    ]);

    const [entry, ...others] = await rejectedEntries(target);
    expect(others).toEqual([]);
    expect(entry!.row_key).toContain('6');
    expect(entry!.reason).toMatch(REASON[targetKind]);
    expect(JSON.parse(entry!.row_data)).toMatchObject({ id: 6, code: 'SKU-TOO-LONG' });

    const status = await runCli(harness.configFile, ['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as { mappings: MappingStatus[] };
    expect(report.mappings).toHaveLength(1);
    expect(report.mappings[0]).toMatchObject({ mapping: 'items', rejectedRows: 1, lastRun: { status: 'ok', rejected: 1 } });

    // The overlap window re-reads the refused row: it is refused again and the exit code says so.
    const sync = await runCli(harness.configFile, ['sync', '--once']);
    expect(sync.code, `${sync.stdout}\n${sync.stderr}`).toBe(1);
    expect(sync.stdout).toMatch(/^items: read \d+, inserted 0, updated 0, unchanged 7, rejected 1/m);
    expect(`${sync.stdout}\n${sync.stderr}`).not.toMatch(STACK_FRAME);
    const [again, ...more] = await rejectedEntries(target);
    expect(more).toEqual([]);
    expect(again).toMatchObject({ row_key: entry!.row_key, attempts: 2 });

    // Fix the source row: it is applied and its rejection is gone.
    await source.db.updateTable('src_item').set({ code: 'OK-6', mtime: utcText(-60) }).where('id', '=', 6).execute();
    const [fixed] = await harness.syncOnce();
    expect(fixed!.figures).toMatchObject({ inserted: 1, updated: 0, rejected: 0 });
    expect((await targetSkus(target)).find(([id]) => id === 6)).toEqual([6, 'OK-6']);
    expect(await rejectedEntries(target)).toEqual([]);

    const clean = await runCli(harness.configFile, ['sync', '--once']);
    expect(clean.code, `${clean.stdout}\n${clean.stderr}`).toBe(0);
    const after = JSON.parse((await runCli(harness.configFile, ['status', '--json'])).stdout) as { mappings: MappingStatus[] };
    expect(after.mappings[0]).toMatchObject({ mapping: 'items', rejectedRows: 0 });
  });
});

async function createShortTarget(target: TestDatabase): Promise<void> {
  const mysql = target.kind === 'mysql';
  await sql
    .raw(
      `CREATE TABLE tgt_short (
        shop_id integer NOT NULL PRIMARY KEY,
        sku varchar(5) NOT NULL,
        name varchar(255) NOT NULL,
        price decimal(12,2) NULL,
        attrs ${mysql ? 'JSON' : 'jsonb'} NULL,
        note text NULL,
        shop_mtime ${mysql ? 'DATETIME' : 'timestamp(0)'} NULL
      )`,
    )
    .execute(target.db);
}

async function targetSkus(target: TestDatabase): Promise<[number, string][]> {
  const rows = await target.db.selectFrom('tgt_short').select(['shop_id', 'sku']).orderBy('shop_id').execute();
  return rows.map((row) => [Number(row.shop_id), String(row.sku)]);
}

async function rejectedEntries(target: TestDatabase): Promise<{ row_key: string; reason: string; row_data: string; attempts: number }[]> {
  const rows = await target.db
    .selectFrom('aimeos_sync_rejected_rows')
    .select(['row_key', 'reason', 'row_data', 'attempts'])
    .where('mapping', '=', 'items')
    .orderBy('row_key')
    .execute();
  return rows.map((row) => ({ row_key: String(row.row_key), reason: String(row.reason), row_data: String(row.row_data), attempts: Number(row.attempts) }));
}
