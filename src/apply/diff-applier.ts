import { sql } from 'kysely';
import type { SourceRow } from '../capture/change-reader.js';
import { wallClockAt } from '../capture/wall-clock.js';
import type { DynamicDb } from '../db/dynamic-db.js';
import type { ColumnInfo, Dialect, TableInfo } from '../dialect/dialect.js';
import { columnList, tableRef } from '../dialect/identifiers.js';
import { redactSecrets } from '../log.js';
import type { ColumnRule, LookupResults } from '../mapping/column-rules.js';
import type { CompiledMapping } from '../mapping/compiled-mapping.js';
import type { IdentityStore } from '../state/identity-store.js';
import type { RejectedRow } from '../state/rejected-row-store.js';
import { canonicalValue, writeValue } from './normalize.js';

export interface ApplyResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Existing target rows taken over through the identity map's natural-key match. */
  adopted: number;
  rejected: RejectedRow[];
  /** Source keys written or confirmed equal (their earlier rejections are void). */
  appliedKeys: string[][];
  /** Rows written (inserted or updated): source key and mapped values, for side effects and actions. */
  written: { key: string[]; values: Record<string, unknown> }[];
}

interface PlannedRow {
  sourceKey: string[];
  values: Record<string, unknown>;
  source: SourceRow;
  /** Target id (identity mode) once known. */
  id?: unknown;
}

/**
 * Diff-and-apply writer for one mapping: one query reads the batch's target rows (by key, or by
 * the ids the identity map holds), values are compared in canonical form, and only rows that
 * differ are written. Never commits: the caller owns the transaction (and puts the checkpoint in it).
 */
export class DiffApplier {
  /** Every column written on insert (rules and stamps). */
  readonly #insertColumns: ColumnInfo[];
  /** Columns written on update (not insert-only). */
  readonly #updateColumns: ColumnInfo[];
  /** Columns whose values decide whether a row differs. */
  readonly #comparedColumns: ColumnInfo[];
  readonly #keyColumns: ColumnInfo[];
  readonly #identityColumn?: ColumnInfo;
  readonly #matchColumns: ColumnInfo[];
  readonly #rules: ReadonlyMap<string, ColumnRule>;
  /** Unique index on exactly the target key: upsert in one statement; else insert + update. */
  readonly #upsertable: boolean;

  constructor(
    private readonly dialect: Dialect,
    private readonly mapping: CompiledMapping,
    target: TableInfo,
    private readonly options: { editor: string; identity?: IdentityStore },
  ) {
    const column = (name: string) => {
      const info = target.columns.get(name);
      if (!info) throw new Error(`target column ${name} vanished from ${target.name}`);
      return info;
    };
    const key = new Set(mapping.target.key);
    this.#rules = new Map(mapping.rules.map((rule) => [rule.target, rule]));
    this.#insertColumns = mapping.rules.map((rule) => column(rule.target));
    this.#updateColumns = mapping.rules.filter((rule) => !rule.insertOnly && !key.has(rule.target)).map((rule) => column(rule.target));
    this.#comparedColumns = mapping.rules.filter((rule) => rule.compared && !rule.insertOnly).map((rule) => column(rule.target));
    this.#keyColumns = mapping.target.key.map(column);
    this.#identityColumn = mapping.target.identity ? column(mapping.target.identity.column) : undefined;
    this.#matchColumns = (mapping.target.identity?.match ?? []).map(column);
    // An update-only mapping never inserts, so it must not upsert either: the insert half of an
    // upsert needs every NOT NULL column, which such a mapping does not supply. Keyed UPDATEs only.
    this.#upsertable =
      !mapping.target.updateOnly &&
      key.size > 0 &&
      target.uniqueKeys.some((unique) => unique.length === key.size && unique.every((name) => key.has(name)));
  }

  get usesUpsert(): boolean {
    return this.#upsertable;
  }

