import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, pollUntil, STACK_FRAME } from '../support/cli-process.js';
import { createSourceItems, createTargetItems, insertItems, itemMapping, makeItems, utcText } from '../support/fixtures.js';
import { SyncHarness } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';

describe('`run` service mode, mysql → postgres', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let harness: SyncHarness;
  let cli: CliProcess | undefined;

  beforeAll(async () => {
    source = await createTestDatabase('mysql', 'run_src');
    target = await createTestDatabase('postgres', 'run_tgt');
    await createSourceItems(source.db, 'mysql');
    await createTargetItems(target.db, 'postgres');
    harness = await SyncHarness.create({ source, target, mappings: [itemMapping()], sync: { pollInterval: 0.2 } });
    await harness.migrate();
  });

  afterAll(async () => {
    if (cli?.running) {
      cli.kill('SIGKILL');
      await cli.exited.catch(() => undefined);
    }
    await harness?.dispose();
    await source?.drop();
    await target?.drop();
  });

  it('delivers inserts and updates while polling, stops cleanly on SIGTERM, logs JSON lines', async () => {
    cli = new CliProcess(harness.configFile, ['run']);
    const running = cli;
    // Let the service finish a pass over the empty table first, so the rows below arrive by polling.
    await pollUntil('the first pass of the service', async () => {
      if (!running.running) throw new Error(`service exited early\nstderr:\n${running.stderr}`);
      const stream = await target.db.selectFrom('aimeos_sync_streams').select('last_run_finished').where('mapping', '=', 'items').executeTakeFirst();
      return stream?.last_run_finished ? true : undefined;
    });

    await insertItems(source.db, makeItems(25, utcText(0)));
    await pollUntil('25 inserted rows in the target', async () => {
      if (!running.running) throw new Error(`service exited early\nstderr:\n${running.stderr}`);
      return (await countRows(target)) === 25 ? true : undefined;
    });
    const loaded = await target.db.selectFrom('tgt_item').select(['shop_id', 'sku', 'name']).where('shop_id', '=', 7).executeTakeFirstOrThrow();
    expect(loaded).toEqual({ shop_id: 7, sku: 'SKU-7', name: 'Item 7' });

    await source.db.updateTable('src_item').set({ label: 'Renamed while running', mtime: utcText(0) }).where('id', '=', 7).execute();
    await pollUntil('the update of row 7 in the target', async () => {
      if (!running.running) throw new Error(`service exited early\nstderr:\n${running.stderr}`);
      const row = await target.db.selectFrom('tgt_item').select('name').where('shop_id', '=', 7).executeTakeFirst();
      return row?.name === 'Renamed while running' ? true : undefined;
    });
    // Only row 7 was written again.
    const writes = await target.db.selectFrom('tgt_item').select(['shop_id', 'writes']).where('writes', '>', 0).execute();
    expect(writes).toEqual([{ shop_id: 7, writes: 1 }]);

    running.kill('SIGTERM');
    const exit = await running.wait(30_000);
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.signal).toBeNull();
    expect(exit.stdout).not.toMatch(STACK_FRAME);
    expect(exit.stderr).not.toMatch(STACK_FRAME);

    // stderr is a pipe, not a TTY: one JSON object per line.
    const lines = exit.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`log line is not JSON: ${line}`);
      }
    });
    const batchLogs = entries.filter((entry) => entry.mapping === 'items' && typeof entry.read === 'number' && typeof entry.inserted === 'number');
    expect(batchLogs.length).toBeGreaterThan(0);
    expect(lines.some((line) => line.includes('"mapping":"items"'))).toBe(true);
    expect(batchLogs.reduce((sum, entry) => sum + Number(entry.message === 'batch applied' ? entry.inserted : 0), 0)).toBe(25);
    expect(entries.some((entry) => entry.message === 'service stopped')).toBe(true);
    expect(entries.filter((entry) => entry.level === 'error')).toEqual([]);
  });
});

async function countRows(target: TestDatabase): Promise<number> {
  const row = await target.db.selectFrom('tgt_item').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
