import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Endpoint, kindFromUrl, loadConfig } from '../../../src/config/load-config.js';
import { ProblemsError, SyncError } from '../../../src/errors.js';

let root: string;
let counter = 0;

/** Writes `text` as a config file in a fresh folder under the temp root; returns its path. */
async function configFile(text: string, name = 'aimeos-sync.yml'): Promise<string> {
  const dir = path.join(root, `case-${++counter}`);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

async function rejection(promise: Promise<unknown>): Promise<SyncError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'aimeos-sync-config-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('applies defaults and resolves endpoints by URL scheme', async () => {
    const file = await configFile(`
endpoints:
  shop: { url: "mariadb://app@db:3306/shop" }
  erp: { url: "postgresql://erp@pg:5432/erp" }
`);
    const config = await loadConfig(file, {});
    expect(config.file).toBe(file);
    expect(config.statePrefix).toBe('aimeos_sync_');
    expect(config.editor).toBe('aimeos-sync');
    expect(config.logLevel).toBe('info');
    expect(config.sync).toEqual({ batchSize: 500, pollInterval: 5, overlap: 900, lag: 2, concurrency: 4 });
    expect(config.mappingsDir).toBe(path.join(path.dirname(file), 'mappings'));
    expect(config.endpoints.get('shop')?.kind).toBe('mysql');
    expect(config.endpoints.get('shop')?.database).toBe('shop');
    expect(config.endpoints.get('erp')?.kind).toBe('postgres');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses durations with units', async () => {
    const file = await configFile(`
endpoints: { a: { url: "mysql://h/db" } }
sync: { pollInterval: 250ms, overlap: 15m, lag: "1h", batchSize: 10 }
`);
    const config = await loadConfig(file, {});
    expect(config.sync).toMatchObject({ pollInterval: 0.25, overlap: 900, lag: 3600, batchSize: 10 });
  });

  it('resolves a relative `mappings:` folder against the config file folder, not the working directory', async () => {
    const file = await configFile(`
endpoints: { a: { url: "mysql://h/db" } }
mappings: ../shared/mappings
`);
    const config = await loadConfig(path.relative(process.cwd(), file), {});
    expect(config.mappingsDir).toBe(path.resolve(path.dirname(file), '../shared/mappings'));
    expect(config.mappingsDir.startsWith(root)).toBe(true);
    expect(config.file).toBe(file);
  });

  it('keeps an absolute `mappings:` folder as it is', async () => {
    const file = await configFile(`
endpoints: { a: { url: "mysql://h/db" } }
mappings: /opt/sync/mappings
`);
    expect((await loadConfig(file, {})).mappingsDir).toBe('/opt/sync/mappings');
  });

  it('expands ${VAR} and ${VAR:-default} from the given environment, the default also for empty values', async () => {
    const file = await configFile(`
endpoints:
  shop: { url: "mysql://\${SHOP_USER}:\${SHOP_PASS}@\${SHOP_HOST:-localhost}:\${SHOP_PORT:-3306}/shop" }
editor: "\${EDITOR_NAME:-sync-bot}"
`);
    const config = await loadConfig(file, { SHOP_USER: 'app', SHOP_PASS: 'pw', SHOP_PORT: '' });
    expect(config.endpoints.get('shop')?.connectionUrl()).toBe('mysql://app:pw@localhost:3306/shop');
    expect(config.editor).toBe('sync-bot');
  });

  it('fails with CONFIG_ENV_MISSING naming the variable, the file and endpoints.shop.url', async () => {
    const file = await configFile(`
endpoints:
  shop: { url: "mysql://app:\${SHOP_DB_PASSWORD}@db/shop" }
`);
    const error = await rejection(loadConfig(file, {}));
    expect(error.code).toBe('CONFIG_ENV_MISSING');
    expect(error.message).toContain('SHOP_DB_PASSWORD');
    expect(error.context).toMatchObject({ file, field: 'endpoints.shop.url' });
  });

  it('reports malformed YAML as CONFIG_INVALID naming the file', async () => {
    const file = await configFile('endpoints:\n  shop: { url: "mysql://h/db"\n  erp: [\n');
    const error = await rejection(loadConfig(file, {}));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('malformed YAML');
    expect(error.context.file).toBe(file);
    expect(error.describe()).toContain(`file ${file}`);
  });

  it('reports a missing file as CONFIG_INVALID naming it', async () => {
    const missing = path.join(root, 'nowhere', 'aimeos-sync.yml');
    const error = await rejection(loadConfig(missing, {}));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(missing);
    expect(error.message).toContain('ENOENT');
  });

  it('rejects a document that is not a mapping', async () => {
    const file = await configFile('just a string\n');
    const error = await rejection(loadConfig(file, {}));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('config must be a YAML mapping');
    expect(error.context.file).toBe(file);
  });

  it('reports every unknown key and wrong type at once', async () => {
    const file = await configFile(`
endpoints:
  shop: { url: 5 }
  erp: { url: "mysql://h/db", pasword: x }
unknownKey: 1
sync: { batchSize: "many", overlap: soon }
state: { prefix: "bad prefix" }
`);
    const error = await rejection(loadConfig(file, {}));
    expect(error).toBeInstanceOf(ProblemsError);
    expect(error.code).toBe('CONFIG_INVALID');
    const problems = (error as ProblemsError).problems;
    expect(problems.every((problem) => problem.severity === 'error' && problem.context.file === file)).toBe(true);
    const byField = new Map(problems.map((problem) => [problem.context.field ?? '', problem.message]));
    expect([...byField.keys()].sort()).toEqual(['', 'endpoints.erp', 'endpoints.shop.url', 'state.prefix', 'sync.batchSize', 'sync.overlap']);
    expect(byField.get('endpoints.shop.url')).toContain('expected string');
    expect(byField.get('endpoints.erp')).toContain('"pasword"');
    expect(byField.get('')).toContain('"unknownKey"');
    expect(byField.get('sync.batchSize')).toContain('expected number');
    expect(byField.get('sync.overlap')).toContain('"soon" is not a duration');
    expect(byField.get('state.prefix')).toContain('prefix must be a plain SQL identifier part');
    // The message lists them all, one line each, with file and field.
    expect(error.message.split('\n')).toHaveLength(6);
    expect(error.message).toContain(`ERROR [file ${file}, field sync.overlap]`);
  });

  it('rejects out-of-range numbers and unknown log levels', async () => {
    const file = await configFile(`
endpoints: { a: { url: "mysql://h/db" } }
sync: { batchSize: 0, concurrency: 65 }
log: { level: verbose }
`);
    const error = await rejection(loadConfig(file, {}));
    const fields = (error as ProblemsError).problems.map((problem) => problem.context.field).sort();
    expect(fields).toEqual(['log.level', 'sync.batchSize', 'sync.concurrency']);
  });

  it('rejects an unsupported URL scheme naming the endpoint field, without the password', async () => {
    const file = await configFile(`
endpoints:
  shop: { url: "sqlite://app:topsecret@host/shop.db" }
  erp: { url: "mssql://erp@host/erp" }
  ok: { url: "postgres://p@h/db" }
`);
    const error = await rejection(loadConfig(file, {}));
    expect(error).toBeInstanceOf(ProblemsError);
    const problems = (error as ProblemsError).problems;
    expect(problems.map((problem) => problem.context.field)).toEqual(['endpoints.shop.url', 'endpoints.erp.url']);
    expect(problems[0]!.message).toContain('unsupported URL scheme');
    expect(problems[0]!.context.hint).toContain('postgres://');
    expect(error.message).not.toContain('topsecret');
  });

  it('requires at least one endpoint', async () => {
    const file = await configFile('endpoints: {}\n');
    const error = await rejection(loadConfig(file, {}));
    expect((error as ProblemsError).problems).toEqual([
      { severity: 'error', message: 'no endpoints defined', context: { file, field: 'endpoints' } },
    ]);
  });

  it('rejects endpoint names that are not plain words', async () => {
    const file = await configFile('endpoints:\n  "my shop": { url: "mysql://h/db" }\n');
    const error = await rejection(loadConfig(file, {}));
    expect((error as ProblemsError).problems).toEqual([
      {
        severity: 'error',
        message: 'invalid name "my shop": endpoint names are letters, digits, _ and -',
        context: { file, field: 'endpoints.my shop' },
      },
    ]);
  });
});

