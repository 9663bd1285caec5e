import { sql } from 'kysely';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTimestamps } from '../../src/capture/cursor.js';
import type { DatabaseKind } from '../../src/config/load-config.js';
import { pollUntil } from '../support/cli-process.js';
import { createSourceItems, createTargetItems, insertItems, itemMapping, makeItems, utcText } from '../support/fixtures.js';
import { SyncHarness } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';

const SECOND_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

// Each source kind with and without an index on the capture column: polls then walk in
// (mtime, key) order, or in key order over the changed rows (one scan per pass).
const PAIRS_BY_SOURCE: readonly (readonly [DatabaseKind, DatabaseKind, 'indexed' | 'unindexed'])[] = [
  ['mysql', 'postgres', 'indexed'],
  ['postgres', 'mysql', 'indexed'],
  ['mysql', 'postgres', 'unindexed'],
  ['postgres', 'mysql', 'unindexed'],
];

describe.each(PAIRS_BY_SOURCE)('capture correctness, %s source → %s target, %s mtime', (sourceKind, targetKind, indexing) => {
  let source: TestDatabase;
  let target: TestDatabase;
  const harnesses: SyncHarness[] = [];

  beforeAll(async () => {
    source = await createTestDatabase(sourceKind, 'cap_src');
    target = await createTestDatabase(targetKind, 'cap_tgt');
  });

  afterAll(async () => {
    for (const harness of harnesses) await harness.dispose();
    await source?.drop();
    await target?.drop();
  });

  /** Own source table, target table and mapping name per test; one migrated harness. */
  async function setup(name: string, sync: Record<string, unknown>): Promise<SyncHarness> {
    await createSourceItems(source.db, sourceKind, `src_${name}`, { mtimeIndex: indexing === 'indexed' });
    await createTargetItems(target.db, targetKind, { table: `tgt_${name}` });
    const harness = await SyncHarness.create({
      source,
      target,
      mappings: [itemMapping({ name, sourceTable: `src_${name}`, targetTable: `tgt_${name}` })],
      sync,
    });
    harnesses.push(harness);
    await harness.migrate();
    return harness;
  }

  async function checkpointOf(name: string): Promise<{ ts: string | null; key: string | null }> {
    const row = await target.db.selectFrom('aimeos_sync_streams').select(['cursor_ts', 'cursor_key']).where('mapping', '=', name).executeTakeFirst();
    expect(row, `checkpoint row for ${name}`).toBeDefined();
    return { ts: row!.cursor_ts as string | null, key: row!.cursor_key as string | null };
  }

  async function targetIds(name: string): Promise<number[]> {
    const rows = await target.db.selectFrom(`tgt_${name}`).select('shop_id').orderBy('shop_id').execute();
    return rows.map((row) => Number(row.shop_id));
  }

  it('pages 5,000 rows sharing one mtime through 100-row batches: each row written exactly once', async () => {
    const harness = await setup('same_ts', { batchSize: 100 });
    await insertItems(source.db, makeItems(5000, utcText(-120)), 'src_same_ts');

    const [first] = await harness.syncOnce();
    expect(first!.figures).toMatchObject({ read: 5000, inserted: 5000, updated: 0, rejected: 0 });
    // 50 full batches; a boundary inside one timestamp must neither skip nor repeat a key.
    expect(first!.batches).toBe(50);

    const counts = await target.db
      .selectFrom('tgt_same_ts')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.count('shop_id').distinct().as('keys'), eb.fn.sum('writes').as('writes')])
      .executeTakeFirstOrThrow();
    expect(Number(counts.n)).toBe(5000);
    expect(Number(counts.keys)).toBe(5000);
    // The trigger counts UPDATEs: 0 means no row was written twice.
    expect(Number(counts.writes)).toBe(0);
    expect(await targetIds('same_ts')).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));

    const [second] = await harness.syncOnce();
    expect(second!.figures).toMatchObject({ inserted: 0, updated: 0, rejected: 0 });
  });

  it('holds the checkpoint below a transaction still open on the source, then delivers its late commit', async () => {
    const harness = await setup('open_trx', { overlap: 0, lag: 0 });
    const raw = await openRawSession(sourceKind, source.url);
    let row1Mtime: string;
    try {
      await raw.begin();
      row1Mtime = await raw.insertRowOneAtCurrentSecond('src_open_trx');
      expect(row1Mtime).toMatch(SECOND_TEXT);
      await raw.waitUntilListedAsOpen(source);

      // Newer rows, committed while row 1 is still in flight.
      await insertItems(source.db, makeItems(9, utcText(5), 2), 'src_open_trx');
      // Let the database clock pass row 1's second: a mark taken from the clock alone would then
      // be above row 1, and this test would fail if the reader ignored open transactions.
      await pollUntil('the source clock to pass row 1 mtime', async () =>
        compareTimestamps(await sourceClock(source), row1Mtime) > 0 ? true : undefined,
      );

      const [first] = await harness.syncOnce();
      expect(first!.openTransactionsVisible).toBe(true);
      expect(first!.figures).toMatchObject({ inserted: 9, rejected: 0 });
      expect(await targetIds('open_trx')).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);

      const checkpoint = await checkpointOf('open_trx');
      expect(checkpoint.ts).toMatch(SECOND_TEXT);
      expect(compareTimestamps(checkpoint.ts!, row1Mtime), `checkpoint ${checkpoint.ts} must not pass row 1 mtime ${row1Mtime}`).toBeLessThanOrEqual(0);

      await raw.commit();
    } finally {
      await raw.close();
    }

    const [second] = await harness.syncOnce();
    expect(second!.figures.inserted).toBe(1);
    expect(await targetIds('open_trx')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const delivered = await target.db.selectFrom('tgt_open_trx').select(['sku', 'name']).where('shop_id', '=', 1).executeTakeFirstOrThrow();
    expect(delivered).toEqual({ sku: 'SKU-1', name: 'Item 1' });
  });

  it('re-reads the overlap window: a late commit stamped before the checkpoint is still delivered', async () => {
    const harness = await setup('overlap', { overlap: 300, lag: 0 });
    await insertItems(source.db, makeItems(5, utcText(-20)), 'src_overlap');
    const [first] = await harness.syncOnce();
    expect(first!.figures.inserted).toBe(5);

    // Aimeos stamps mtime at request start: this row commits now but carries a time 100 s ago,
    // already behind the checkpoint.
    const lateMtime = utcText(-100);
    const before = await checkpointOf('overlap');
    expect(compareTimestamps(before.ts!, lateMtime)).toBeGreaterThan(0);
    await insertItems(source.db, makeItems(1, lateMtime, 100), 'src_overlap');

    const [second] = await harness.syncOnce();
    expect(second!.figures).toMatchObject({ inserted: 1, updated: 0 });
    expect(await targetIds('overlap')).toEqual([1, 2, 3, 4, 5, 100]);
    const late = await target.db.selectFrom('tgt_overlap').select(['sku', 'writes']).where('shop_id', '=', 100).executeTakeFirstOrThrow();
    expect(late).toEqual({ sku: 'SKU-100', writes: 0 });
  });

  it('never moves the checkpoint backwards, not even when a larger lag puts the mark behind it', async () => {
    const harness = await setup('monotonic', { overlap: 300, lag: 0 });
    await insertItems(source.db, makeItems(20, utcText(-30)), 'src_monotonic');
    await harness.syncOnce();
    const first = await checkpointOf('monotonic');
    expect(first.ts).toMatch(SECOND_TEXT);

    await harness.syncOnce();
    const second = await checkpointOf('monotonic');
    expect(second.ts).toMatch(SECOND_TEXT);
    expect(second.ts! >= first.ts!).toBe(true);

    // Same mapping and state, but a lag of 10 minutes: this pass's mark lies before the checkpoint.
    const lagging = await SyncHarness.create({
      source,
      target,
      mappings: [itemMapping({ name: 'monotonic', sourceTable: 'src_monotonic', targetTable: 'tgt_monotonic' })],
      sync: { overlap: 300, lag: 600 },
    });
    harnesses.push(lagging);
    const [third] = await lagging.syncOnce();
    expect(third!.figures).toMatchObject({ read: 20, inserted: 0, updated: 0 });
    const after = await checkpointOf('monotonic');
    expect(after).toEqual(second);
  });
});

