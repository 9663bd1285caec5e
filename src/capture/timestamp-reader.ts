import type { DynamicDb } from '../db/dynamic-db.js';
import { sql, type RawBuilder } from 'kysely';
import type { Dialect, TableInfo, TransactionVisibility } from '../dialect/dialect.js';
import { columnList, tableRef } from '../dialect/identifiers.js';
import type { CompiledMapping } from '../mapping/compiled-mapping.js';
import type { ChangeBatch, ChangeReader, SafeMark, SourceRow } from './change-reader.js';
import type { Cursor } from './cursor.js';
import { wallClockAt } from './wall-clock.js';

/**
 * Polls a table by a timestamp column with a `(timestamp, key…)` cursor and keyset pagination.
 * Rows sharing one timestamp are ordered by key, so a batch boundary inside them neither skips
 * nor repeats any of them.
 */
export class TimestampChangeReader implements ChangeReader {
  readonly #selectList: RawBuilder<unknown>;
  readonly #orderBy: RawBuilder<unknown>;
  readonly #keyOrder: RawBuilder<unknown>;
  readonly #zone: string;
  readonly captureIndexed: boolean;

  constructor(
    private readonly db: DynamicDb,
    private readonly dialect: Dialect,
    private readonly mapping: CompiledMapping,
    table: TableInfo,
  ) {
    const capture = mapping.source.capture;
    // Plain columns plus SQL expressions evaluated by the source database, under their aliases.
    this.#selectList = sql.join([
      ...mapping.sourceColumns.map((column) => sql.id(column)),
      ...mapping.sourceExpressions.map((expression) => sql`(${sql.raw(expression.sql)}) AS ${sql.id(expression.alias)}`),
    ]);
    this.#orderBy = columnList([capture.column, ...mapping.source.key]);
    this.#keyOrder = columnList(mapping.source.key);
    // Query sources are derived tables: their capture value is usually computed, never indexed.
    this.captureIndexed = mapping.source.table !== undefined && table.indexes.some((index) => index[0] === capture.column);
    // A zoned column compares in the session zone (UTC); a wall-clock one in the declared zone.
    this.#zone = table.columns.get(capture.column)?.category === 'timestamptz' ? 'UTC' : capture.timezone;
  }

  async readSafeMark(): Promise<SafeMark> {
    const clock = await this.dialect.readClock(this.db);
    const lagMs = this.mapping.source.capture.lagSeconds * 1000;
    // Without visibility of open transactions, "none seen" proves nothing: only the lag applies.
    const oldest = clock.openTransactionsVisible ? (clock.oldestOpenTransactionMs ?? Infinity) : Infinity;
    const safeMs = Math.min(clock.nowMs, oldest) - lagMs;
    return { mark: { ts: wallClockAt(safeMs, this.#zone), key: null }, openTransactionsVisible: clock.openTransactionsVisible };
  }

  async readBatch(after: Cursor | undefined, limit: number): Promise<ChangeBatch> {
    return this.#select(after ? this.#after(after) : undefined, this.#orderBy, limit);
  }

  async readChangedByKey(from: Cursor, afterKey: readonly string[] | null, limit: number): Promise<ChangeBatch> {
    const changed = this.#after(from);
    const condition = afterKey ? sql`${changed} AND ${keyAfter(this.mapping.source.key, afterKey)}` : changed;
    return this.#select(condition, this.#keyOrder, limit);
  }

  async readKeyBatch(afterKey: readonly string[] | null, limit: number): Promise<ChangeBatch> {
    return this.#select(afterKey ? keyAfter(this.mapping.source.key, afterKey) : undefined, this.#keyOrder, limit);
  }

  async readKeys(keys: readonly (readonly string[])[]): Promise<SourceRow[]> {
    if (keys.length === 0) return [];
    const columns = this.mapping.source.key;
    const match =
      columns.length === 1
        ? sql`${sql.id(columns[0]!)} IN (${sql.join(keys.map((key) => key[0]))})`
        : sql`(${columnList(columns)}) IN (${sql.join(keys.map((key) => sql`(${sql.join([...key])})`))})`;
    const { rows } = await sql<SourceRow>`SELECT ${this.#selectList} FROM ${this.#relation} WHERE ${this.#filtered(match)}`.execute(this.db);
    return rows;
  }

  async rowsWhere(column: string, values: readonly unknown[]): Promise<SourceRow[]> {
    if (values.length === 0) return [];
    const { rows } = await sql<SourceRow>`
      SELECT ${this.#selectList} FROM ${this.#relation}
       WHERE ${this.#filtered(sql`${sql.id(column)} IN (${sql.join([...values])})`)}
       ORDER BY ${this.#keyOrder}`.execute(this.db);
    return rows;
  }

  async #select(position: RawBuilder<unknown> | undefined, orderBy: RawBuilder<unknown>, limit: number): Promise<ChangeBatch> {
    const { rows } = await sql<SourceRow>`
      SELECT ${this.#selectList} FROM ${this.#relation} WHERE ${this.#filtered(position)}
       ORDER BY ${orderBy} LIMIT ${sql.lit(limit)}`.execute(this.db);
    const lastRow = rows.at(-1);
    return { rows, last: lastRow ? this.cursorOf(lastRow) : undefined };
  }

  /** The mapping's `where` AND the given condition (`1=1` when neither). */
  #filtered(condition: RawBuilder<unknown> | undefined): RawBuilder<unknown> {
    const conditions: RawBuilder<unknown>[] = [];
    if (this.mapping.source.where) conditions.push(sql`(${sql.raw(this.mapping.source.where)})`);
    if (condition) conditions.push(condition);
    return conditions.length ? sql.join(conditions, sql` AND `) : sql`1 = 1`;
  }

  /** The source table, or the source query as a derived table. */
  get #relation(): RawBuilder<unknown> {
    const { table, query } = this.mapping.source;
    return table !== undefined ? tableRef(table) : sql`(${sql.raw(query!)}) AS ${sql.id('source_query')}`;
  }

  transactionVisibility(): Promise<TransactionVisibility> {
    return this.dialect.checkTransactionVisibility(this.db);
  }

  async newestChange(): Promise<string | undefined> {
    const { rows } = await sql<{ newest: unknown }>`
      SELECT MAX(${sql.id(this.mapping.source.capture.column)}) AS newest
        FROM ${this.#relation} WHERE ${this.#filtered(undefined)}`.execute(this.db);
    const newest = rows[0]?.newest;
    return newest === null || newest === undefined ? undefined : String(newest);
  }

  cursorOf(row: SourceRow): Cursor {
    return {
      ts: String(row[this.mapping.source.capture.column]),
      key: this.mapping.source.key.map((column) => String(row[column])),
    };
  }

  /** `(ts, k1, k2…) > cursor` spelled out, so both databases use an index on (ts, k1…). */
  #after(cursor: Cursor): RawBuilder<unknown> {
    const ts = sql.id(this.mapping.source.capture.column);
    if (cursor.key === null) return sql`${ts} >= ${cursor.ts}`;
    return sql`(${ts} > ${cursor.ts} OR (${ts} = ${cursor.ts} AND ${keyAfter(this.mapping.source.key, cursor.key)}))`;
  }
}

function keyAfter(columns: readonly string[], values: readonly string[]): RawBuilder<unknown> {
  const [column, ...restColumns] = columns;
  const [value, ...restValues] = values;
  const head = sql`${sql.id(column!)} > ${value}`;
  if (restColumns.length === 0) return head;
  return sql`(${head} OR (${sql.id(column!)} = ${value} AND ${keyAfter(restColumns, restValues)}))`;
}
