import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig, type ResolvedConfig } from '../../../src/config/load-config.js';
import { ProblemsError, SyncError, type Problem } from '../../../src/errors.js';
import type { CompiledMapping } from '../../../src/mapping/compiled-mapping.js';
import { listMappingFiles, loadMappings, selectMappings } from '../../../src/mapping/load-mappings.js';

let root: string;
let counter = 0;

/** A config folder with endpoints `shop` (MariaDB) and `erp` (PostgreSQL) and the given mapping files. */
async function setup(files: Record<string, string | object>, sync: Record<string, unknown> = {}): Promise<{ config: ResolvedConfig; dir: string }> {
  const dir = path.join(root, `case-${++counter}`);
  await mkdir(path.join(dir, 'mappings'), { recursive: true });
  const configFile = path.join(dir, 'aimeos-sync.yml');
  await writeFile(
    configFile,
    stringify({
      endpoints: { shop: { url: 'mysql://app@db:3306/shop' }, erp: { url: 'postgres://erp@pg:5432/erp' } },
      mappings: './mappings',
      sync,
    }),
  );
  for (const [name, content] of Object.entries(files)) {
    await writeFile(path.join(dir, 'mappings', name), typeof content === 'string' ? content : stringify(content));
  }
  return { config: await loadConfig(configFile, {}), dir: path.join(dir, 'mappings') };
}

function mapping(overrides: { name?: string; source?: object; capture?: object; target?: object; columns?: object } = {}) {
  return {
    name: overrides.name ?? 'products',
    source: {
      endpoint: 'shop',
      table: 'mshop_product',
      key: ['id'],
      capture: { mode: 'timestamp', column: 'mtime', ...overrides.capture },
      ...overrides.source,
    },
    target: { endpoint: 'erp', table: 'erp.article', key: ['shop_id'], ...overrides.target },
    columns: overrides.columns ?? { shop_id: 'id', sku: 'code', title: 'label', changed: 'mtime' },
  };
}