interface RawSession {
  begin(): Promise<void>;
  /** Inserts row id=1 stamped with the database's current UTC second; returns that mtime. */
  insertRowOneAtCurrentSecond(table: string): Promise<string>;
  /** Waits until the server lists this session's transaction where the reader looks for it. */
  waitUntilListedAsOpen(source: TestDatabase): Promise<void>;
  commit(): Promise<void>;
  close(): Promise<void>;
}

async function openRawSession(kind: DatabaseKind, url: string): Promise<RawSession> {
  if (kind === 'mysql') {
    const connection = await mysql.createConnection({ uri: url, dateStrings: true });
    return {
      // Starts the InnoDB transaction now, so trx_started is not later than the row's mtime.
      begin: async () => void (await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT')),
      async insertRowOneAtCurrentSecond(table) {
        await connection.query(`INSERT INTO ${table} (id, code, label, price, mtime) VALUES (1, 'SKU-1', 'Item 1', '1.50', UTC_TIMESTAMP())`);
        const [rows] = await connection.query<mysql.RowDataPacket[]>(`SELECT CAST(mtime AS CHAR) AS m FROM ${table} WHERE id = 1`);
        return String(rows[0]!.m);
      },
      async waitUntilListedAsOpen(source) {
        // INNODB_TRX is served from a cache refreshed at most every 0.1 s.
        await pollUntil(
          'the open transaction to appear in INNODB_TRX',
          async () => {
            const { rows } = await sql<{ n: number | string }>`
              SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = ${connection.threadId}`.execute(source.db);
            return Number(rows[0]!.n) > 0 ? true : undefined;
          },
          { intervalMs: 150, timeoutMs: 10_000 },
        );
      },
      commit: async () => void (await connection.query('COMMIT')),
      close: () => connection.end(),
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    begin: async () => void (await client.query('BEGIN')),
    async insertRowOneAtCurrentSecond(table) {
      const { rows } = await client.query<{ m: string }>(
        `INSERT INTO ${table} (id, code, label, price, mtime)
         VALUES (1, 'SKU-1', 'Item 1', '1.50', (now() AT TIME ZONE 'utc')::timestamp(0)) RETURNING mtime::text AS m`,
      );
      return rows[0]!.m;
    },
    async waitUntilListedAsOpen() {
      // pg_stat_activity is read fresh by every statement outside a transaction: nothing to wait for.
    },
    commit: async () => void (await client.query('COMMIT')),
    close: () => client.end(),
  };
}

async function sourceClock(source: TestDatabase): Promise<string> {
  const query =
    source.kind === 'mysql'
      ? sql<{ t: string }>`SELECT CAST(UTC_TIMESTAMP() AS CHAR) AS t`
      : sql<{ t: string }>`SELECT date_trunc('second', clock_timestamp() AT TIME ZONE 'utc')::text AS t`;
  const { rows } = await query.execute(source.db);
  return rows[0]!.t;
}
