import type { DynamicDb, DynamicSchema } from '../../db/dynamic-db.js';
import { CompiledQuery, Kysely, MysqlDialect as KyselyMysqlDialect, sql, type RawBuilder } from 'kysely';
import { createPool } from 'mysql2';
import { textStatement, type ClockReading, type ColumnInfo, type Dialect, type Statement, type TableInfo, type TransactionVisibility } from '../dialect.js';
import { columnList, insertValues, splitTableName } from '../identifiers.js';
import { mysqlCategory } from './mysql-types.js';

interface ColumnRow {
  name: string;
  data_type: string;
  column_type: string;
  numeric_scale: number | null;
  max_length: number | string | null;
  is_nullable: string;
  column_default: string | null;
  extra: string;
  generation_expression: string | null;
}

const ACCESS_DENIED = new Set(['ER_SPECIFIC_ACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR']);

// Column cannot be null, no default, out of range, too long, incorrect value/datetime,
// duplicate entry, FK failures, CHECK failures, truncated data.
const MYSQL_ROW_ERRNOS = new Set([1048, 1364, 1264, 1406, 1366, 1292, 1062, 1451, 1452, 4025, 3819, 1265, 1367, 1411, 3140]);

function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

function quoteTable(name: string): string {
  return name.split('.').map(quoteIdentifier).join('.');
}

const CLOCK_READING_SPACING_MS = 250;
const recentClockReadings = new WeakMap<DynamicDb, { at: number; reading: Promise<ClockReading> }>();

export class MysqlDialect implements Dialect {
  readonly kind = 'mysql' as const;
  readonly maxBindParameters = 60_000;

  createKysely(url: string, options: { poolSize: number; applicationName: string }): DynamicDb {
    const pool = createPool({
      uri: url,
      connectionLimit: options.poolSize,
      // Values travel as text: no Date (zone guessing), no JS numbers for BIGINT/DECIMAL.
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      jsonStrings: true,
      timezone: 'Z',
      charset: 'utf8mb4_unicode_ci',
      connectAttributes: { program_name: options.applicationName },
    });
    return new Kysely<DynamicSchema>({
      dialect: new KyselyMysqlDialect({
        pool,
        // Every session in UTC so TIMESTAMP columns are not shifted by the server's zone.
        onCreateConnection: async (connection) => {
          await connection.executeQuery(CompiledQuery.raw("SET time_zone = '+00:00', NAMES utf8mb4"));
        },
      }),
    });
  }

  async introspectTable(db: DynamicDb, name: string): Promise<TableInfo | undefined> {
    const { schema, table } = splitTableName(name);
    const schemaExpr = schema === undefined ? sql`DATABASE()` : sql`${schema}`;
    const { rows } = await sql<ColumnRow>`
      SELECT COLUMN_NAME AS name, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type,
             NUMERIC_SCALE AS numeric_scale, CHARACTER_MAXIMUM_LENGTH AS max_length,
             IS_NULLABLE AS is_nullable, COLUMN_DEFAULT AS column_default, EXTRA AS extra,
             GENERATION_EXPRESSION AS generation_expression
        FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = ${schemaExpr} AND TABLE_NAME = ${table}
       ORDER BY ORDINAL_POSITION`.execute(db);
    if (rows.length === 0) return undefined;
    const columns = new Map<string, ColumnInfo>();
    for (const row of rows) {
      const extra = (row.extra ?? '').toLowerCase();
      const category = mysqlCategory(row.data_type);
      columns.set(row.name, {
        name: row.name,
        nativeType: row.column_type,
        baseType: row.data_type.toLowerCase(),
        category,
        nullable: row.is_nullable === 'YES',
        // MariaDB reports a nullable column without default as default "NULL".
        hasDefault: row.column_default !== null || row.is_nullable === 'YES' || extra.includes('auto_increment'),
        scale: category === 'decimal' && row.numeric_scale !== null ? Number(row.numeric_scale) : undefined,
        maxLength: category === 'text' && row.max_length !== null ? Number(row.max_length) : undefined,
        autoIncrement: extra.includes('auto_increment'),
        generated: /virtual|stored|persistent/.test(extra) && !!row.generation_expression,
      });
    }
    const { rows: indexRows } = await sql<{ index_name: string; column_name: string; non_unique: number | string }>`
      SELECT INDEX_NAME AS index_name, COLUMN_NAME AS column_name, NON_UNIQUE AS non_unique
        FROM information_schema.STATISTICS
       WHERE TABLE_SCHEMA = ${schemaExpr} AND TABLE_NAME = ${table}
       ORDER BY INDEX_NAME, SEQ_IN_INDEX`.execute(db);
    const indexes = new Map<string, { unique: boolean; columns: string[] }>();
    for (const row of indexRows) {
      const index = indexes.get(row.index_name) ?? { unique: Number(row.non_unique) === 0, columns: [] };
      index.columns.push(row.column_name);
      indexes.set(row.index_name, index);
    }
    const all = [...indexes.values()];
    return { name, columns, uniqueKeys: all.filter((index) => index.unique).map((index) => index.columns), indexes: all.map((index) => index.columns) };
  }

