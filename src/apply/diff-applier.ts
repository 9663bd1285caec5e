import type { DynamicDb } from '../db/dynamic-db.js';
import { sql } from 'kysely';
import type { SourceRow } from '../capture/change-reader.js';
import type { ColumnInfo, Dialect, TableInfo } from '../dialect/dialect.js';
import { columnList, tableRef } from '../dialect/identifiers.js';
import { redactSecrets } from '../log.js';
import type { CompiledMapping } from '../mapping/compiled-mapping.js';
import type { RejectedRow } from '../state/rejected-row-store.js';
import { canonicalValue, writeValue } from './normalize.js';

export interface ApplyResult {
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: RejectedRow[];
  /** Target keys written or confirmed equal (their earlier rejections are void). */
  appliedKeys: unknown[][];
}

interface PlannedRow {
  key: unknown[];
  values: Record<string, unknown>;
  source: SourceRow;
}

/**
 * Diff-and-apply writer for one mapping: one query reads the batch's target rows by key, values
 * are compared in canonical form, and only rows that differ are written, as multi-row statements.
 * Never commits: the caller owns the transaction (and puts the checkpoint in it).
 */
export class DiffApplier {
  readonly #columns: ColumnInfo[];
  readonly #keyColumns: ColumnInfo[];
  /** Unique index on exactly the target key: upsert in one statement; else insert + update. */
  readonly #upsertable: boolean;

  constructor(
    private readonly dialect: Dialect,
    private readonly mapping: CompiledMapping,
    target: TableInfo,
  ) {
    const column = (name: string) => {
      const info = target.columns.get(name);
      if (!info) throw new Error(`target column ${name} vanished from ${target.name}`);
      return info;
    };
    this.#columns = mapping.columns.map((entry) => column(entry.target));
    this.#keyColumns = mapping.target.key.map(column);
    const keySet = new Set(mapping.target.key);
    this.#upsertable = target.uniqueKeys.some((unique) => unique.length === keySet.size && unique.every((name) => keySet.has(name)));
  }

  get usesUpsert(): boolean {
    return this.#upsertable;
  }

