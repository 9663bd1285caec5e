import type { DynamicDb } from '../db/dynamic-db.js';
import { sql } from 'kysely';
import { nowText, stateTables } from './state-tables.js';

export interface RejectedRow {
  key: unknown[];
  reason: string;
  row: Record<string, unknown>;
}

/** Keeps rejected rows (one per mapping and key) with their reason, so nothing is lost. */
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
        .set({ reason: entry.reason, row_data: data, last_seen: now, attempts: sql`attempts + 1` })
        .where('mapping', '=', mapping)
        .where('row_key', '=', key)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await tx
          .insertInto(this.#table)
          .values({ mapping, row_key: key, reason: entry.reason, row_data: data, attempts: 1, first_seen: now, last_seen: now })
          .execute();
      }
    }
  }

  /** A row that later applied cleanly is no longer rejected. */
  async clear(tx: DynamicDb, mapping: string, keys: unknown[][]): Promise<void> {
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

  async count(db: DynamicDb, mapping: string): Promise<number> {
    const row = await db
      .selectFrom(this.#table)
      .select((eb) => eb.fn.countAll().as('n'))
      .where('mapping', '=', mapping)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
