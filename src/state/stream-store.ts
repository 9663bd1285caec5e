import type { DynamicDb } from '../db/dynamic-db.js';
import { sql } from 'kysely';
import { compareCursors, decodeCursor, encodeCursor, type Cursor } from '../capture/cursor.js';
import type { Dialect } from '../dialect/dialect.js';
import { SyncError } from '../errors.js';
import { nowText, stateTables } from './state-tables.js';

export interface RunFigures {
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface StreamState {
  mapping: string;
  cursor: Cursor | undefined;
  checkpointAt: string | null;
  lastRunStarted: string | null;
  lastRunFinished: string | null;
  lastRunStatus: string | null;
  figures: RunFigures;
  lastError: string | null;
  lastErrorAt: string | null;
}

interface StreamRow {
  mapping: string;
  cursor_ts: string | null;
  cursor_key: string | null;
  checkpoint_at: string | null;
  last_run_started: string | null;
  last_run_finished: string | null;
  last_run_status: string | null;
  rows_read: string | number;
  rows_inserted: string | number;
  rows_updated: string | number;
  rows_unchanged: string | number;
  rows_rejected: string | number;
  last_error: string | null;
  last_error_at: string | null;
}

/**
 * The per-mapping row in `<prefix>streams`: checkpoint and last-run figures. The checkpoint only
 * moves inside the caller's transaction (the one that wrote the rows) and never backwards.
 */
export class StreamStore {
  readonly #table: string;
  constructor(
    private readonly dialect: Dialect,
    prefix: string,
  ) {
    this.#table = stateTables(prefix).streams;
  }

  /** Reads without locking; undefined when the mapping never ran here. */
  async read(db: DynamicDb, mapping: string): Promise<StreamState | undefined> {
    const row = await db.selectFrom(this.#table).selectAll().where('mapping', '=', mapping).executeTakeFirst();
    return row ? toState(row as StreamRow) : undefined;
  }

  async readAll(db: DynamicDb): Promise<StreamState[]> {
    const rows = await db.selectFrom(this.#table).selectAll().orderBy('mapping').execute();
    return rows.map((row) => toState(row as StreamRow));
  }

  /**
   * Locks the mapping's row for the rest of the transaction (creating it first), so that two
   * processes applying the same mapping take turns instead of interleaving batches.
   */
  async lock(tx: DynamicDb, mapping: string): Promise<Cursor | undefined> {
    await sql`${this.dialect.upsert(this.#table, ['mapping'], ['mapping'], [[mapping]])}`.execute(tx);
    const row = await tx
      .selectFrom(this.#table)
      .select(['cursor_ts', 'cursor_key'])
      .where('mapping', '=', mapping)
      .forUpdate()
      .executeTakeFirstOrThrow();
    return row.cursor_ts === null ? undefined : decodeCursor(row.cursor_ts as string, row.cursor_key as string | null);
  }

  /** Moves the checkpoint to `next` if that is ahead of `current`; returns the checkpoint in force. */
  async advance(tx: DynamicDb, mapping: string, current: Cursor | undefined, next: Cursor): Promise<Cursor> {
    if (current && compareCursors(next, current) <= 0) return current;
    const encoded = encodeCursor(next);
    const result = await tx
      .updateTable(this.#table)
      .set({ cursor_ts: encoded.ts, cursor_key: encoded.key, checkpoint_at: nowText() })
      .where('mapping', '=', mapping)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      throw new SyncError('INTERNAL', 'checkpoint row vanished during the batch', { mapping });
    }
    return next;
  }

  /** Records the figures of a run (pass) so far; inside a batch transaction or on its own. */
  async recordRun(
    db: DynamicDb,
    mapping: string,
    run: { started: string; finished?: string; status: 'running' | 'ok' | 'failed'; figures: RunFigures; error?: string },
  ): Promise<void> {
    await sql`${this.dialect.upsert(this.#table, ['mapping'], ['mapping'], [[mapping]])}`.execute(db);
    await db
      .updateTable(this.#table)
      .set({
        last_run_started: run.started,
        last_run_finished: run.finished ?? null,
        last_run_status: run.status,
        rows_read: run.figures.read,
        rows_inserted: run.figures.inserted,
        rows_updated: run.figures.updated,
        rows_unchanged: run.figures.unchanged,
        rows_rejected: run.figures.rejected,
        ...(run.error !== undefined ? { last_error: run.error.slice(0, 4000), last_error_at: nowText() } : {}),
      })
      .where('mapping', '=', mapping)
      .execute();
  }
}

function toState(row: StreamRow): StreamState {
  return {
    mapping: row.mapping,
    cursor: row.cursor_ts === null ? undefined : decodeCursor(row.cursor_ts, row.cursor_key),
    checkpointAt: row.checkpoint_at,
    lastRunStarted: row.last_run_started,
    lastRunFinished: row.last_run_finished,
    lastRunStatus: row.last_run_status,
    figures: {
      read: Number(row.rows_read),
      inserted: Number(row.rows_inserted),
      updated: Number(row.rows_updated),
      unchanged: Number(row.rows_unchanged),
      rejected: Number(row.rows_rejected),
    },
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
  };
}