async function problemsOf(config: ResolvedConfig): Promise<Problem[]> {
  const error = await loadMappings(config).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProblemsError);
  expect((error as ProblemsError).code).toBe('MAPPING_INVALID');
  return (error as ProblemsError).problems;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'aimeos-sync-mappings-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadMappings', () => {
  it('compiles a valid mapping: source columns, key sources, capture settings and toTarget', async () => {
    const { config, dir } = await setup(
      {
        'products.yml': mapping({
          source: { key: ['siteid', 'id'], where: "status = 1" },
          capture: { timezone: 'Europe/Berlin', overlap: '1h', batchSize: 250 },
          target: { key: ['site', 'shop_id'] },
          columns: { shop_id: 'id', site: 'siteid', sku: 'code', title: 'label', label_copy: 'label' },
        }),
      },
      { overlap: 600, lag: 3, batchSize: 1000 },
    );
    const [compiled, ...rest] = await loadMappings(config);
    expect(rest).toHaveLength(0);
    expect(compiled!.name).toBe('products');
    expect(compiled!.file).toBe(path.join(dir, 'products.yml'));
    // Keys first, then the capture column, then mapped columns, each once.
    expect(compiled!.sourceColumns).toEqual(['siteid', 'id', 'mtime', 'code', 'label']);
    expect(compiled!.rules.map((rule) => [rule.target, rule.from])).toEqual([
      ['shop_id', { kind: 'column', column: 'id' }],
      ['site', { kind: 'column', column: 'siteid' }],
      ['sku', { kind: 'column', column: 'code' }],
      ['title', { kind: 'column', column: 'label' }],
      ['label_copy', { kind: 'column', column: 'label' }],
    ]);
    expect(compiled!.source).toEqual({
      endpoint: 'shop',
      table: 'mshop_product',
      query: undefined,
      label: 'mshop_product',
      key: ['siteid', 'id'],
      where: 'status = 1',
      capture: { mode: 'timestamp', column: 'mtime', timezone: 'Europe/Berlin', overlapSeconds: 3600, lagSeconds: 3, batchSize: 250 },
    });
    expect(compiled!.target).toEqual({ endpoint: 'erp', table: 'erp.article', key: ['site', 'shop_id'], identity: undefined, updateOnly: false, aimeos: undefined });

    const none = new Map();
    const source = { id: 7, siteid: '1.', code: 'A-7', label: 'Ä', mtime: '2026-01-01 00:00:00', status: 1 };
    expect(compiled!.toTarget(source, none)).toEqual({ ok: true, values: { shop_id: 7, site: '1.', sku: 'A-7', title: 'Ä', label_copy: 'Ä' } });
    // Pure: same input, same output, input untouched.
    expect(compiled!.toTarget(source, none)).toEqual(compiled!.toTarget({ ...source }, none));
    expect(source).toEqual({ id: 7, siteid: '1.', code: 'A-7', label: 'Ä', mtime: '2026-01-01 00:00:00', status: 1 });
    // NULL stays NULL (not '' and not missing).
    expect(compiled!.toTarget({ ...source, label: null }, none)).toEqual({
      ok: true,
      values: { shop_id: 7, site: '1.', sku: 'A-7', title: null, label_copy: null },
    });
  });

  it('takes overlap, lag and batch size from the config when the capture block omits them; timezone defaults to UTC', async () => {
    const { config } = await setup({ 'a.yml': mapping() }, { overlap: '20m', lag: 4, batchSize: 42 });
    const [compiled] = await loadMappings(config);
    expect(compiled!.source.capture).toEqual({ mode: 'timestamp', column: 'mtime', timezone: 'UTC', overlapSeconds: 1200, lagSeconds: 4, batchSize: 42 });
    expect(compiled!.source.where).toBeUndefined();
  });

  it('loads .yml and .yaml files in name order and ignores other files', async () => {
    const { config, dir } = await setup({
      'b.yaml': mapping({ name: 'second' }),
      'a.yml': mapping({ name: 'first', target: { table: 'erp.other' } }),
      'README.md': '# not a mapping',
      'c.yml.bak': 'name: [',
    });
    expect(await listMappingFiles(dir)).toEqual([path.join(dir, 'a.yml'), path.join(dir, 'b.yaml')]);
    expect((await loadMappings(config)).map((m) => m.name)).toEqual(['first', 'second']);
  });

  it('collects problems of several files at once, each naming its file and mapping or field', async () => {
    const { config, dir } = await setup({
      '01-endpoint.yml': mapping({ name: 'bad_endpoint', source: { endpoint: 'webshop' } }),
      '02-key.yml': mapping({ name: 'unmapped_key', target: { key: ['erp_no'] } }),
      '03-ident.yml': mapping({ name: 'bad_ident', columns: { shop_id: 'id', 'na me': 'label', sku: 'x; drop table' } }),
      '04-yaml.yml': 'name: broken\nsource: { endpoint: shop\ncolumns: [\n',
      '05-first.yml': mapping({ name: 'twice', target: { table: 'erp.one' } }),
      '06-second.yml': mapping({ name: 'twice', target: { table: 'erp.two' } }),
      '07-zone.yml': mapping({ name: 'bad_zone', capture: { timezone: 'Europe/Atlantis' } }),
      '08-good.yml': mapping({ name: 'good' }),
    });
    const problems = await problemsOf(config);
    const file = (name: string) => path.join(dir, name);
    const summary = problems.map((p) => [path.basename(p.context.file ?? ''), p.context.mapping, p.context.field, p.message]);
    expect(summary).toEqual([
      ['01-endpoint.yml', 'bad_endpoint', 'source.endpoint', 'unknown endpoint "webshop"'],
      ['02-key.yml', 'unmapped_key', 'target.key', 'target key column "erp_no" is not mapped'],
      ['03-ident.yml', 'bad_ident', 'columns.na me', 'invalid name "na me": must be a plain SQL identifier (letters, digits, _)'],
      ['03-ident.yml', 'bad_ident', 'columns.sku', 'must be a plain SQL identifier (letters, digits, _)'],
      ['04-yaml.yml', undefined, undefined, expect.stringContaining('malformed YAML')],
      ['06-second.yml', 'twice', 'name', `mapping name "twice" is already used by ${file('05-first.yml')}`],
      ['07-zone.yml', 'bad_zone', 'source.capture.timezone', 'unknown time zone "Europe/Atlantis"'],
    ]);
    expect(problems.every((p) => p.severity === 'error')).toBe(true);
    expect(problems.find((p) => p.context.field === 'source.endpoint')!.context.hint).toContain('known: shop, erp');
    expect(problems.find((p) => p.context.field === 'target.key')!.context.column).toBe('erp_no');

    // The thrown message holds one line per problem with file, mapping and field spelled out.
    const error = await loadMappings(config).catch((reason: unknown) => reason as ProblemsError);
    const lines = (error as ProblemsError).message.split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe(
      `ERROR [file ${file('01-endpoint.yml')}, mapping bad_endpoint, field source.endpoint]: unknown endpoint "webshop" ` +
        `Hint: define it under endpoints: in ${config.file} (known: shop, erp)`,
    );
    expect(lines[4]).toMatch(new RegExp(`^ERROR \\[file ${file('04-yaml.yml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\]: malformed YAML: `));
  });

  it('rejects identifiers that could inject SQL in tables, keys and the capture column', async () => {
    const { config } = await setup({
      'a.yml': mapping({
        name: 'inject',
        source: { table: 'mshop_product; drop table x', key: ['id`'] },
        capture: { column: 'mtime)--' },
        target: { table: 'a.b.c' },
      }),
    });
    const fields = (await problemsOf(config)).map((p) => [p.context.field, p.context.mapping]);
    expect(fields).toEqual([
      ['source.table', 'inject'],
      ['source.key.0', 'inject'],
      ['source.capture.column', 'inject'],
      ['target.table', 'inject'],
    ]);
  });

  it('reports unknown keys and missing fields of a mapping', async () => {
    const { config } = await setup({
      'a.yml': { name: 'm', source: { endpoint: 'shop', table: 't', key: [], capture: { mode: 'cdc', column: 'mtime' } }, target: { endpoint: 'erp', table: 't2', key: ['id'] }, colums: {} },
    });
    const problems = await problemsOf(config);
    expect(problems.map((p) => p.context.field)).toEqual(['source.key', 'source.capture.mode', 'columns', undefined]);
    expect(problems.map((p) => p.message)).toEqual([
      'needs at least one key column',
      expect.stringContaining('"timestamp"'),
      expect.stringContaining('expected record'),
      'Unrecognized key: "colums"',
    ]);
    expect(problems.every((p) => p.context.mapping === 'm')).toBe(true);
  });

  it('rejects a repeated target key column and a mapping onto its own source table', async () => {
    const { config } = await setup({
      'a.yml': mapping({ name: 'loop', target: { endpoint: 'shop', table: 'mshop_product', key: ['shop_id', 'shop_id'] } }),
    });
    const problems = await problemsOf(config);
    expect(problems.map((p) => [p.context.field, p.message])).toEqual([
      ['target.key', 'target key repeats a column'],
      ['target.table', 'source and target are the same table'],
    ]);
  });

  it('fails when the folder has no mapping files, or does not exist', async () => {
    const { config } = await setup({});
    const problems = await problemsOf(config);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe(`no *.yml mapping files in ${config.mappingsDir}`);

    const missing = { ...config, mappingsDir: path.join(root, 'does-not-exist') };
    const error = await loadMappings(missing).catch((reason: unknown) => reason as SyncError);
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).code).toBe('CONFIG_INVALID');
    expect((error as SyncError).message).toContain(`cannot read mappings folder ${missing.mappingsDir}: ENOENT`);
  });
});

describe('selectMappings', () => {
  let all: CompiledMapping[];

  beforeAll(async () => {
    const { config } = await setup({
      'a.yml': mapping({ name: 'products', target: { table: 'erp.a' } }),
      'b.yml': mapping({ name: 'customers', target: { table: 'erp.b' } }),
      'c.yml': mapping({ name: 'orders', target: { table: 'erp.c' } }),
    });
    all = await loadMappings(config);
  });

  it('returns every mapping without names, and the named ones in load order', () => {
    expect(selectMappings(all, undefined)).toBe(all);
    expect(selectMappings(all, [])).toBe(all);
    expect(selectMappings(all, ['products', 'customers']).map((m) => m.name)).toEqual(['products', 'customers']);
    expect(selectMappings(all, ['orders']).map((m) => m.name)).toEqual(['orders']);
  });

  it('throws USAGE naming the unknown mappings and the known ones', () => {
    let error: unknown;
    try {
      selectMappings(all, ['orders', 'nosuch', 'other']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).code).toBe('USAGE');
    expect((error as SyncError).message).toBe('unknown mapping nosuch, other (known: products, customers, orders)');
  });
});
