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
    for (const entry of rejected) {
      const key = JSON.stringify(entry.key).slice(0, 512);
      const now = nowText();
      const data = JSON.stringify(entry.row, (_name, value: unknown) => (Buffer.isBuffer(value) ? value.toString('hex') : value));
      const updated = await tx
        .updateTable(this.#table)
        .set({ reason: entry.reason, row_data: data, waiting: entry.wait, last_seen: now, attempts: sql`attempts + 1` })
        .where('mapping', '=', mapping)
        .where('row_key', '=', key)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await tx
          .insertInto(this.#table)
          .values({ mapping, row_key: key, reason: entry.reason, row_data: data, waiting: entry.wait, attempts: 1, first_seen: now, last_seen: now })
          .execute();
      }
    }
  }

  /** A row that later applied cleanly is no longer rejected. */
  async clear(tx: DynamicDb, mapping: string, keys: string[][]): Promise<void> {
    if (keys.length === 0) return;
    await tx
      .deleteFrom(this.#table)
      .where('mapping', '=', mapping)
      .where(
        'row_key',
        'in',
        keys.map((key) => JSON.stringify(key).slice(0, 512)),
      )
      .execute();
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
