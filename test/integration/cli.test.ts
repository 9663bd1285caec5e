import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compareTimestamps } from '../../src/capture/cursor.js';
import { loadConfig, type DatabaseKind } from '../../src/config/load-config.js';
import { runSql, withDatabase } from '../../src/db/admin.js';
import { Databases } from '../../src/db/databases.js';
import type { DynamicDb } from '../../src/db/dynamic-db.js';
import { migrateDatabase } from '../../src/state/migrate.js';
import type { MappingStatus } from '../../src/sync/sync-job.js';
import { createSourceItems, createTargetItems, insertItems, itemMapping, makeItems, utcText } from '../support/fixtures.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/test-databases.js';
import { cli, type CliResult } from '../support/cli-in-process.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');


/** Runs the real executable (`node bin/aimeos-sync.js`) as a child process. */
function cliProcess(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/aimeos-sync.js', ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const projectDirs: string[] = [];

interface Project {
  dir: string;
  configFile: string;
  mappingFile(name: string): string;
}

/** A config file plus a mappings folder on disk; endpoints are named `source` and `target`. */
async function writeProject(options: {
  source: string;
  target: string;
  mappings: Record<string, unknown>[];
  state?: Record<string, unknown>;
  sync?: Record<string, unknown>;
}): Promise<Project> {
  const dir = await mkdtemp(path.join(tmpdir(), 'aimeos-sync-cli-'));
  projectDirs.push(dir);
  await mkdir(path.join(dir, 'mappings'));
  const configFile = path.join(dir, 'aimeos-sync.yml');
  await writeFile(
    configFile,
    stringify({
      endpoints: { source: { url: options.source }, target: { url: options.target } },
      mappings: './mappings',
      sync: { batchSize: 100, overlap: 300, lag: 0, ...options.sync },
      ...(options.state ? { state: options.state } : {}),
    }),
  );
  const mappingFile = (name: string) => path.join(dir, 'mappings', `${name}.yml`);
  for (const mapping of options.mappings) await writeFile(mappingFile(String(mapping.name)), stringify(mapping));
  return { dir, configFile, mappingFile };
}

afterAll(async () => {
  for (const dir of projectDirs) await rm(dir, { recursive: true, force: true });
});

async function tableNames(db: DynamicDb, kind: DatabaseKind, like: string): Promise<string[]> {
  const schema = kind === 'mysql' ? sql`DATABASE()` : sql`current_schema()`;
  const { rows } = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = ${schema} AND table_name LIKE ${like} ORDER BY table_name`.execute(db);
  return rows.map((row) => row.name);
}

async function count(db: DynamicDb, table: string): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A server URL logging in as `user` without password, pointing at `database`. */
function urlAs(kind: DatabaseKind, user: string, database: string): string {
  const url = new URL(withDatabase(serverUrl(kind), database));
  url.username = user;
  url.password = '';
  return url.toString();
}

interface SyncLine {
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  checkpoint: string;
}

/**
 * The one line `sync --once` prints for mapping `items`. How often a pass reads a row (initial
 * load plus the overlap window) is the engine's business; every row read must be accounted for.
 */
function syncLine(stdout: string): SyncLine {
  const match = /^items: read (\d+), inserted (\d+), updated (\d+), unchanged (\d+), rejected (\d+), checkpoint (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\n$/.exec(stdout);
  expect(match, `unexpected sync output: ${stdout}`).not.toBeNull();
  const [read, inserted, updated, unchanged, rejected] = match!.slice(1, 6).map(Number) as [number, number, number, number, number];
  expect(read).toBe(inserted + updated + unchanged + rejected);
  return { read, inserted, updated, unchanged, rejected, checkpoint: match![6]! };
}

describe('validate', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let good: Project;

  beforeAll(async () => {
    source = await createTestDatabase('mysql', 'cli_vsrc');
    target = await createTestDatabase('postgres', 'cli_vtgt');
    await createSourceItems(source.db, 'mysql');
    await createTargetItems(target.db, 'postgres');
    await sql
      .raw(
        `CREATE TABLE tgt_strict (
          shop_id integer PRIMARY KEY,
          sku varchar(64) NOT NULL,
          legacy_code varchar(10) NOT NULL,
          remark text NULL,
          created timestamp NOT NULL DEFAULT now(),
          serial_no integer GENERATED ALWAYS AS IDENTITY
        )`,
      )
      .execute(target.db);
    good = await writeProject({ source: source.url, target: target.url, mappings: [itemMapping()] });
    const migrated = await cli(['-c', good.configFile, 'migrate']);
    expect(migrated.code).toBe(0);
  });

  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it('exits 0 for a mapping that matches both schemas', async () => {
    const result = await cli(['-c', good.configFile, 'validate']);
    expect(result.stdout).toBe('1 mapping(s) checked: 0 error(s), 0 warning(s)\n');
    expect(result.code).toBe(0);
  });

  it('warns, with the CREATE INDEX to run, when no index starts with the capture column', async () => {
    await createSourceItems(source.db, 'mysql', 'src_unindexed', { mtimeIndex: false });
    const project = await writeProject({ source: source.url, target: target.url, mappings: [itemMapping({ sourceTable: 'src_unindexed' })] });
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `WARNING [file ${project.mappingFile('items')}, mapping items, table src_unindexed, column mtime, field source.capture.column]: ` +
        'no index on src_unindexed starts with "mtime": every poll scans the whole table',
    );
    expect(result.stdout).toContain('Hint: CREATE INDEX idx_src_unindexed_mtime_sync ON src_unindexed (mtime, id)');
    expect(result.stdout).toContain('1 mapping(s) checked: 0 error(s), 1 warning(s)');
  });

  it('exits 1 naming file, mapping, table and column of a missing source column and a missing target column', async () => {
    const mapping = { ...itemMapping(), columns: { shop_id: 'id', sku: 'code', name: 'lable', price: 'price', colour: 'price' } };
    const project = await writeProject({ source: source.url, target: target.url, mappings: [mapping] });
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    const file = project.mappingFile('items');
    const sourceLine = lines.find((line) => line.includes('"lable"'));
    expect(sourceLine).toBe(
      `ERROR [file ${file}, mapping items, table src_item, column lable, field columns.name]: ` +
        'source column "lable" does not exist in src_item Hint: columns of src_item: id, code, label, price, attrs, note, mtime',
    );
    const targetLine = lines.find((line) => line.includes('"colour"'));
    expect(targetLine).toContain(`ERROR [file ${file}, mapping items, table tgt_item, column colour, field columns.colour]`);
    expect(targetLine).toContain('target column "colour" does not exist in tgt_item');
    expect(lines.at(-1)).toBe('1 mapping(s) checked: 2 error(s), 0 warning(s)');
  });

  it('collects problems of several mappings in one run', async () => {
    const project = await writeProject({
      source: source.url,
      target: target.url,
      mappings: [
        itemMapping({ name: 'a_missing_source_table', sourceTable: 'no_such_source' }),
        itemMapping({ name: 'b_missing_target_table', targetTable: 'no_such_target' }),
      ],
    });
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `ERROR [file ${project.mappingFile('a_missing_source_table')}, mapping a_missing_source_table, table no_such_source, field source.table]: source table no_such_source does not exist`,
    );
    expect(result.stdout).toContain(
      `ERROR [file ${project.mappingFile('b_missing_target_table')}, mapping b_missing_target_table, table no_such_target, field target.table]: target table no_such_target does not exist`,
    );
    expect(result.stdout).toContain('2 mapping(s) checked: 2 error(s), 0 warning(s)');
  });

  it('exits 1 naming source.where when the filter is not valid SQL', async () => {
    const project = await writeProject({ source: source.url, target: target.url, mappings: [itemMapping({ where: 'price >> AND (' })] });
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.code).toBe(1);
    const line = result.stdout.split('\n').find((text) => text.includes('field source.where'));
    expect(line).toBeDefined();
    expect(line).toContain(`ERROR [file ${project.mappingFile('items')}, mapping items, table src_item, field source.where]: source.where is rejected by the database:`);
    expect(line).toContain('SQL syntax');
  });

  it('accepts a valid source.where', async () => {
    const project = await writeProject({ source: source.url, target: target.url, mappings: [itemMapping({ where: "code <> '' AND price >= 0" })] });
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.stdout).toBe('1 mapping(s) checked: 0 error(s), 0 warning(s)\n');
    expect(result.code).toBe(0);
  });

  it('exits 1 when the target has an unmapped NOT NULL column without default, and ignores defaults and identities', async () => {
    const mapping = { ...itemMapping({ targetTable: 'tgt_strict' }), columns: { shop_id: 'id', sku: 'code' } };
    const project = await writeProject({ source: source.url, target: target.url, mappings: [mapping] });
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `ERROR [file ${project.mappingFile('items')}, mapping items, table tgt_strict, column legacy_code, field columns]: ` +
        'target column "legacy_code" is NOT NULL without default but not mapped: inserts would fail Hint: map a value to "legacy_code" (a column, expr or const) or give it a default',
    );
    expect(result.stdout).not.toContain('"created"');
    expect(result.stdout).not.toContain('"serial_no"');
    expect(result.stdout).not.toContain('"remark"');
    expect(result.stdout).toContain('1 mapping(s) checked: 1 error(s), 0 warning(s)');
  });

  it('exits 1 when the engine tables are missing, telling to run migrate', async () => {
    const project = await writeProject({ source: source.url, target: target.url, mappings: [itemMapping()], state: { prefix: 'never_migrated_' } });
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('engine table never_migrated_streams is missing Hint: run `aimeos-sync migrate`');
  });
});

describe.each(['postgres', 'mysql'] as const)('migrate on %s', (targetKind) => {
  let source: TestDatabase;
  const targets: TestDatabase[] = [];

  async function freshTarget(label: string): Promise<TestDatabase> {
    const target = await createTestDatabase(targetKind, label);
    targets.push(target);
    await createTargetItems(target.db, targetKind);
    return target;
  }

  beforeAll(async () => {
    source = await createTestDatabase('mysql', 'cli_msrc');
    await createSourceItems(source.db, 'mysql');
    await insertItems(source.db, makeItems(3, utcText(-120)));
  });

  afterAll(async () => {
    for (const target of targets) await target.drop();
    await source?.drop();
  });

  it('creates the engine tables once; a second run says they are up to date', async () => {
    const target = await freshTarget('cli_mig');
    const project = await writeProject({ source: source.url, target: target.url, mappings: [itemMapping()] });
    const first = await cli(['-c', project.configFile, 'migrate']);
    expect(first).toMatchObject({ code: 0, stdout: 'target: applied 001_streams, 002_rejected_rows, 003_identity_map\n' });
    expect(await tableNames(target.db, targetKind, 'aimeos_sync_%')).toEqual([
      'aimeos_sync_identity_map',
      'aimeos_sync_migrations',
      'aimeos_sync_migrations_lock',
      'aimeos_sync_rejected_rows',
      'aimeos_sync_streams',
    ]);
    const second = await cli(['-c', project.configFile, 'migrate']);
    expect(second).toMatchObject({ code: 0, stdout: 'target: engine tables up to date\n' });
    expect(await count(target.db, 'aimeos_sync_migrations')).toBe(3);
  });

  it('lets two concurrent migrations both succeed, creating the tables once', async () => {
    const target = await freshTarget('cli_conc');
    const project = await writeProject({ source: source.url, target: target.url, mappings: [itemMapping()] });
    const config = await loadConfig(project.configFile);
    const first = new Databases(config);
    const second = new Databases(config);
    try {
      const results = await Promise.all([
        migrateDatabase(await first.connect('target'), config.statePrefix),
        migrateDatabase(await second.connect('target'), config.statePrefix),
      ]);
      // One of them did the work, the other found nothing left to do.
      expect(results.map((result) => result.applied.length).sort()).toEqual([0, 3]);
      expect(results.flatMap((result) => result.applied)).toEqual(['001_streams', '002_rejected_rows', '003_identity_map']);
    } finally {
      await first.close();
      await second.close();
    }
    expect(await tableNames(target.db, targetKind, 'aimeos_sync_%')).toEqual([
      'aimeos_sync_identity_map',
      'aimeos_sync_migrations',
      'aimeos_sync_migrations_lock',
      'aimeos_sync_rejected_rows',
      'aimeos_sync_streams',
    ]);
    expect(await count(target.db, 'aimeos_sync_migrations')).toBe(3);
  });

  it('names the engine tables with the configured prefix, and sync and status use them', async () => {
    const target = await freshTarget('cli_pfx');
    const project = await writeProject({ source: source.url, target: target.url, mappings: [itemMapping()], state: { prefix: 'custom_' } });
    expect((await cli(['-c', project.configFile, 'migrate'])).code).toBe(0);
    expect(await tableNames(target.db, targetKind, 'custom\\_%')).toEqual(['custom_identity_map', 'custom_migrations', 'custom_migrations_lock', 'custom_rejected_rows', 'custom_streams']);
    expect(await tableNames(target.db, targetKind, 'aimeos\\_sync\\_%')).toEqual([]);

    const synced = await cli(['-c', project.configFile, 'sync', '--once']);
    expect(synced.code).toBe(0);
    expect(syncLine(synced.stdout)).toMatchObject({ inserted: 3, updated: 0, rejected: 0 });
    const stream = await target.db.selectFrom('custom_streams').select(['mapping', 'rows_inserted', 'last_run_status']).execute();
    expect(stream.map((row) => [row.mapping, Number(row.rows_inserted), row.last_run_status])).toEqual([['items', 3, 'ok']]);

    const status = await cli(['-c', project.configFile, 'status', '--json']);
    expect(status.code).toBe(0);
    expect((JSON.parse(status.stdout) as { mappings: MappingStatus[] }).mappings[0]!.lastRun).toMatchObject({ status: 'ok', inserted: 3 });
  });
});

describe('sync and status', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let project: Project;
  const mtime = utcText(-120);

  beforeAll(async () => {
    source = await createTestDatabase('mysql', 'cli_ssrc');
    target = await createTestDatabase('postgres', 'cli_stgt');
    await createSourceItems(source.db, 'mysql');
    await createTargetItems(target.db, 'postgres');
    await insertItems(source.db, makeItems(3, mtime));
    project = await writeProject({ source: source.url, target: target.url, mappings: [itemMapping()] });
  });

  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it('sync --once before migrate exits 2 telling to run `aimeos-sync migrate`, and writes nothing', async () => {
    const result = await cli(['-c', project.configFile, 'sync', '--once']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('aimeos-sync: STATE_MISSING: engine table aimeos_sync_streams does not exist');
    expect(result.stderr).toContain('run `aimeos-sync migrate` first');
    expect(result.stdout).toBe('');
    expect(await count(target.db, 'tgt_item')).toBe(0);
    expect(await tableNames(target.db, 'postgres', 'aimeos\\_sync\\_%')).toEqual([]);
  });

  it('status --json after a sync reports checkpoint, last run figures, lag and no error', async () => {
    expect((await cli(['-c', project.configFile, 'migrate'])).code).toBe(0);
    const synced = await cli(['-c', project.configFile, 'sync', '--once']);
    expect(synced.stderr).toBe('');
    expect(synced.code).toBe(0);
    const first = syncLine(synced.stdout);
    expect(first).toMatchObject({ inserted: 3, updated: 0, rejected: 0 });
    expect(await count(target.db, 'tgt_item')).toBe(3);

    const result = await cli(['-c', project.configFile, 'status', '--json']);
    expect(result.code).toBe(0);
    const { mappings } = JSON.parse(result.stdout) as { mappings: MappingStatus[] };
    expect(mappings).toHaveLength(1);
    const status = mappings[0]!;
    expect(status).toMatchObject({
      mapping: 'items',
      source: 'source.src_item',
      target: 'target.tgt_item',
      newestChange: mtime,
      lagSeconds: 0,
      rejectedRows: 0,
      lastError: null,
      lastErrorAt: null,
      openTransactionsVisible: true,
    });
    expect(status.lastRun).toMatchObject({ status: 'ok', read: first.read, inserted: 3, updated: 0, unchanged: first.unchanged, rejected: 0 });
    expect(status.lastRun.finished).not.toBeNull();
    expect(status.checkpoint!.ts).toBe(first.checkpoint);
    expect(status.checkpoint!.key).toBeNull();
    expect(compareTimestamps(status.checkpoint!.ts, mtime)).toBe(1);

    // A second pass re-reads the overlap window and finds nothing to write.
    const again = await cli(['-c', project.configFile, 'sync', '--once']);
    expect(again.code).toBe(0);
    expect(syncLine(again.stdout)).toMatchObject({ read: 3, inserted: 0, updated: 0, unchanged: 3, rejected: 0 });
    const after = JSON.parse((await cli(['-c', project.configFile, 'status', '--json'])).stdout) as { mappings: MappingStatus[] };
    expect(after.mappings[0]!.lastRun).toMatchObject({ status: 'ok', read: 3, inserted: 0, updated: 0, unchanged: 3 });

    const text = await cli(['-c', project.configFile, 'status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('items  (source.src_item → target.tgt_item)');
    expect(text.stdout).toContain('read 3, inserted 0, updated 0, unchanged 3, rejected 0');
    expect(text.stdout).toContain('last error:   none');
    expect(text.stdout).not.toContain('WARNING');
  });

  it('sync --once --mapping nosuch exits 2 naming the known mappings', async () => {
    const result = await cli(['-c', project.configFile, 'sync', '--once', '--mapping', 'nosuch']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('aimeos-sync: USAGE: unknown mapping nosuch (known: items)\n');
    expect(result.stdout).toBe('');
    const status = await cli(['-c', project.configFile, 'status', '--mapping', 'items', 'nosuch']);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('unknown mapping nosuch (known: items)');
  });

  it('sync without --once is a usage error (exit 2)', async () => {
    const result = await cli(['-c', project.configFile, 'sync']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--once' not specified");
  });

  it('exits 2 naming the missing environment variable, in process and as the real executable', async () => {
    const variable = `AIMEOS_SYNC_TEST_MISSING_${randomBytes(4).toString('hex').toUpperCase()}`;
    const broken = await writeProject({ source: `\${${variable}}`, target: target.url, mappings: [itemMapping()] });
    const inProcess = await cli(['-c', broken.configFile, 'validate']);
    expect(inProcess.code).toBe(2);
    expect(inProcess.stderr).toContain(`CONFIG_ENV_MISSING: environment variable ${variable} is not set and has no default`);
    expect(inProcess.stderr).toContain(`file ${broken.configFile}, field endpoints.source.url`);

    const env = { ...process.env };
    delete env[variable];
    const child = await cliProcess(['--config', broken.configFile, 'sync', '--once'], env);
    expect(child.code).toBe(2);
    expect(child.stderr).toContain(variable);
    expect(child.stderr).toContain('endpoints.source.url');
    expect(child.stdout).toBe('');
  });

  it('never prints a password from the config, even when the connection fails', async () => {
    const unreachable = new URL(withDatabase(serverUrl('mysql'), source.name));
    unreachable.username = `nobody_${randomBytes(3).toString('hex')}`;
    unreachable.password = 'Sup3rSecretPw';
    const project2 = await writeProject({ source: unreachable.toString(), target: target.url, mappings: [itemMapping()] });
    const result = await cli(['-c', project2.configFile, 'validate']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('CONNECTION_FAILED');
    expect(result.stdout + result.stderr).not.toContain('Sup3rSecretPw');
  });
});

describe('privileges: MariaDB login without PROCESS', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let project: Project;
  const user = `aimeos_sync_np_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    source = await createTestDatabase('mysql', 'cli_np_src');
    target = await createTestDatabase('postgres', 'cli_np_tgt');
    await createSourceItems(source.db, 'mysql');
    await createTargetItems(target.db, 'postgres');
    await insertItems(source.db, makeItems(4, utcText(-120)));
    for (const host of ['%', 'localhost']) {
      await sql.raw(`CREATE USER '${user}'@'${host}'`).execute(source.db);
      await sql.raw(`GRANT SELECT, INSERT, UPDATE, CREATE, DELETE, INDEX, ALTER ON \`${source.name}\`.* TO '${user}'@'${host}'`).execute(source.db);
    }
    project = await writeProject({ source: urlAs('mysql', user, source.name), target: target.url, mappings: [itemMapping()] });
    expect((await cli(['-c', project.configFile, 'migrate'])).code).toBe(0);
  });

  afterAll(async () => {
    await source?.drop();
    await target?.drop();
    await runSql(withDatabase(serverUrl('mysql'), ''), `DROP USER IF EXISTS '${user}'@'%', '${user}'@'localhost'`);
  });

  it('the login really lacks PROCESS', async () => {
    const { rows } = await sql<Record<string, string>>`SHOW GRANTS FOR ${sql.lit(user)}@'%'`.execute(source.db);
    const grants = rows.map((row) => Object.values(row)[0]).join('\n');
    expect(grants).toContain('GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, INDEX, ALTER ON');
    expect(grants).not.toContain('PROCESS');
  });

  it('validate warns about PROCESS and exits 0', async () => {
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`WARNING [file ${project.configFile}, endpoint source]: this login lacks the PROCESS privilege`);
    expect(result.stdout).toContain("GRANT PROCESS ON *.* TO '<user>'@'<host>'");
    expect(result.stdout).toContain('1 mapping(s) checked: 0 error(s), 1 warning(s)');
  });

  it('sync --once still delivers the rows', async () => {
    const result = await cli(['-c', project.configFile, 'sync', '--once']);
    expect(result.code).toBe(0);
    expect(syncLine(result.stdout)).toMatchObject({ inserted: 4, updated: 0, rejected: 0 });
    const rows = await target.db.selectFrom('tgt_item').select(['shop_id', 'sku']).orderBy('shop_id').execute();
    expect(rows).toEqual([1, 2, 3, 4].map((id) => ({ shop_id: id, sku: `SKU-${id}` })));
  });

  it('status mentions the missing PROCESS privilege', async () => {
    const text = await cli(['-c', project.configFile, 'status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('  WARNING: this login lacks the PROCESS privilege');
    const json = await cli(['-c', project.configFile, 'status', '--json']);
    const status = (JSON.parse(json.stdout) as { mappings: MappingStatus[] }).mappings[0]!;
    expect(status.openTransactionsVisible).toBe(false);
    expect(status.visibilityDetail).toContain('PROCESS');
  });
});

