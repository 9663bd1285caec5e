import { sql, type RawBuilder } from 'kysely';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,63}$/;

/** True for a plain SQL identifier (what mapping files may name), optionally `schema.table`. */
export function isValidIdentifier(name: string, { qualified = false } = {}): boolean {
  const parts = qualified ? name.split('.') : [name];
  if (parts.length > 2) return false;
  return parts.every((part) => IDENTIFIER.test(part));
}

/** Splits `schema.table` into its parts; schema undefined when not qualified. */
export function splitTableName(name: string): { schema?: string; table: string } {
  const dot = name.indexOf('.');
  return dot < 0 ? { table: name } : { schema: name.slice(0, dot), table: name.slice(dot + 1) };
}

/** A quoted table reference (`schema`.`table`), quoting done by the Kysely dialect. */
export function tableRef(name: string): RawBuilder<unknown> {
  return sql.table(name);
}

/** A comma-separated list of quoted column names. */
export function columnList(columns: readonly string[]): RawBuilder<unknown> {
  return sql.join(columns.map((column) => sql.id(column)));
}

/** `INSERT INTO table (columns) VALUES (…), (…)` with every value bound. */
export function insertValues(table: string, columns: readonly string[], rows: readonly unknown[][]): RawBuilder<unknown> {
  return sql`INSERT INTO ${tableRef(table)} (${columnList(columns)}) VALUES ${sql.join(rows.map((row) => sql`(${sql.join([...row])})`))}`;
}
