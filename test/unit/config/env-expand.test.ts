import { describe, expect, it } from 'vitest';
import { expandEnv, expandEnvDeep } from '../../../src/config/env-expand.js';
import { SyncError } from '../../../src/errors.js';

function caught(action: () => unknown): SyncError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SyncError);
    return error as SyncError;
  }
  throw new Error('expected a SyncError, nothing was thrown');
}

describe('expandEnv', () => {
  it('replaces ${VAR} with its value, several times and next to text', () => {
    expect(expandEnv('mysql://${DB_USER}:${DB_PASS}@${DB_HOST}/shop', { DB_USER: 'app', DB_PASS: 's3cret', DB_HOST: 'db' })).toBe(
      'mysql://app:s3cret@db/shop',
    );
  });

  it('leaves text without placeholders and other dollar forms alone', () => {
    expect(expandEnv('plain $HOME ${ not-a-var} $', { HOME: '/root' })).toBe('plain $HOME ${ not-a-var} $');
  });

  it('uses the value of ${VAR:-default} when VAR is set and non-empty', () => {
    expect(expandEnv('${PORT:-3306}', { PORT: '3307' })).toBe('3307');
  });

  it('uses the default when VAR is unset', () => {
    expect(expandEnv('host=${HOST:-localhost}', {})).toBe('host=localhost');
  });

  it('uses the default when VAR is empty, like a POSIX shell', () => {
    expect(expandEnv('host=${HOST:-localhost}', { HOST: '' })).toBe('host=localhost');
  });

  it('accepts an empty default and defaults containing URL characters', () => {
    expect(expandEnv('[${SUFFIX:-}]', {})).toBe('[]');
    expect(expandEnv('${URL:-postgres://u@h:5432/db?x=1}', {})).toBe('postgres://u@h:5432/db?x=1');
  });

  it('does not expand a value a second time', () => {
    expect(expandEnv('${A}', { A: '${B}', B: 'nested' })).toBe('${B}');
  });

  it('throws CONFIG_ENV_MISSING naming the variable, file and field when VAR is unset without default', () => {
    const error = caught(() => expandEnv('mysql://${SHOP_DB_PASSWORD}@db/shop', {}, { file: '/etc/aimeos-sync.yml', field: 'endpoints.shop.url' }));
    expect(error.code).toBe('CONFIG_ENV_MISSING');
    expect(error.message).toContain('SHOP_DB_PASSWORD');
    expect(error.context).toMatchObject({ file: '/etc/aimeos-sync.yml', field: 'endpoints.shop.url' });
    expect(error.context.hint).toContain('export SHOP_DB_PASSWORD=');
    expect(error.describe()).toContain('file /etc/aimeos-sync.yml');
    expect(error.describe()).toContain('field endpoints.shop.url');
  });

  it('treats an empty VAR without default as missing', () => {
    const error = caught(() => expandEnv('${EMPTY}', { EMPTY: '' }));
    expect(error.code).toBe('CONFIG_ENV_MISSING');
    expect(error.message).toContain('EMPTY');
  });
});

describe('expandEnvDeep', () => {
  it('expands strings at every depth, keeps other values, and does not touch keys', () => {
    const input = {
      endpoints: { shop: { url: 'mysql://${U}@h/db' } },
      list: ['${U}', 5, true, null],
      '${U}': 'key kept',
      sync: { batchSize: 100 },
    };
    expect(expandEnvDeep(input, { U: 'app' }, '/c.yml')).toEqual({
      endpoints: { shop: { url: 'mysql://app@h/db' } },
      list: ['app', 5, true, null],
      '${U}': 'key kept',
      sync: { batchSize: 100 },
    });
  });

  it('names the dotted field path and the file of a missing variable', () => {
    const error = caught(() => expandEnvDeep({ endpoints: { shop: { url: '${SHOP_URL}' } } }, {}, '/srv/sync/aimeos-sync.yml'));
    expect(error.code).toBe('CONFIG_ENV_MISSING');
    expect(error.message).toContain('SHOP_URL');
    expect(error.context.file).toBe('/srv/sync/aimeos-sync.yml');
    expect(error.context.field).toBe('endpoints.shop.url');
  });

  it('names array positions in the field path', () => {
    const error = caught(() => expandEnvDeep({ a: { list: ['x', '${NOPE}'] } }, {}, '/c.yml'));
    expect(error.context.field).toBe('a.list[1]');
  });
});