  async apply(tx: DynamicDb, rows: readonly SourceRow[], lookups: LookupResults): Promise<ApplyResult> {
    const result: ApplyResult = { inserted: 0, updated: 0, unchanged: 0, adopted: 0, rejected: [], appliedKeys: [], written: [] };
    // Later rows for the same source key are newer (cursor order): the last one wins.
    const planned = new Map<string, PlannedRow>();
    for (const source of rows) {
      const sourceKey = this.mapping.source.key.map((name) => String(source[name]));
      const mapped = this.mapping.toTarget(source, lookups);
      if (!mapped.ok) {
        const { column, reason, wait } = mapped.rejection;
        result.rejected.push({ key: sourceKey, reason: `column ${column}: ${reason}`, row: source, wait });
        continue;
      }
      planned.set(JSON.stringify(sourceKey), { sourceKey, values: mapped.values, source });
    }
    if (planned.size === 0) return result;
    if (this.#identityColumn) await this.#applyByIdentity(tx, [...planned.values()], result);
    else await this.#applyByKey(tx, [...planned.values()], result);
    return result;
  }

  // ---- keyed targets: rows located by target key columns ------------------------------------

  async #applyByKey(tx: DynamicDb, planned: PlannedRow[], result: ApplyResult): Promise<void> {
    const byKey = new Map<string, PlannedRow>();
    for (const row of planned) {
      const key = this.#keyColumns.map((column) => row.values[column.name]);
      if (key.some((part) => part === null || part === undefined)) {
        result.rejected.push({ key: row.sourceKey, reason: `target key ${this.mapping.target.key.join(', ')} is NULL`, row: row.source, wait: false });
        continue;
      }
      byKey.set(this.#keyText(key), row);
    }
    const existing = await this.#fetch(tx, this.#keyColumns, [...byKey.values()].map((row) => this.#keyColumns.map((c) => row.values[c.name])));
    const inserts: PlannedRow[] = [];
    const updates: PlannedRow[] = [];
    for (const [keyText, row] of byKey) {
      const current = existing.get(keyText);
      if (!current && this.mapping.target.updateOnly) {
        result.rejected.push({ key: row.sourceKey, reason: `no row in ${this.mapping.target.table} with this key, and the mapping only updates`, row: row.source, wait: false });
      } else if (!current) inserts.push(row);
      else if (this.#differs(row.values, current)) updates.push(row);
      else {
        result.unchanged++;
        result.appliedKeys.push(row.sourceKey);
      }
    }
    await this.#isolated(tx, inserts, updates, result, (batchInserts, batchUpdates) => this.#writeByKey(tx, batchInserts, batchUpdates));
  }

  async #writeByKey(tx: DynamicDb, inserts: PlannedRow[], updates: PlannedRow[]): Promise<void> {
    const table = this.mapping.target.table;
    const now = this.#stampTime();
    if (this.#upsertable) {
      for (const chunk of this.#chunks([...inserts, ...updates], this.#insertColumns.length)) {
        const rows = chunk.map((row) => this.#params(row, this.#insertColumns, now));
        await this.dialect.writeRows(table, this.#insertColumns, rows, this.mapping.target.key, this.#updateColumns.map((c) => c.name)).execute(tx);
      }
      return;
    }
    for (const chunk of this.#chunks(inserts, this.#insertColumns.length)) {
      await this.dialect.writeRows(table, this.#insertColumns, chunk.map((row) => this.#params(row, this.#insertColumns, now))).execute(tx);
    }
    // No unique index on the key: rows are known to exist (read above), so a keyed UPDATE is exact.
    for (const row of updates) await this.#update(tx, row, this.#keyColumns, this.#keyColumns.map((c) => row.values[c.name]), now);
  }

  // ---- targets that generate their own ids: rows located through the identity map ------------

  async #applyByIdentity(tx: DynamicDb, planned: PlannedRow[], result: ApplyResult): Promise<void> {
    const identity = this.options.identity!;
    const idColumn = this.#identityColumn!;
    const known = await identity.lookup(tx, this.mapping.name, planned.map((row) => row.sourceKey));
    for (const row of planned) row.id = known.get(JSON.stringify(row.sourceKey));
    const withId = planned.filter((row) => row.id !== undefined);
    const existing = await this.#fetch(tx, [idColumn], withId.map((row) => [row.id]));
    const inserts: PlannedRow[] = [];
    const updates: PlannedRow[] = [];
    const unmatched: PlannedRow[] = [];
    for (const row of planned) {
      const current = row.id === undefined ? undefined : existing.get(this.#textOf([row.id], [idColumn]));
      if (!current) unmatched.push(row);
      else if (this.#differs(row.values, current)) updates.push(row);
      else {
        result.unchanged++;
        result.appliedKeys.push(row.sourceKey);
      }
    }
    // First sync against a target that already holds these rows: adopt by natural key.
    const adoption = this.#matchColumns.length ? await this.#adoptionCandidates(tx, unmatched) : undefined;
    for (const row of unmatched) {
      const adopted = adoption ? await this.#adopt(tx, row, adoption, result) : 'none';
      if (adopted === 'ambiguous') continue;
      if (adopted === 'none') inserts.push(row);
      else {
        row.id = adopted.id;
        if (this.#differs(row.values, adopted.row)) updates.push(row);
        else {
          result.unchanged++;
          result.appliedKeys.push(row.sourceKey);
        }
      }
    }
    await this.#isolated(tx, inserts, updates, result, async (batchInserts, batchUpdates) => {
      const now = this.#stampTime();
      for (const row of batchInserts) {
        row.id = await this.dialect.insertReturningId(tx, this.mapping.target.table, this.#insertColumns, this.#params(row, this.#insertColumns, now), idColumn);
        await identity.remember(tx, this.mapping.name, row.sourceKey, String(row.id));
      }
      for (const row of batchUpdates) await this.#update(tx, row, [idColumn], [row.id], now);
    });
  }

  /**
   * Target rows matching the unmatched rows' natural keys, grouped by match text, with the ids
   * already claimed in the identity map: two queries for the whole batch, not two per row.
   */
  async #adoptionCandidates(tx: DynamicDb, rows: PlannedRow[]): Promise<{ byMatch: Map<string, Record<string, unknown>[]>; claimed: Set<string> }> {
    const idColumn = this.#identityColumn!;
    const matches = rows
      .map((row) => this.#matchColumns.map((column) => row.values[column.name]))
      .filter((match) => match.every((value) => value !== null && value !== undefined));
    const byMatch = await this.#fetchAll(tx, this.#matchColumns, matches, [idColumn]);
    const ids = [...byMatch.values()].flat().map((candidate) => String(candidate[idColumn.name]));
    return { byMatch, claimed: await this.options.identity!.claimedTargets(tx, this.mapping.name, ids) };
  }

  /** One free candidate → adopted (recorded in the identity map); several → reported, never guessed. */
  async #adopt(
    tx: DynamicDb,
    row: PlannedRow,
    adoption: { byMatch: Map<string, Record<string, unknown>[]>; claimed: Set<string> },
    result: ApplyResult,
  ): Promise<'none' | 'ambiguous' | { id: unknown; row: Record<string, unknown> }> {
    const idColumn = this.#identityColumn!;
    const match = this.#matchColumns.map((column) => row.values[column.name]);
    if (match.some((value) => value === null || value === undefined)) return 'none';
    const candidates = adoption.byMatch.get(this.#textOf(match, this.#matchColumns)) ?? [];
    const free = candidates.filter((candidate) => !adoption.claimed.has(String(candidate[idColumn.name])));
    if (free.length === 0) return 'none';
    if (free.length > 1) {
      result.rejected.push({
        key: row.sourceKey,
        reason: `ambiguous: ${free.length} target rows match ${this.mapping.target.identity!.match!.join(', ')} (${idColumn.name} ${free.map((c) => String(c[idColumn.name])).join(', ')}); resolve in the target, nothing was guessed`,
        row: row.source,
        wait: false,
      });
      return 'ambiguous';
    }
    const id = String(free[0]![idColumn.name]);
    // Claimed now: a second source row with the same natural key in this batch cannot take it too.
    adoption.claimed.add(id);
    await this.options.identity!.remember(tx, this.mapping.name, row.sourceKey, id);
    result.adopted++;
    return { id, row: free[0]! };
  }

  // ---- shared -------------------------------------------------------------------------------

  /**
   * Writes the batch under a savepoint; when the target refuses it, retries row by row (each
   * under its own savepoint) so the good rows land and the refused ones are reported.
   */
  async #isolated(
    tx: DynamicDb,
    inserts: PlannedRow[],
    updates: PlannedRow[],
    result: ApplyResult,
    write: (inserts: PlannedRow[], updates: PlannedRow[]) => Promise<void>,
  ): Promise<void> {
    if (inserts.length === 0 && updates.length === 0) return;
    const done = (row: PlannedRow, kind: 'inserted' | 'updated') => {
      result[kind]++;
      result.appliedKeys.push(row.sourceKey);
      result.written.push({ key: row.sourceKey, values: row.values });
    };
    await sql`SAVEPOINT aimeos_sync_batch`.execute(tx);
    try {
      await write(inserts, updates);
      await sql`RELEASE SAVEPOINT aimeos_sync_batch`.execute(tx);
      for (const row of inserts) done(row, 'inserted');
      for (const row of updates) done(row, 'updated');
      return;
    } catch (error) {
      if (!this.dialect.isRowError(error)) throw error;
      await sql`ROLLBACK TO SAVEPOINT aimeos_sync_batch`.execute(tx);
    }
    for (const [rows, kind] of [
      [inserts, 'inserted'],
      [updates, 'updated'],
    ] as const) {
      for (const row of rows) {
        await sql`SAVEPOINT aimeos_sync_row`.execute(tx);
        try {
          await write(kind === 'inserted' ? [row] : [], kind === 'updated' ? [row] : []);
          await sql`RELEASE SAVEPOINT aimeos_sync_row`.execute(tx);
          done(row, kind);
        } catch (error) {
          if (!this.dialect.isRowError(error)) throw error;
          await sql`ROLLBACK TO SAVEPOINT aimeos_sync_row`.execute(tx);
          result.rejected.push({ key: row.sourceKey, reason: redactSecrets((error as Error).message), row: row.source, wait: false });
        }
      }
    }
  }

  async #update(tx: DynamicDb, row: PlannedRow, where: ColumnInfo[], whereValues: unknown[], now: string): Promise<void> {
    if (this.#updateColumns.length === 0) return;
    const values = this.#params(row, this.#updateColumns, now);
    const assignments = this.#updateColumns.map((column, i) => sql`${sql.id(column.name)} = ${values[i]}`);
    const match = where.map((column, i) => sql`${sql.id(column.name)} = ${writeValue(whereValues[i], column)}`);
    await sql`UPDATE ${tableRef(this.mapping.target.table)} SET ${sql.join(assignments)} WHERE ${sql.join(match, sql` AND `)}`.execute(tx);
  }

  /** Bound values for `columns`, stamps filled in (Aimeos mtime/ctime in its zone, editor). */
  #params(row: PlannedRow, columns: ColumnInfo[], now: string): unknown[] {
    return columns.map((column) => {
      const from = this.#rules.get(column.name)?.from;
      if (from?.kind === 'stamp') return from.stamp === 'now' ? now : this.options.editor;
      return writeValue(row.values[column.name], column);
    });
  }

  #stampTime(): string {
    return wallClockAt(Date.now(), this.mapping.target.aimeos?.timezone ?? 'UTC');
  }

  #keyText(key: unknown[]): string {
    return this.#textOf(key, this.#keyColumns);
  }

  #textOf(values: unknown[], columns: ColumnInfo[]): string {
    return values.map((part, index) => canonicalValue(part, columns[index]!)).join('\u0000');
  }

