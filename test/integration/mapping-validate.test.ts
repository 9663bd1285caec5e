import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig, type DatabaseKind } from '../../src/config/load-config.js';
import { ProblemsError } from '../../src/errors.js';
import { loadMappings } from '../../src/mapping/load-mappings.js';
import { createSourceItems, createTargetItems, itemMapping } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { cli } from '../support/cli-in-process.js';

const PAIRS: readonly (readonly [DatabaseKind, DatabaseKind])[] = [
  ['mysql', 'postgres'],
  ['postgres', 'mysql'],
];

/** How each source database refuses an expression over a column that does not exist. */
const UNKNOWN_COLUMN: Record<DatabaseKind, RegExp> = {
  mysql: /Unknown column 'no_such_column'/,
  postgres: /column "no_such_column" does not exist/,
};


interface Project {
  configFile: string;
  mappingFile(name: string): string;
}

const projectDirs: string[] = [];

afterAll(async () => {
  for (const dir of projectDirs) await rm(dir, { recursive: true, force: true });
});

/** A config plus a mappings folder (with extra files such as transform modules) on disk. */
async function writeProject(source: TestDatabase, target: TestDatabase, mappings: Record<string, unknown>[], files: Record<string, string> = {}): Promise<Project> {
  const dir = await mkdtemp(path.join(tmpdir(), 'aimeos-sync-validate-'));
  projectDirs.push(dir);
  await mkdir(path.join(dir, 'mappings'));
  const configFile = path.join(dir, 'aimeos-sync.yml');
  await writeFile(
    configFile,
    stringify({ endpoints: { source: { url: source.url }, target: { url: target.url } }, mappings: './mappings', sync: { overlap: 300, lag: 0 } }),
  );
  const mappingFile = (name: string) => path.join(dir, 'mappings', `${name}.yml`);
  for (const mapping of mappings) await writeFile(mappingFile(String(mapping.name)), stringify(mapping));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, 'mappings', name), text);
  return { configFile, mappingFile };
}

/** The ERROR lines of validate's output (PostgreSQL text into MySQL TEXT adds a length warning). */
function errorLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.startsWith('ERROR'));
}

/** The item mapping with some columns replaced. */
function items(columns: Record<string, unknown>, overrides: Parameters<typeof itemMapping>[0] = {}) {
  const base = itemMapping(overrides);
  return { ...base, columns: { ...base.columns, ...columns } };
}

