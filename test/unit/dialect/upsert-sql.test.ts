import {
  DummyDriver,
  Kysely,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DynamicSchema } from '../../../src/db/dynamic-db.js';
import { MysqlDialect } from '../../../src/dialect/mysql/mysql-dialect.js';
import { PostgresDialect } from '../../../src/dialect/postgres/postgres-dialect.js';

/** Kysely instances that compile but never connect. */
const mysqlCompiler = new Kysely<DynamicSchema>({
  dialect: {
    createAdapter: () => new MysqlAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new MysqlIntrospector(db),
    createQueryCompiler: () => new MysqlQueryCompiler(),
  },
});
const postgresCompiler = new Kysely<DynamicSchema>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

function compiled(builder: RawBuilder<unknown>, db: Kysely<DynamicSchema>): { sql: string; parameters: readonly unknown[] } {
  const { sql, parameters } = builder.compile(db);
  return { sql, parameters };
}

describe('MySQL upsert', () => {
  const dialect = new MysqlDialect();

  it('inserts several rows and updates the non-key columns from VALUES()', () => {
    const blob = Buffer.from([0, 1, 2]);
    expect(
      compiled(
        dialect.upsert(
          'tgt_item',
          ['shop_id', 'sku', 'price', 'data'],
          ['shop_id'],
          [
            [1, 'A', '1.50', null],
            [2, 'B', null, blob],
          ],
        ),
        mysqlCompiler,
      ),
    ).toEqual({
      sql:
        'INSERT INTO `tgt_item` (`shop_id`, `sku`, `price`, `data`) VALUES (?, ?, ?, ?), (?, ?, ?, ?) ' +
        'ON DUPLICATE KEY UPDATE `sku` = VALUES(`sku`), `price` = VALUES(`price`), `data` = VALUES(`data`)',
      parameters: [1, 'A', '1.50', null, 2, 'B', null, blob],
    });
  });

  it('quotes schema-qualified tables and composite keys, and leaves every key column out of the update', () => {
    expect(compiled(dialect.upsert('erp.article', ['site', 'id', 'c'], ['site', 'id'], [['s', 7, 'x']]), mysqlCompiler)).toEqual({
      sql: 'INSERT INTO `erp`.`article` (`site`, `id`, `c`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `c` = VALUES(`c`)',
      parameters: ['s', 7, 'x'],
    });
  });

  it('assigns the first key column to itself when only key columns are written (no-op update)', () => {
    expect(compiled(dialect.upsert('aimeos_sync_streams', ['mapping'], ['mapping'], [['items']]), mysqlCompiler)).toEqual({
      sql: 'INSERT INTO `aimeos_sync_streams` (`mapping`) VALUES (?) ON DUPLICATE KEY UPDATE `mapping` = VALUES(`mapping`)',
      parameters: ['items'],
    });
  });

  it('binds values as parameters, never as SQL text, and escapes backticks in names', () => {
    const evil = "x'); DROP TABLE t; --";
    const { sql, parameters } = compiled(dialect.upsert('t', ['we`ird', 'c'], ['we`ird'], [[evil, '?']]), mysqlCompiler);
    expect(sql).toBe('INSERT INTO `t` (`we``ird`, `c`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `c` = VALUES(`c`)');
    expect(parameters).toEqual([evil, '?']);
  });
});

describe('PostgreSQL upsert', () => {
  const dialect = new PostgresDialect();

  it('inserts several rows and updates the non-key columns from EXCLUDED on conflict of the key', () => {
    expect(
      compiled(
        dialect.upsert(
          'tgt_item',
          ['shop_id', 'sku', 'price'],
          ['shop_id'],
          [
            [1, 'A', '1.50'],
            [2, 'B', null],
          ],
        ),
        postgresCompiler,
      ),
    ).toEqual({
      sql:
        'INSERT INTO "tgt_item" ("shop_id", "sku", "price") VALUES ($1, $2, $3), ($4, $5, $6) ' +
        'ON CONFLICT ("shop_id") DO UPDATE SET "sku" = EXCLUDED."sku", "price" = EXCLUDED."price"',
      parameters: [1, 'A', '1.50', 2, 'B', null],
    });
  });

  it('names every key column in ON CONFLICT for composite keys and schema-qualified tables', () => {
    expect(compiled(dialect.upsert('erp.article', ['site', 'id', 'c'], ['site', 'id'], [['s', 7, 'x']]), postgresCompiler)).toEqual({
      sql: 'INSERT INTO "erp"."article" ("site", "id", "c") VALUES ($1, $2, $3) ON CONFLICT ("site", "id") DO UPDATE SET "c" = EXCLUDED."c"',
      parameters: ['s', 7, 'x'],
    });
  });

  it('does nothing on conflict when only key columns are written', () => {
    expect(compiled(dialect.upsert('aimeos_sync_streams', ['mapping'], ['mapping'], [['items'], ['other']]), postgresCompiler)).toEqual({
      sql: 'INSERT INTO "aimeos_sync_streams" ("mapping") VALUES ($1), ($2) ON CONFLICT ("mapping") DO NOTHING',
      parameters: ['items', 'other'],
    });
  });

  it('binds values as parameters and escapes double quotes in names', () => {
    const evil = "x'); DROP TABLE t; --";
    expect(compiled(dialect.upsert('t', ['we"ird', 'c'], ['we"ird'], [[evil, '$1']]), postgresCompiler)).toEqual({
      sql: 'INSERT INTO "t" ("we""ird", "c") VALUES ($1, $2) ON CONFLICT ("we""ird") DO UPDATE SET "c" = EXCLUDED."c"',
      parameters: [evil, '$1'],
    });
  });
});

describe('database DDL helpers', () => {
  it('quote database names for CREATE and DROP', () => {
    expect(new MysqlDialect().createDatabaseSql('a`b')).toBe('CREATE DATABASE `a``b` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    expect(new MysqlDialect().dropDatabaseSql('shop')).toBe('DROP DATABASE IF EXISTS `shop`');
    expect(new PostgresDialect().createDatabaseSql('a"b')).toBe(`CREATE DATABASE "a""b" ENCODING 'UTF8' TEMPLATE template0`);
    expect(new PostgresDialect().dropDatabaseSql('erp')).toBe('DROP DATABASE IF EXISTS "erp" WITH (FORCE)');
  });
});