  #differs(values: Record<string, unknown>, current: Record<string, unknown>): boolean {
    return this.#comparedColumns.some((column) => canonicalValue(values[column.name], column) !== canonicalValue(current[column.name], column));
  }

  /** Target rows whose `columns` equal one of `keys`, by canonical key text. One query per chunk. */
  async #fetch(tx: DynamicDb, columns: ColumnInfo[], keys: unknown[][]): Promise<Map<string, Record<string, unknown>>> {
    const all = await this.#fetchAll(tx, columns, keys);
    return new Map([...all].map(([key, rows]) => [key, rows[0]!]));
  }

  /** Like #fetch, keeping every row per key (natural keys need not be unique), plus `extra` columns. */
  async #fetchAll(tx: DynamicDb, columns: ColumnInfo[], keys: unknown[][], extra: ColumnInfo[] = []): Promise<Map<string, Record<string, unknown>[]>> {
    const found = new Map<string, Record<string, unknown>[]>();
    if (keys.length === 0) return found;
    const names = columns.map((column) => column.name);
    const selected = columnList([...new Set([...names, ...extra.map((column) => column.name), ...this.#comparedColumns.map((column) => column.name)])]);
    for (const chunk of this.#chunks(keys, names.length)) {
      const bound = chunk.map((key) => key.map((part, i) => writeValue(part, columns[i]!)));
      const { rows } = await sql<Record<string, unknown>>`
        SELECT ${selected} FROM ${tableRef(this.mapping.target.table)} WHERE ${this.dialect.keyIn(columns, bound)}`.execute(tx);
      for (const row of rows) {
        const key = this.#textOf(names.map((name) => row[name]), columns);
        const list = found.get(key) ?? [];
        list.push(row);
        found.set(key, list);
      }
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
}