describe('privileges: PostgreSQL role without pg_read_all_stats', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let project: Project;
  const role = `aimeos_sync_np_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    source = await createTestDatabase('postgres', 'cli_np_src');
    target = await createTestDatabase('mysql', 'cli_np_tgt');
    await createSourceItems(source.db, 'postgres');
    await createTargetItems(target.db, 'mysql');
    await insertItems(source.db, makeItems(2, utcText(-120)));
    await sql.raw(`CREATE ROLE ${role} LOGIN NOSUPERUSER`).execute(source.db);
    await sql.raw(`GRANT SELECT ON src_item TO ${role}`).execute(source.db);
    project = await writeProject({ source: urlAs('postgres', role, source.name), target: target.url, mappings: [itemMapping()] });
    expect((await cli(['-c', project.configFile, 'migrate'])).code).toBe(0);
  });

  afterAll(async () => {
    await source?.drop();
    await target?.drop();
    await runSql(withDatabase(serverUrl('postgres'), 'postgres'), `DROP ROLE IF EXISTS ${role}`);
  });

  it('the role really is neither superuser nor member of pg_read_all_stats', async () => {
    const { rows } = await sql<{ super: boolean; stats: boolean }>`
      SELECT rolsuper AS super, pg_has_role(${role}, 'pg_read_all_stats', 'MEMBER') AS stats FROM pg_roles WHERE rolname = ${role}`.execute(source.db);
    expect(rows).toEqual([{ super: false, stats: false }]);
  });

  it('validate warns about pg_read_all_stats and exits 0', async () => {
    const result = await cli(['-c', project.configFile, 'validate']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`WARNING [file ${project.configFile}, endpoint source]: this role is neither superuser nor member of pg_read_all_stats`);
    expect(result.stdout).toContain('GRANT pg_read_all_stats TO <role>');
    // PostgreSQL text into MariaDB TEXT is the other (expected) warning.
    expect(result.stdout).toContain('src_item.note → tgt_item.note: text may be longer than 65535 characters');
    expect(result.stdout).toContain('1 mapping(s) checked: 0 error(s), 2 warning(s)');
  });

  it('sync --once still delivers the rows and status mentions pg_read_all_stats', async () => {
    const result = await cli(['-c', project.configFile, 'sync', '--once']);
    expect(result.code).toBe(0);
    expect(syncLine(result.stdout)).toMatchObject({ inserted: 2, updated: 0, rejected: 0 });
    expect(await count(target.db, 'tgt_item')).toBe(2);
    const status = await cli(['-c', project.configFile, 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('WARNING: this role is neither superuser nor member of pg_read_all_stats');
  });
});
