import type { DynamicDb } from '../db/dynamic-db.js';
import { nowText, stateTables } from './state-tables.js';

/** The identity map: source key (JSON of its parts) → target id, per mapping. */
export class IdentityStore {
  readonly #table: string;
  constructor(prefix: string) {
    this.#table = stateTables(prefix).identityMap;
  }

  /** Target ids for the given source keys (one query); keys without an entry are absent. */
  async lookup(db: DynamicDb, mapping: string, sourceKeys: readonly (readonly string[])[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (sourceKeys.length === 0) return found;
    const rows = await db
      .selectFrom(this.#table)
      .select(['source_key', 'target_key'])
      .where('mapping', '=', mapping)
      .where('source_key', 'in', sourceKeys.map((key) => JSON.stringify(key)))
      .execute();
    for (const row of rows) found.set(row.source_key as string, row.target_key as string);
    return found;
  }

  /** Which of these target ids already belong to some source key (they cannot be adopted again). */
  async claimedTargets(db: DynamicDb, mapping: string, targetKeys: readonly string[]): Promise<Set<string>> {
    if (targetKeys.length === 0) return new Set();
    const rows = await db.selectFrom(this.#table).select('target_key').where('mapping', '=', mapping).where('target_key', 'in', targetKeys).execute();
    return new Set(rows.map((row) => row.target_key as string));
  }

  async remember(db: DynamicDb, mapping: string, sourceKey: readonly string[], targetKey: string): Promise<void> {
    const key = JSON.stringify(sourceKey);
    // Read first, then update or insert: on InnoDB a DELETE that finds no row takes a gap lock, and
    // two identity mappings inserting into one gap of this table then deadlock each other.
    const existing = await db.selectFrom(this.#table).select('source_key').where('mapping', '=', mapping).where('source_key', '=', key).executeTakeFirst();
    if (existing) {
      await db.updateTable(this.#table).set({ target_key: targetKey, created_at: nowText() }).where('mapping', '=', mapping).where('source_key', '=', key).execute();
    } else {
      await db.insertInto(this.#table).values({ mapping, source_key: key, target_key: targetKey, created_at: nowText() }).execute();
    }
  }
}
