import { sql } from 'kysely';
import type { DatabaseKind } from '../../src/config/load-config.js';
import type { DynamicDb } from '../../src/db/dynamic-db.js';

/**
 * Aimeos-shaped source table with second-precision mtime, and the (mtime, id) index that
 * `validate` recommends (`mtimeIndex: false` leaves it out, as Aimeos ships most tables).
 */
export async function createSourceItems(db: DynamicDb, kind: DatabaseKind, table = 'src_item', { mtimeIndex = true } = {}): Promise<void> {
  const ts = kind === 'mysql' ? 'DATETIME' : 'timestamp(0)';
  const json = kind === 'mysql' ? 'JSON' : 'jsonb';
  await sql
    .raw(
      `CREATE TABLE ${table} (
        id integer NOT NULL PRIMARY KEY,
        code varchar(64) NOT NULL,
        label varchar(255) NOT NULL,
        price decimal(12,2) NULL,
        attrs ${json} NULL,
        note text NULL,
        mtime ${ts} NOT NULL
      )`,
    )
    .execute(db);
  if (mtimeIndex) await sql.raw(`CREATE INDEX ${table}_mtime_id ON ${table} (mtime, id)`).execute(db);
}

/**
 * Target table with an ERP-owned column and a write counter bumped by a trigger on every UPDATE,
 * so a test can prove that unchanged rows were not written. `unique: false` leaves the key
 * without a unique index (the insert + keyed update path).
 */
export async function createTargetItems(db: DynamicDb, kind: DatabaseKind, { unique = true, table = 'tgt_item' } = {}): Promise<void> {
  const json = kind === 'mysql' ? 'JSON' : 'jsonb';
  const key = unique ? 'PRIMARY KEY' : '';
  await sql
    .raw(
      `CREATE TABLE ${table} (
        shop_id integer NOT NULL ${key},
        sku varchar(64) NOT NULL,
        name varchar(255) NOT NULL,
        price decimal(12,2) NULL,
        attrs ${json} NULL,
        note text NULL,
        shop_mtime ${kind === 'mysql' ? 'DATETIME' : 'timestamp(0)'} NULL,
        erp_only varchar(20) NOT NULL DEFAULT 'erp-owned',
        writes integer NOT NULL DEFAULT 0
      )`,
    )
    .execute(db);
  if (kind === 'mysql') {
    await sql.raw(`CREATE TRIGGER ${table}_count BEFORE UPDATE ON ${table} FOR EACH ROW SET NEW.writes = OLD.writes + 1`).execute(db);
  } else {
    await sql
      .raw(
        `CREATE FUNCTION ${table}_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.writes := OLD.writes + 1; RETURN NEW; END $$;
         CREATE TRIGGER ${table}_count BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_count();`,
      )
      .execute(db);
  }
}

export function itemMapping(overrides: { name?: string; capture?: Record<string, unknown>; where?: string; sourceTable?: string; targetTable?: string } = {}) {
  return {
    name: overrides.name ?? 'items',
    source: {
      endpoint: 'source',
      table: overrides.sourceTable ?? 'src_item',
      key: ['id'],
      ...(overrides.where ? { where: overrides.where } : {}),
      capture: { mode: 'timestamp', column: 'mtime', ...overrides.capture },
    },
    target: { endpoint: 'target', table: overrides.targetTable ?? 'tgt_item', key: ['shop_id'] },
    columns: { shop_id: 'id', sku: 'code', name: 'label', price: 'price', attrs: 'attrs', note: 'note', shop_mtime: 'mtime' },
  };
}

/** The database's current UTC time as `YYYY-MM-DD HH:MM:SS`, offset by `seconds`. */
export function utcText(offsetSeconds = 0): string {
  return new Date(Date.now() + offsetSeconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

export interface ItemRow {
  id: number;
  code: string;
  label: string;
  price: string | null;
  attrs: string | null;
  note: string | null;
  mtime: string;
}

export async function insertItems(db: DynamicDb, rows: ItemRow[], table = 'src_item'): Promise<void> {
  for (let start = 0; start < rows.length; start += 1000) {
    await db.insertInto(table).values(rows.slice(start, start + 1000)).execute();
  }
}

export function makeItems(count: number, mtime: string, firstId = 1): ItemRow[] {
  return Array.from({ length: count }, (_, i) => ({
    id: firstId + i,
    code: `SKU-${firstId + i}`,
    label: `Item ${firstId + i}`,
    price: `${(firstId + i) % 100}.50`,
    attrs: JSON.stringify({ b: 2, a: [1, { z: true, y: null }] }),
    note: i % 3 === 0 ? null : i % 3 === 1 ? '' : 'Grüße 🚀',
    mtime,
  }));
}