  async apply(tx: DynamicDb, rows: readonly SourceRow[]): Promise<ApplyResult> {
    const result: ApplyResult = { inserted: 0, updated: 0, unchanged: 0, rejected: [], appliedKeys: [] };
    // Later rows for the same key are newer (cursor order): the last one wins.
    const planned = new Map<string, PlannedRow>();
    for (const source of rows) {
      const values = this.mapping.toTarget(source);
      const key = this.#keyColumns.map((column) => values[column.name]);
      if (key.some((part) => part === null || part === undefined)) {
        result.rejected.push({ key, reason: `target key ${this.mapping.target.key.join(', ')} is NULL`, row: source });
        continue;
      }
      planned.set(this.#keyText(key), { key, values, source });
    }
    if (planned.size === 0) return result;

    const existing = await this.#fetchExisting(tx, [...planned.values()].map((row) => row.key));
    const inserts: PlannedRow[] = [];
    const updates: PlannedRow[] = [];
    for (const [keyText, row] of planned) {
      const current = existing.get(keyText);
      if (!current) inserts.push(row);
      else if (this.#differs(row.values, current)) updates.push(row);
      else {
        result.unchanged++;
        result.appliedKeys.push(row.key);
      }
    }
    await this.#write(tx, inserts, updates, result);
    return result;
  }

  #keyText(key: unknown[]): string {
    return key.map((part, index) => canonicalValue(part, this.#keyColumns[index]!)).join('\u0000');
  }

  #differs(values: Record<string, unknown>, current: Record<string, unknown>): boolean {
    return this.#columns.some((column) => canonicalValue(values[column.name], column) !== canonicalValue(current[column.name], column));
  }

  async #fetchExisting(tx: DynamicDb, keys: unknown[][]): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    const keyNames = this.#keyColumns.map((column) => column.name);
    const selected = columnList([...new Set([...keyNames, ...this.#columns.map((column) => column.name)])]);
    for (const chunk of this.#chunks(keys, keyNames.length)) {
      const bound = chunk.map((key) => key.map((part, i) => writeValue(part, this.#keyColumns[i]!)));
      const { rows } = await sql<Record<string, unknown>>`
        SELECT ${selected} FROM ${tableRef(this.mapping.target.table)} WHERE ${this.dialect.keyIn(this.#keyColumns, bound)}`.execute(tx);
      for (const row of rows) found.set(this.#keyText(keyNames.map((name) => row[name])), row);
    }
    return found;
  }

  /** Splits `items` so that no statement exceeds the dialect's bind-parameter limit. */
  #chunks<T>(items: T[], columnCount: number): T[][] {
    let size = items.length;
    while (size > 1 && this.dialect.parametersFor(size, columnCount) > this.dialect.maxBindParameters) size = Math.ceil(size / 2);
    const chunks: T[][] = [];
    for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
    return chunks;
  }

  async #write(tx: DynamicDb, inserts: PlannedRow[], updates: PlannedRow[], result: ApplyResult): Promise<void> {
    if (inserts.length === 0 && updates.length === 0) return;
    // Fast path: the whole batch in as few statements as possible, under a savepoint so a bad row
    // can be isolated without losing the batch's transaction.
    await sql`SAVEPOINT aimeos_sync_batch`.execute(tx);
    try {
      await this.#writeRows(tx, inserts, updates);
      await sql`RELEASE SAVEPOINT aimeos_sync_batch`.execute(tx);
      result.inserted += inserts.length;
      result.updated += updates.length;
      for (const row of [...inserts, ...updates]) result.appliedKeys.push(row.key);
      return;
    } catch (error) {
      if (!this.dialect.isRowError(error)) throw error;
      await sql`ROLLBACK TO SAVEPOINT aimeos_sync_batch`.execute(tx);
    }
    // Slow path: one row at a time, each under its own savepoint; refused rows are reported.
    for (const [rows, kind] of [
      [inserts, 'inserted'],
      [updates, 'updated'],
    ] as const) {
      for (const row of rows) {
        await sql`SAVEPOINT aimeos_sync_row`.execute(tx);
        try {
          await this.#writeRows(tx, kind === 'inserted' ? [row] : [], kind === 'updated' ? [row] : []);
          await sql`RELEASE SAVEPOINT aimeos_sync_row`.execute(tx);
          result[kind]++;
          result.appliedKeys.push(row.key);
        } catch (error) {
          if (!this.dialect.isRowError(error)) throw error;
          await sql`ROLLBACK TO SAVEPOINT aimeos_sync_row`.execute(tx);
          result.rejected.push({ key: row.key, reason: redactSecrets((error as Error).message), row: row.source });
        }
      }
    }
  }

  async #writeRows(tx: DynamicDb, inserts: PlannedRow[], updates: PlannedRow[]): Promise<void> {
    const table = this.mapping.target.table;
    const toParams = (row: PlannedRow) => this.#columns.map((column) => writeValue(row.values[column.name], column));
    if (this.#upsertable) {
      for (const chunk of this.#chunks([...inserts, ...updates], this.#columns.length)) {
        await this.dialect.writeRows(table, this.#columns, chunk.map(toParams), this.mapping.target.key).execute(tx);
      }
      return;
    }
    for (const chunk of this.#chunks(inserts, this.#columns.length)) {
      await this.dialect.writeRows(table, this.#columns, chunk.map(toParams)).execute(tx);
    }
    // No unique index on the key: rows are known to exist (read above), so a keyed UPDATE is exact.
    const updatable = this.#columns.filter((column) => !this.mapping.target.key.includes(column.name));
    if (updatable.length === 0) return;
    for (const row of updates) {
      const assignments = updatable.map((column) => sql`${sql.id(column.name)} = ${writeValue(row.values[column.name], column)}`);
      const keyMatch = this.#keyColumns.map((column, i) => sql`${sql.id(column.name)} = ${writeValue(row.key[i], column)}`);
      await sql`UPDATE ${tableRef(table)} SET ${sql.join(assignments)} WHERE ${sql.join(keyMatch, sql` AND `)}`.execute(tx);
    }
  }
}