describe('kindFromUrl', () => {
  it('maps the four schemes case-insensitively and nothing else', () => {
    expect(kindFromUrl('mysql://h/db')).toBe('mysql');
    expect(kindFromUrl('MariaDB://h/db')).toBe('mysql');
    expect(kindFromUrl('postgres://h/db')).toBe('postgres');
    expect(kindFromUrl('postgresql://h/db')).toBe('postgres');
    expect(kindFromUrl('sqlite://h/db')).toBeUndefined();
    expect(kindFromUrl('h:3306/db')).toBeUndefined();
  });
});

describe('Endpoint', () => {
  const url = 'mysql://app:secret@db.example:3306/shop';

  it('keeps the full URL for drivers only', () => {
    expect(new Endpoint('shop', url, 'mysql').connectionUrl()).toBe(url);
  });

  it('never shows the password in displayUrl, toJSON, JSON.stringify or inspect', () => {
    const endpoint = new Endpoint('shop', url, 'mysql');
    expect(endpoint.displayUrl).toBe('mysql://app:***@db.example:3306/shop');
    expect(endpoint.toJSON()).toEqual({ name: 'shop', kind: 'mysql', url: 'mysql://app:***@db.example:3306/shop' });
    expect(JSON.stringify({ endpoint })).not.toContain('secret');
    expect(inspect(endpoint, { depth: 5, showHidden: true })).not.toContain('secret');
    expect(`${endpoint.displayUrl}`).not.toContain('secret');
  });

  it('hides URL-encoded passwords too and decodes the database name', () => {
    const endpoint = new Endpoint('erp', 'postgres://erp:p%40ss%3Aword@pg/erp%20db', 'postgres');
    expect(endpoint.displayUrl).toBe('postgres://erp:***@pg/erp%20db');
    expect(JSON.stringify(endpoint)).not.toMatch(/p%40ss|word/);
    expect(endpoint.database).toBe('erp db');
  });

  it('leaves a URL without password as it is', () => {
    expect(new Endpoint('x', 'postgres://erp@pg:5432/erp', 'postgres').displayUrl).toBe('postgres://erp@pg:5432/erp');
  });
});