describe.each(PAIRS)('validate mappings, %s → %s', (sourceKind, targetKind) => {
  let source: TestDatabase;
  let target: TestDatabase;

  beforeAll(async () => {
    source = await createTestDatabase(sourceKind, 'mv_src');
    target = await createTestDatabase(targetKind, 'mv_tgt');
    await createSourceItems(source.db, sourceKind);
    await createTargetItems(target.db, targetKind);
    await createTargetItems(target.db, targetKind, { table: 'tgt_copy' });
    const project = await writeProject(source, target, [itemMapping()]);
    expect((await cli(['-c', project.configFile, 'migrate'])).code).toBe(0);
  });

  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it('accepts sound mappings with an expr, a lookup into another mapping, a dependency and a transform', async () => {
    const project = await writeProject(
      source,
      target,
      [
        items({ name: { expr: 'UPPER(label)' } }),
        { ...items({ sku: { column: 'id', lookup: { mapping: 'items', return: 'sku' } } }, { name: 'copy', targetTable: 'tgt_copy' }), transform: './copy.js' },
      ],
      { 'copy.js': 'export function transform(row) { return row; }\n' },
    );
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(errorLines(result.stdout)).toEqual([]);
    expect(result.stdout).toMatch(/^2 mapping\(s\) checked: 0 error\(s\), \d+ warning\(s\)\n$/m);
    expect(result.code).toBe(0);
  });

  it('refuses a lookup that names an unknown mapping, naming file, mapping and field', async () => {
    const project = await writeProject(source, target, [items({ name: { column: 'label', lookup: 'klients' } })]);
    const error = await loadMappings(await loadConfig(project.configFile)).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ProblemsError);
    expect((error as ProblemsError).code).toBe('MAPPING_INVALID');
    expect((error as ProblemsError).problems).toEqual([
      {
        severity: 'error',
        message: 'lookup names unknown mapping "klients"',
        context: { file: project.mappingFile('items'), mapping: 'items', field: 'columns.name.lookup', hint: 'known mappings: items' },
      },
    ]);
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `aimeos-sync: ERROR [file ${project.mappingFile('items')}, mapping items, field columns.name.lookup]: lookup names unknown mapping "klients" Hint: known mappings: items\n`,
    );
  });

  it('refuses a value map given as a list, naming the map field', async () => {
    const project = await writeProject(source, target, [items({ name: { column: 'label', map: ['pending', 'paid'], unmapped: 'pass' } })]);
    const error = await loadMappings(await loadConfig(project.configFile)).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ProblemsError);
    expect((error as ProblemsError).code).toBe('MAPPING_INVALID');
    const problems = (error as ProblemsError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]!.context).toEqual({ file: project.mappingFile('items'), mapping: 'items', field: 'columns.name.map' });
    expect(problems[0]!.message).toMatch(/expected record, received array/);
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`ERROR [file ${project.mappingFile('items')}, mapping items, field columns.name.map]: `);
  });

  it('reports values a map, const or declared type would produce that the target column cannot hold', async () => {
    // In tgt_item price is a decimal, sku NOT NULL text, shop_mtime a timestamp.
    const project = await writeProject(source, target, [
      items({
        price: { column: 'price', map: { '1': 'cheap', '2': 9.5 }, unmapped: 'pass' },
        sku: { const: null },
        shop_mtime: { column: 'label', type: { decimal: 2 } },
      }),
    ]);
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.code).toBe(1);
    const file = project.mappingFile('items');
    expect(errorLines(result.stdout)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`ERROR [file ${file}, mapping items, table tgt_item, column price, field columns.price]: value map value "cheap" is not a valid`),
        `ERROR [file ${file}, mapping items, table tgt_item, column sku, field columns.sku]: const gives NULL but sku is NOT NULL`,
        expect.stringContaining(`ERROR [file ${file}, mapping items, table tgt_item, column shop_mtime, field columns.shop_mtime]: declared type decimal cannot be written into`),
      ]),
    );
  });

  it('reports an expr the source database rejects, with the database message', async () => {
    const project = await writeProject(source, target, [items({ name: { expr: 'UPPER(no_such_column)' } })]);
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.code).toBe(1);
    const lines = errorLines(result.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      `ERROR [file ${project.mappingFile('items')}, mapping items, column name, field columns.name.expr]: SQL expression is rejected by the source database: `,
    );
    expect(lines[0]).toMatch(UNKNOWN_COLUMN[sourceKind]);
    expect(result.stdout).toMatch(/^1 mapping\(s\) checked: 1 error\(s\), \d+ warning\(s\)\n$/m);
  });

  it('reports a dependency cycle between two mappings in validate, and refuses to sync it', async () => {
    const project = await writeProject(source, target, [
      items({ name: { column: 'id', lookup: { mapping: 'b', return: 'name' } } }, { name: 'a' }),
      { ...itemMapping({ name: 'b', targetTable: 'tgt_copy' }), dependsOn: ['a'] },
    ]);
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.code).toBe(1);
    expect(errorLines(result.stdout)).toEqual([
      `ERROR [file ${project.mappingFile('a')}, mapping a, field columns.name.lookup]: mappings depend on each other in a cycle: a → b → a ` +
        'Hint: a lookup, parent or dependsOn must point one way only',
    ]);
    expect(result.stdout).toMatch(/^2 mapping\(s\) checked: 1 error\(s\), \d+ warning\(s\)\n$/m);
    const sync = await cli(['-c', project.configFile, 'sync', '--once']);
    expect(sync.code).toBe(2);
    expect(sync.stderr).toContain('MAPPING_INVALID: mappings depend on each other in a cycle: a → b → a');
    expect(sync.stderr).toContain(`[file ${project.mappingFile('a')}, mapping a, field columns.name.lookup]`);
    const rows = await target.db.selectFrom('tgt_item').select('shop_id').execute();
    expect(rows).toEqual([]);
  });

  it('reports a transform module without a transform export, and one that does not exist', async () => {
    const project = await writeProject(
      source,
      target,
      [
        { ...itemMapping({ name: 'a' }), transform: './wrong-export.js' },
        { ...itemMapping({ name: 'b', targetTable: 'tgt_copy' }), transform: './missing.js' },
      ],
      { 'wrong-export.js': 'export function transfrom(row) { return row; }\n' },
    );
    const module = path.join(path.dirname(project.mappingFile('a')), 'wrong-export.js');
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.code).toBe(1);
    const lines = errorLines(result.stdout);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      `ERROR [file ${project.mappingFile('a')}, mapping a, field transform]: transform module ${module} does not export a function named "transform" ` +
        'Hint: export function transform(row, source) { return row; }',
    );
    expect(lines[1]).toMatch(
      new RegExp(`^ERROR \\[file ${escape(project.mappingFile('b'))}, mapping b, field transform\\]: cannot load transform module ${escape(path.join(path.dirname(project.mappingFile('b')), 'missing.js'))}: `),
    );
    expect(result.stdout).toMatch(/^2 mapping\(s\) checked: 2 error\(s\), \d+ warning\(s\)\n$/m);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
