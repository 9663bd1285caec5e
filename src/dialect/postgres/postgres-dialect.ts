import type { DynamicDb, DynamicSchema } from '../../db/dynamic-db.js';
import { CompiledQuery, Kysely, PostgresDialect as KyselyPostgresDialect, sql, type RawBuilder } from 'kysely';
import pg from 'pg';
import type { ClockReading, ColumnInfo, Dialect, Statement, TableInfo, TransactionVisibility } from '../dialect.js';
import { columnList, insertValues, splitTableName, tableRef } from '../identifiers.js';
import { postgresCategory, TEXT_PARSED_OIDS } from './postgres-types.js';

interface ColumnRow {
  name: string;
  udt_name: string;
  native_type: string;
  numeric_scale: number | null;
  max_length: number | null;
  is_nullable: string;
  column_default: string | null;
  is_identity: string;
  is_generated: string;
}

const textParsed = new Set(TEXT_PARSED_OIDS);
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (textParsed.has(oid)) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export class PostgresDialect implements Dialect {
  readonly kind = 'postgres' as const;
  readonly maxBindParameters = 60_000;

  createKysely(url: string, options: { poolSize: number; applicationName: string }): DynamicDb {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize,
      application_name: options.applicationName,
      types: typeParsers,
    });
    // An idle client that loses its server emits 'error' on the pool; without a listener Node exits.
    pool.on('error', () => undefined);
    return new Kysely<DynamicSchema>({
      dialect: new KyselyPostgresDialect({
        pool,
        onCreateConnection: async (connection) => {
          await connection.executeQuery(CompiledQuery.raw("SET TIME ZONE 'UTC'"));
        },
      }),
    });
  }

  async introspectTable(db: DynamicDb, name: string): Promise<TableInfo | undefined> {
    const { schema, table } = splitTableName(name);
    const schemaExpr = schema === undefined ? sql`current_schema()` : sql`${schema}`;
    const { rows } = await sql<ColumnRow>`
      SELECT c.column_name AS name, c.udt_name,
             format_type(a.atttypid, a.atttypmod) AS native_type,
             c.numeric_scale, c.character_maximum_length AS max_length,
             c.is_nullable, c.column_default, c.is_identity, c.is_generated
        FROM information_schema.columns c
        JOIN pg_attribute a
          ON a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND a.attname = c.column_name
       WHERE c.table_schema = ${schemaExpr} AND c.table_name = ${table}
       ORDER BY c.ordinal_position`.execute(db);
    if (rows.length === 0) return undefined;
    const columns = new Map<string, ColumnInfo>();
    for (const row of rows) {
      const category = postgresCategory(row.udt_name);
      const serial = row.column_default?.startsWith('nextval(') ?? false;
      columns.set(row.name, {
        name: row.name,
        nativeType: row.native_type,
        baseType: row.udt_name,
        category,
        nullable: row.is_nullable === 'YES',
        hasDefault: row.column_default !== null || row.is_nullable === 'YES' || row.is_identity === 'YES',
        scale: category === 'decimal' && row.numeric_scale !== null ? Number(row.numeric_scale) : undefined,
        maxLength: category === 'text' && row.max_length !== null ? Number(row.max_length) : undefined,
        autoIncrement: serial || row.is_identity === 'YES',
        generated: row.is_generated === 'ALWAYS',
      });
    }
    // Partial and expression indexes cannot serve ON CONFLICT (cols), so they are left out.
    const { rows: indexRows } = await sql<{ columns: string[]; unique: boolean }>`
      SELECT array_agg(a.attname::text ORDER BY k.ord) AS columns, bool_and(i.indisunique) AS unique
        FROM pg_index i
        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       WHERE i.indrelid = format('%I.%I', ${schemaExpr}, ${table}::text)::regclass
         AND i.indpred IS NULL AND i.indexprs IS NULL
       GROUP BY i.indexrelid`.execute(db);
    return {
      name,
      columns,
      uniqueKeys: indexRows.filter((row) => row.unique).map((row) => row.columns),
      indexes: indexRows.map((row) => row.columns),
    };
  }

  async readClock(db: DynamicDb): Promise<ClockReading> {
    // Only client backends of this database can write its rows; our own session is excluded.
    const { rows } = await sql<{ now_s: string; oldest_s: string | null; visible: boolean }>`
      SELECT extract(epoch FROM clock_timestamp())::text AS now_s,
             (SELECT extract(epoch FROM min(xact_start))::text FROM pg_stat_activity
               WHERE datname = current_database() AND backend_type = 'client backend'
                 AND pid <> pg_backend_pid() AND xact_start IS NOT NULL) AS oldest_s,
             ${visibilitySql} AS visible`.execute(db);
    const row = rows[0]!;
    return {
      nowMs: Math.floor(Number(row.now_s) * 1000),
      oldestOpenTransactionMs: row.oldest_s === null ? null : Math.floor(Number(row.oldest_s) * 1000),
      openTransactionsVisible: row.visible,
    };
  }

  async checkTransactionVisibility(db: DynamicDb): Promise<TransactionVisibility> {
    const { rows } = await sql<{ visible: boolean }>`SELECT ${visibilitySql} AS visible`.execute(db);
    if (rows[0]?.visible) return { visible: true, detail: 'open transactions visible (superuser or pg_read_all_stats)' };
    return {
      visible: false,
      detail:
        "this role is neither superuser nor member of pg_read_all_stats, so PostgreSQL silently hides other sessions' " +
        'xact_start in pg_stat_activity; the checkpoint then relies on the lag and overlap window alone, and a ' +
        'transaction that commits later than that window is missed until the nightly reconciliation. ' +
        'Fix: GRANT pg_read_all_stats TO <role>',
    };
  }

  upsert(table: string, columns: string[], keyColumns: string[], rows: unknown[][], updateColumns?: readonly string[]): RawBuilder<unknown> {
    const updatable = (updateColumns ?? columns).filter((column) => !keyColumns.includes(column));
    const action = updatable.length
      ? sql`DO UPDATE SET ${sql.join(updatable.map((column) => sql`${sql.id(column)} = EXCLUDED.${sql.id(column)}`))}`
      : sql`DO NOTHING`;
    return sql`${insertValues(table, columns, rows)} ON CONFLICT (${columnList(keyColumns)}) ${action}`;
  }

  writeRows(
    table: string,
    columns: readonly ColumnInfo[],
    rows: unknown[][],
    conflictKey?: readonly string[],
    updateColumns?: readonly string[],
  ): Statement {
    const names = columns.map((column) => column.name);
    // One array parameter per column: PostgreSQL parses a 6-parameter statement instead of a
    // VALUES list with thousands of parameters. Array columns (udt `_x`) cannot be nested: VALUES.
    if (columns.some((column) => column.baseType.startsWith('_'))) {
      if (conflictKey) return this.upsert(table, names, [...conflictKey], rows, updateColumns);
      return insertValues(table, names, rows);
    }
    const arrays = columns.map((column, index) => sql`${rows.map((row) => row[index])}::${sql.id(column.baseType)}[]`);
    const insert = sql`INSERT INTO ${tableRef(table)} (${columnList(names)}) SELECT * FROM unnest(${sql.join(arrays)})`;
    if (!conflictKey) return insert;
    const updatable = (updateColumns ?? names).filter((name) => !conflictKey.includes(name));
    const action = updatable.length
      ? sql`DO UPDATE SET ${sql.join(updatable.map((column) => sql`${sql.id(column)} = EXCLUDED.${sql.id(column)}`))}`
      : sql`DO NOTHING`;
    return sql`${insert} ON CONFLICT (${columnList([...conflictKey])}) ${action}`;
  }

  async insertReturningId(db: DynamicDb, table: string, columns: readonly ColumnInfo[], values: unknown[], idColumn: ColumnInfo): Promise<unknown> {
    const { rows } = await sql<Record<string, unknown>>`
      INSERT INTO ${tableRef(table)} (${columnList(columns.map((column) => column.name))}) VALUES (${sql.join(values)})
      RETURNING ${sql.id(idColumn.name)}`.execute(db);
    return String(rows[0]?.[idColumn.name]);
  }

  keyIn(keyColumns: readonly ColumnInfo[], keys: unknown[][]): RawBuilder<unknown> {
    const arrays = keyColumns.map((column, index) => sql`${keys.map((key) => key[index])}::${sql.id(column.baseType)}[]`);
    if (keyColumns.length === 1) return sql`${sql.id(keyColumns[0]!.name)} = ANY(${arrays[0]!})`;
    return sql`(${columnList(keyColumns.map((column) => column.name))}) IN (SELECT * FROM unnest(${sql.join(arrays)}))`;
  }

  parametersFor(_rowCount: number, columnCount: number): number {
    return columnCount;
  }

  async acquireLock(db: DynamicDb, name: string, timeoutSeconds: number): Promise<boolean> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const { rows } = await sql<{ got: boolean }>`SELECT pg_try_advisory_lock(hashtext(${name})) AS got`.execute(db);
      if (rows[0]?.got) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async releaseLock(db: DynamicDb, name: string): Promise<void> {
    await sql`SELECT pg_advisory_unlock(hashtext(${name}))`.execute(db);
  }

  isRowError(error: unknown): boolean {
    // SQLSTATE class 22 (data exception) and 23 (integrity constraint violation).
    const code = (error as { code?: string }).code ?? '';
    return /^2[23][0-9A-Z]{3}$/.test(code);
  }

  createDatabaseSql(name: string): string {
    return `CREATE DATABASE "${name.replace(/"/g, '""')}" ENCODING 'UTF8' TEMPLATE template0`;
  }

  dropDatabaseSql(name: string): string {
    return `DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`;
  }
}

const visibilitySql = sql`(SELECT rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER')
                             FROM pg_roles WHERE rolname = current_user)`;
