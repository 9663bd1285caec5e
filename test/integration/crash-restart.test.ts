import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareCursors, compareKeyPart, decodeCursor, type Cursor } from '../../src/capture/cursor.js';
import { CliProcess, pollUntil, runCli, STACK_FRAME } from '../support/cli-process.js';
import { createSourceItems, createTargetItems, insertItems, itemMapping, makeItems, utcText } from '../support/fixtures.js';
import { SyncHarness } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';

const TOTAL = 20_000;

/**
 * The CLI is stopped between batches and started again. The target has no unique index on the
 * key, so only the engine (checkpoint committed with the rows, diff against existing keys) can
 * keep the restart from inserting duplicates.
 */
describe('crash and restart, mysql → postgres, target without a unique key', () => {
  let source: TestDatabase;
  const targets: TestDatabase[] = [];
  const harnesses: SyncHarness[] = [];

  beforeAll(async () => {
    source = await createTestDatabase('mysql', 'crash_src');
    await createSourceItems(source.db, 'mysql');
    // Old rows over 20 distinct seconds, 1,000 per second: batch boundaries fall inside and across them.
    const rows = Array.from({ length: 20 }, (_, s) => makeItems(1000, utcText(-7200 + s), s * 1000 + 1)).flat();
    await insertItems(source.db, rows);
  });

  afterAll(async () => {
    for (const harness of harnesses) await harness.dispose();
    for (const target of targets) await target.drop();
    await source?.drop();
  });

  async function freshTarget(): Promise<{ target: TestDatabase; harness: SyncHarness }> {
    const target = await createTestDatabase('postgres', 'crash_tgt');
    targets.push(target);
    await createTargetItems(target.db, 'postgres', { unique: false });
    const harness = await SyncHarness.create({ source, target, mappings: [itemMapping()], sync: { batchSize: 50 } });
    harnesses.push(harness);
    await harness.migrate();
    return { target, harness };
  }

  /** Starts `sync --once` and returns once a quarter of the rows, but not all, are committed. */
  async function startAndWaitForPartialProgress(target: TestDatabase, harness: SyncHarness): Promise<CliProcess> {
    const cli = new CliProcess(harness.configFile, ['sync', '--once']);
    await pollUntil(
      'a committed position with a quarter of the rows',
      async () => {
        if (!cli.running) throw new Error(`CLI exited before it could be stopped\nstdout:\n${cli.stdout}\nstderr:\n${cli.stderr}`);
        if (!(await committedPosition(target))) return undefined;
        const count = await countRows(target);
        return count >= TOTAL / 4 && count < TOTAL ? true : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 20 },
    );
    return cli;
  }

  it('SIGKILL between batches, then a restart: target equals source, no duplicates', async () => {
    const { target, harness } = await freshTarget();
    const cli = await startAndWaitForPartialProgress(target, harness);
    cli.kill('SIGKILL');
    const killed = await cli.wait(10_000);
    expect(killed.signal).toBe('SIGKILL');
    const afterKill = await countRows(target);
    expect(afterKill).toBeGreaterThan(0);
    expect(afterKill).toBeLessThan(TOTAL);

    const restart = await runCli(harness.configFile, ['sync', '--once']);
    expect(restart.code, restart.stderr).toBe(0);
    expect(restart.stdout).toMatch(/^items: read \d+, inserted \d+, updated 0, unchanged \d+, rejected 0/m);

    await expectTargetEqualsSource(target);
  });

  it('SIGTERM finishes the batch in flight, exits 0 with a consistent checkpoint, and a restart completes', async () => {
    const { target, harness } = await freshTarget();
    const cli = await startAndWaitForPartialProgress(target, harness);
    cli.kill('SIGTERM');
    const stopped = await cli.wait(30_000);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toMatch(/^items: read \d+, .*\(interrupted\)$/m);
    expect(`${stopped.stdout}\n${stopped.stderr}`).not.toMatch(STACK_FRAME);

    const written = await targetIds(target);
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(TOTAL);
    expect(new Set(written).size).toBe(written.length);

    // The position was committed with the rows: exactly the source rows at or below it are there.
    const position = await committedPosition(target);
    expect(position, 'a committed checkpoint or load position').toBeDefined();
    const sourceRows = await sourceCursors(source);
    const covered = sourceRows
      .filter((row) =>
        position!.kind === 'checkpoint'
          ? compareCursors(row.cursor, position!.cursor) <= 0
          : compareKeyPart(String(row.id), position!.lastKey[0]!) <= 0,
      )
      .map(({ id }) => id);
    expect(covered.length).toBeGreaterThan(0);
    expect(written).toEqual(covered);
    expect(Number(position!.rowsInserted)).toBe(written.length);

    const restart = await runCli(harness.configFile, ['sync', '--once']);
    expect(restart.code, restart.stderr).toBe(0);
    expect(restart.stdout).not.toContain('(interrupted)');
    await expectTargetEqualsSource(target);
  });

  async function expectTargetEqualsSource(target: TestDatabase): Promise<void> {
    const counts = await target.db
      .selectFrom('tgt_item')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.count('shop_id').distinct().as('keys')])
      .executeTakeFirstOrThrow();
    expect(Number(counts.n)).toBe(TOTAL);
    expect(Number(counts.keys)).toBe(TOTAL);

    const sourceRows = await source.db.selectFrom('src_item').select(['id', 'code', 'label', 'price']).orderBy('id').execute();
    const targetRows = await target.db.selectFrom('tgt_item').select(['shop_id', 'sku', 'name', 'price']).orderBy('shop_id').execute();
    const asTuples = (rows: Record<string, unknown>[], [id, code, label, price]: string[]) =>
      rows.map((row) => `${String(row[id!])}|${String(row[code!])}|${String(row[label!])}|${String(row[price!])}`);
    const expected = asTuples(sourceRows, ['id', 'code', 'label', 'price']);
    const actual = asTuples(targetRows, ['shop_id', 'sku', 'name', 'price']);
    expect(expected).toHaveLength(TOTAL);
    // One comparison of the whole table; on failure, show the first differing row, not 20,000.
    const firstDiff = expected.findIndex((row, i) => row !== actual[i]);
    expect(firstDiff === -1 ? null : { index: firstDiff, source: expected[firstDiff], target: actual[firstDiff] }).toBeNull();
  }
});

