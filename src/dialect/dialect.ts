import type { DynamicDb } from '../db/dynamic-db.js';
import { CompiledQuery, type QueryResult, type RawBuilder } from 'kysely';
import type { DatabaseKind } from '../config/load-config.js';

/** What a column means for comparison and writing; each dialect maps its native types onto these. */
export type ColumnCategory =
  | 'integer'
  | 'decimal'
  | 'float'
  | 'boolean'
  | 'text'
  | 'datetime' // wall-clock timestamp without zone (MySQL DATETIME/TIMESTAMP in a UTC session, PG timestamp)
  | 'timestamptz' // instant with zone (PG timestamptz)
  | 'date'
  | 'time'
  | 'json'
  | 'binary'
  | 'other';

export interface ColumnInfo {
  name: string;
  /** Native type as the database prints it, e.g. `decimal(12,2)`, `character varying(255)`. */
  nativeType: string;
  /** Type name without modifiers (`numeric`, `varchar`, `int4`), for casts. */
  baseType: string;
  category: ColumnCategory;
  nullable: boolean;
  hasDefault: boolean;
  /** Fractional digits for decimals; undefined where the type has no fixed scale. */
  scale?: number;
  /** Max characters for text types, when bounded. */
  maxLength?: number;
  /** Filled by the database (auto increment, identity); writable only by explicit value. */
  autoIncrement: boolean;
  /** Computed by the database: never writable. */
  generated: boolean;
}

export interface TableInfo {
  /** Name as given in the mapping (possibly schema-qualified). */
  name: string;
  columns: Map<string, ColumnInfo>;
  /** Column lists of unique indexes / primary key, in index order. */
  uniqueKeys: string[][];
  /** Column lists of every index (unique or not), in index order. */
  indexes: string[][];
}

/** Database clock and the start of the oldest open transaction, both as UTC epoch milliseconds. */
export interface ClockReading {
  nowMs: number;
  /** null means "none open" when `openTransactionsVisible`, and "unknown" otherwise. */
  oldestOpenTransactionMs: number | null;
  openTransactionsVisible: boolean;
}

export interface TransactionVisibility {
  visible: boolean;
  /** What is missing and what it costs, for validate and status. */
  detail: string;
}

/**
 * Everything database specific. Code outside src/dialect never branches on the database kind:
 * it asks the dialect, or reads a capability flag.
 */
export interface Dialect {
  readonly kind: DatabaseKind;
  /** Creates a pooled Kysely instance whose sessions are set up for lossless, zone-free values. */
  createKysely(url: string, options: { poolSize: number; applicationName: string }): DynamicDb;
  /** Reads columns and unique keys; undefined when the table does not exist. */
  introspectTable(db: DynamicDb, table: string): Promise<TableInfo | undefined>;
  /** Database clock plus oldest open transaction start, for the safe high-water mark. */
  readClock(db: DynamicDb): Promise<ClockReading>;
  /** Whether this login can see other sessions' open transactions. */
  checkTransactionVisibility(db: DynamicDb): Promise<TransactionVisibility>;
  /** Insert-or-update on a unique key, as one multi-row statement. */
  upsert(table: string, columns: string[], keyColumns: string[], rows: unknown[][]): RawBuilder<unknown>;
  /**
   * The applier's bulk write: `rows` (values in `columns` order) as one statement, an upsert on
   * `conflictKey` when given, else a plain insert. PostgreSQL binds one array per column.
   */
  writeRows(
    table: string,
    columns: readonly ColumnInfo[],
    rows: unknown[][],
    conflictKey?: readonly string[],
    updateColumns?: readonly string[],
  ): Statement;
  /** Inserts one row into a table whose `idColumn` the database generates; returns the new id. */
  insertReturningId(db: DynamicDb, table: string, columns: readonly ColumnInfo[], values: unknown[], idColumn: ColumnInfo): Promise<unknown>;
  /** Condition matching rows whose key columns equal one of `keys` (one bound list/array). */
  keyIn(keyColumns: readonly ColumnInfo[], keys: unknown[][]): RawBuilder<unknown>;
  /** Bind parameters `writeRows` needs for `rowCount` rows of `columnCount` columns. */
  parametersFor(rowCount: number, columnCount: number): number;
  /** Blocks until the named cross-process lock is held on this connection-scoped session. */
  acquireLock(db: DynamicDb, name: string, timeoutSeconds: number): Promise<boolean>;
  releaseLock(db: DynamicDb, name: string): Promise<void>;
  /** Builds `CREATE DATABASE` / `DROP DATABASE` for tooling (demo, tests, bench). */
  createDatabaseSql(name: string): string;
  dropDatabaseSql(name: string): string;
  /** Bind parameters one statement may carry (both servers stop at 65535). */
  readonly maxBindParameters: number;
  /** True when the error concerns the rows written (data or constraint), not the connection. */
  isRowError(error: unknown): boolean;
}


/** Something that runs against a database: a Kysely RawBuilder, or SQL text already built. */
export interface Statement {
  execute(db: DynamicDb): Promise<QueryResult<unknown>>;
}

/**
 * SQL text with its parameters, for hot statements whose thousands of placeholders are cheaper
 * to write as text than to build as Kysely nodes (measured: a fifth of the MySQL write path).
 */
export function textStatement(text: string, parameters: readonly unknown[]): Statement {
  return { execute: (db) => db.executeQuery(CompiledQuery.raw(text, [...parameters])) };
}
