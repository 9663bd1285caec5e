import { sql } from 'kysely';
import type { DynamicDb } from '../db/dynamic-db.js';
import { nowText, stateTables } from './state-tables.js';

export interface RejectedRow {
  /** Source key parts (as text). */
  key: string[];
  reason: string;
  row: Record<string, unknown>;
  /** True when the row waits for something (a parent) and is retried on every pass. */
  wait: boolean;
}

/** Keeps rejected rows (one per mapping and source key) with their reason, so nothing is lost. */
export class RejectedRowStore {
  readonly #table: string;
  constructor(prefix: string) {
    this.#table = stateTables(prefix).rejectedRows;
  }

  async record(tx: DynamicDb, mapping: string, rejected: RejectedRow[]): Promise<void> {
    if (rejected.length === 0) return;
    // Keys with an entry are updated, the others inserted. The plain read first matters on InnoDB:
    // an UPDATE or DELETE that finds no row takes a gap lock, and two mappings' batches holding
    // gap locks in one gap of this table deadlock on their INSERTs (concurrency > 1).
    const existing = await this.#existing(tx, mapping, rejected.map((entry) => rowKey(entry.key)));
    for (const entry of rejected) {
      const key = rowKey(entry.key);
      const now = nowText();
      const data = JSON.stringify(entry.row, (_name, value: unknown) => (Buffer.isBuffer(value) ? value.toString('hex') : value));
      if (existing.has(key)) {
        await tx
          .updateTable(this.#table)
          .set({ reason: entry.reason, row_data: data, waiting: entry.wait, last_seen: now, attempts: sql`attempts + 1` })
          .where('mapping', '=', mapping)
          .where('row_key', '=', key)
          .execute();
      } else {
        await tx
          .insertInto(this.#table)
          .values({ mapping, row_key: key, reason: entry.reason, row_data: data, waiting: entry.wait, attempts: 1, first_seen: now, last_seen: now })
          .execute();
        existing.add(key);
      }
    }
  }

  /** A row that later applied cleanly is no longer rejected. Only existing entries are deleted (see record). */
  async clear(tx: DynamicDb, mapping: string, keys: string[][]): Promise<void> {
    if (keys.length === 0) return;
    for (const key of await this.#existing(tx, mapping, keys.map(rowKey))) {
      await tx.deleteFrom(this.#table).where('mapping', '=', mapping).where('row_key', '=', key).execute();
    }
  }

  /** Which of these row keys have an entry (a plain, non-locking read). */
  async #existing(db: DynamicDb, mapping: string, keys: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const unique = [...new Set(keys)];
    for (let start = 0; start < unique.length; start += 1000) {
      const rows = await db
        .selectFrom(this.#table)
        .select('row_key')
        .where('mapping', '=', mapping)
        .where('row_key', 'in', unique.slice(start, start + 1000))
        .execute();
      for (const row of rows) found.add(row.row_key as string);
    }
    return found;
  }

  /** Source keys of rows waiting to be retried (oldest first, at most `limit`). */
  async waitingKeys(db: DynamicDb, mapping: string, limit: number): Promise<string[][]> {
    const rows = await db
      .selectFrom(this.#table)
      .select('row_key')
      .where('mapping', '=', mapping)
      .where('waiting', '=', true)
      .orderBy('first_seen')
      .limit(limit)
      .execute();
    return rows.map((row) => JSON.parse(row.row_key as string) as string[]);
  }

  async count(db: DynamicDb, mapping: string): Promise<number> {
    const row = await db
      .selectFrom(this.#table)
      .select((eb) => eb.fn.countAll().as('n'))
      .where('mapping', '=', mapping)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}

function rowKey(key: readonly string[]): string {
  return JSON.stringify(key).slice(0, 512);
}