type CommittedPosition =
  | { kind: 'checkpoint'; cursor: Cursor; rowsInserted: unknown }
  | { kind: 'load'; lastKey: string[]; rowsInserted: unknown };

/**
 * What the engine committed together with the rows: the `(mtime, key)` checkpoint or, where the
 * engine walks an initial load by key, the last key of that load (`load_key`, when the column exists).
 */
async function committedPosition(target: TestDatabase): Promise<CommittedPosition | undefined> {
  const row = (await target.db.selectFrom('aimeos_sync_streams').selectAll().where('mapping', '=', 'items').executeTakeFirst()) as
    | Record<string, unknown>
    | undefined;
  if (!row) return undefined;
  if (row.cursor_ts !== null && row.cursor_ts !== undefined) {
    return { kind: 'checkpoint', cursor: decodeCursor(String(row.cursor_ts), (row.cursor_key ?? null) as string | null), rowsInserted: row.rows_inserted };
  }
  if (row.load_key !== null && row.load_key !== undefined) {
    return { kind: 'load', lastKey: JSON.parse(String(row.load_key)) as string[], rowsInserted: row.rows_inserted };
  }
  return undefined;
}

async function countRows(target: TestDatabase): Promise<number> {
  const row = await target.db.selectFrom('tgt_item').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function targetIds(target: TestDatabase): Promise<number[]> {
  const rows = await target.db.selectFrom('tgt_item').select('shop_id').orderBy('shop_id').execute();
  return rows.map((row) => Number(row.shop_id));
}

async function sourceCursors(source: TestDatabase): Promise<{ id: number; cursor: Cursor }[]> {
  const rows = await source.db.selectFrom('src_item').select(['id', 'mtime']).orderBy('id').execute();
  return rows.map((row) => ({ id: Number(row.id), cursor: { ts: String(row.mtime), key: [String(row.id)] } }));
}
