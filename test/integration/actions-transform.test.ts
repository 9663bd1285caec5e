import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncHarness } from '../support/sync-harness.js';
import { createSourceItems, createTargetItems, insertItems, itemMapping, makeItems, utcText } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';

/** The escape hatch (a row transform module) and the after-apply command, on real databases. */
describe('row transform and after-apply action', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let harness: SyncHarness;
  let hookOutput: string;

  beforeAll(async () => {
    source = await createTestDatabase('mysql', 'act_src');
    target = await createTestDatabase('postgres', 'act_tgt');
    await createSourceItems(source.db, 'mysql');
    await createTargetItems(target.db, 'postgres');
    harness = await SyncHarness.create({
      source,
      target,
      mappings: [
        {
          ...itemMapping(),
          transform: './upper-sku.mjs',
          after: { command: [process.execPath, '-e', 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>require("fs").appendFileSync(process.argv[1],s+"\\n"))', 'HOOK_FILE'] },
        },
      ],
    });
    hookOutput = path.join(harness.dir, 'hook.jsonl');
    // The command gets the keys on stdin; the test points it at a file in the harness folder.
    const mappingFile = path.join(harness.dir, 'mappings', 'items.yml');
    await writeFile(mappingFile, (await readFile(mappingFile, 'utf8')).replace('HOOK_FILE', hookOutput));
    await writeFile(
      path.join(harness.dir, 'mappings', 'upper-sku.mjs'),
      `export function transform(row, source) {
         if (source.code === 'SKU-3') throw new Error('SKU-3 is blocked by the transform');
         return { ...row, sku: String(row.sku).toUpperCase().replace('SKU-', 'ERP-') };
       }\n`,
    );
    await harness.migrate();
  });

  afterAll(async () => {
    await harness?.dispose();
    await source?.drop();
    await target?.drop();
  });

  it('applies the transform to every row, rejects the row it throws on, and runs the action with the written keys', async () => {
    await insertItems(source.db, makeItems(4, utcText(-60)));
    const [result] = await harness.syncOnce();
    expect(result!.figures).toMatchObject({ inserted: 3, rejected: 1 });
    const rows = await target.db.selectFrom('tgt_item').select(['shop_id', 'sku']).orderBy('shop_id').execute();
    expect(rows).toEqual([
      { shop_id: 1, sku: 'ERP-1' },
      { shop_id: 2, sku: 'ERP-2' },
      { shop_id: 4, sku: 'ERP-4' },
    ]);
    const rejected = await target.db.selectFrom('aimeos_sync_rejected_rows').select(['row_key', 'reason']).execute();
    expect(rejected).toEqual([{ row_key: '["3"]', reason: 'column (transform): SKU-3 is blocked by the transform' }]);

    const calls = (await readFile(hookOutput, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { mapping: string; table: string; keys: string[][] });
    expect(calls).toEqual([{ mapping: 'items', table: 'tgt_item', keys: [['1'], ['2'], ['4']] }]);

    // Only written rows are announced: an unchanged re-read runs no action, a change runs it for that key.
    await harness.syncOnce();
    await source.db.updateTable('src_item').set({ label: 'changed', mtime: utcText(-30) }).where('id', '=', 2).execute();
    await harness.syncOnce();
    const later = (await readFile(hookOutput, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { keys: string[][] });
    expect(later.map((call) => call.keys)).toEqual([[['1'], ['2'], ['4']], [['2']]]);
  });

  it('posts the written keys to an HTTP endpoint, and a failing endpoint does not undo the batch', async () => {
    const received: unknown[] = [];
    let status = 200;
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ method: request.method, body: JSON.parse(body) as unknown });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const http = await SyncHarness.create({
      source,
      target,
      mappings: [{ ...itemMapping({ name: 'items-http', targetTable: 'tgt_http' }), after: { http: { url: `http://127.0.0.1:${port}/hook` } } }],
    });
    try {
      await createTargetItems(target.db, 'postgres', { table: 'tgt_http' });
      await http.migrate();
      await source.db.updateTable('src_item').set({ mtime: utcText(-20) }).where('id', '=', 4).execute();
      await http.syncOnce();
      expect(received).toEqual([{ method: 'POST', body: { mapping: 'items-http', table: 'tgt_http', keys: [['1'], ['2'], ['3'], ['4']] } }]);

      status = 500;
      await source.db.updateTable('src_item').set({ label: 'after 500', mtime: utcText(-10) }).where('id', '=', 1).execute();
      const [result] = await http.syncOnce();
      expect(result!.figures).toMatchObject({ updated: 1 });
      expect(received).toHaveLength(2);
      const row = await target.db.selectFrom('tgt_http').select('name').where('shop_id', '=', 1).executeTakeFirstOrThrow();
      expect(row.name).toBe('after 500');
    } finally {
      await http.dispose();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