  async readClock(db: DynamicDb): Promise<ClockReading> {
    // MariaDB serves INNODB_TRX from a cache refreshed only when the previous read is more than
    // 0.1 s old, so readers polling it faster keep it stale. Readings per pool are therefore
    // spaced at least 250 ms apart and shared in between; an older reading only lowers the mark.
    const recent = recentClockReadings.get(db);
    if (recent && Date.now() - recent.at < CLOCK_READING_SPACING_MS) return recent.reading;
    const reading = this.#readClockNow(db);
    recentClockReadings.set(db, { at: Date.now(), reading });
    reading.catch(() => recentClockReadings.delete(db));
    return reading;
  }

  async #readClockNow(db: DynamicDb): Promise<ClockReading> {
    // INNODB_TRX.trx_started is printed in the server's SYSTEM zone whatever the session zone
    // (checked on MariaDB 10.11), so it is converted to epoch under that zone, then the session
    // goes back to UTC. Both readings come from one statement.
    return db.connection().execute(async (connection) => {
      await sql`SET time_zone = 'SYSTEM'`.execute(connection);
      try {
        const { rows } = await sql<{ now_s: string; oldest_s: string | null }>`
          SELECT UNIX_TIMESTAMP(NOW(6)) AS now_s,
                 (SELECT UNIX_TIMESTAMP(MIN(trx_started)) FROM information_schema.INNODB_TRX) AS oldest_s`.execute(connection);
        const row = rows[0]!;
        return {
          nowMs: Math.floor(Number(row.now_s) * 1000),
          oldestOpenTransactionMs: row.oldest_s === null ? null : Number(row.oldest_s) * 1000,
          openTransactionsVisible: true,
        };
      } catch (error) {
        if (!ACCESS_DENIED.has((error as { code?: string }).code ?? '')) throw error;
        const { rows } = await sql<{ now_s: string }>`SELECT UNIX_TIMESTAMP(NOW(6)) AS now_s`.execute(connection);
        return { nowMs: Math.floor(Number(rows[0]!.now_s) * 1000), oldestOpenTransactionMs: null, openTransactionsVisible: false };
      } finally {
        await sql`SET time_zone = '+00:00'`.execute(connection);
      }
    });
  }

  async checkTransactionVisibility(db: DynamicDb): Promise<TransactionVisibility> {
    try {
      await sql`SELECT COUNT(*) FROM information_schema.INNODB_TRX`.execute(db);
      return { visible: true, detail: 'open transactions visible (PROCESS privilege present)' };
    } catch (error) {
      if (!ACCESS_DENIED.has((error as { code?: string }).code ?? '')) throw error;
      return {
        visible: false,
        detail:
          'this login lacks the PROCESS privilege, so information_schema.INNODB_TRX is refused and open ' +
          'transactions cannot be seen; the checkpoint then relies on the lag and overlap window alone, and a ' +
          'transaction that commits later than that window is missed until the nightly reconciliation. ' +
          "Fix: GRANT PROCESS ON *.* TO '<user>'@'<host>'",
      };
    }
  }

  upsert(table: string, columns: string[], keyColumns: string[], rows: unknown[][], updateColumns?: readonly string[]): RawBuilder<unknown> {
    const updatable = (updateColumns ?? columns).filter((column) => !keyColumns.includes(column));
    // VALUES(col) works on MariaDB and MySQL 8 (deprecated there, still supported).
    const assignments = (updatable.length ? updatable : keyColumns.slice(0, 1)).map(
      (column) => sql`${sql.id(column)} = VALUES(${sql.id(column)})`,
    );
    return sql`${insertValues(table, columns, rows)} ON DUPLICATE KEY UPDATE ${sql.join(assignments)}`;
  }

  writeRows(
    table: string,
    columns: readonly ColumnInfo[],
    rows: unknown[][],
    conflictKey?: readonly string[],
    updateColumns?: readonly string[],
  ): Statement {
    // Built as text: identifiers are validated by the mapping schema and quoted here, values bound.
    const names = columns.map((column) => column.name);
    const row = `(${names.map(() => '?').join(', ')})`;
    let text = `INSERT INTO ${quoteTable(table)} (${names.map(quoteIdentifier).join(', ')}) VALUES ${rows.map(() => row).join(', ')}`;
    if (conflictKey) {
      const updatable = (updateColumns ?? names).filter((name) => !conflictKey.includes(name));
      // VALUES(col) works on MariaDB and MySQL 8 (deprecated there, still supported).
      const assignments = (updatable.length ? updatable : conflictKey.slice(0, 1)).map((name) => `${quoteIdentifier(name)} = VALUES(${quoteIdentifier(name)})`);
      text += ` ON DUPLICATE KEY UPDATE ${assignments.join(', ')}`;
    }
    return textStatement(text, rows.flat());
  }

  async insertReturningId(db: DynamicDb, table: string, columns: readonly ColumnInfo[], values: unknown[], _idColumn: ColumnInfo): Promise<unknown> {
    const result = await this.writeRows(table, columns, [values]).execute(db);
    return String(result.insertId);
  }

  keyIn(keyColumns: readonly ColumnInfo[], keys: unknown[][]): RawBuilder<unknown> {
    if (keyColumns.length === 1) return sql`${sql.id(keyColumns[0]!.name)} IN (${sql.join(keys.map((key) => key[0]))})`;
    return sql`(${columnList(keyColumns.map((column) => column.name))}) IN (${sql.join(keys.map((key) => sql`(${sql.join(key)})`))})`;
  }

  parametersFor(rowCount: number, columnCount: number): number {
    return rowCount * columnCount;
  }

  async acquireLock(db: DynamicDb, name: string, timeoutSeconds: number): Promise<boolean> {
    const { rows } = await sql<{ got: number | null }>`SELECT GET_LOCK(${name}, ${timeoutSeconds}) AS got`.execute(db);
    return rows[0]?.got === 1;
  }

  async releaseLock(db: DynamicDb, name: string): Promise<void> {
    await sql`SELECT RELEASE_LOCK(${name})`.execute(db);
  }

  isRowError(error: unknown): boolean {
    // Data and constraint errors; connection loss and server errors are not the row's fault.
    const errno = (error as { errno?: number }).errno;
    const state = (error as { sqlState?: string }).sqlState ?? '';
    return state.startsWith('22') || state.startsWith('23') || (errno !== undefined && MYSQL_ROW_ERRNOS.has(errno));
  }

  createDatabaseSql(name: string): string {
    return `CREATE DATABASE \`${name.replace(/`/g, '``')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;
  }

  dropDatabaseSql(name: string): string {
    return `DROP DATABASE IF EXISTS \`${name.replace(/`/g, '``')}\``;
  }
}
