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
  adopted: number;
}

/** Progress of an initial load: the mark when it began and the last source key applied. */
export interface LoadProgress {
  mark: Cursor;
  lastKey: string[] | null;
}

export interface StreamState {
  mapping: string;
  cursor: Cursor | undefined;
  load: LoadProgress | undefined;
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
  load_mark: string | null;
  load_key: string | null;
  checkpoint_at: string | null;
  last_run_started: string | null;
  last_run_finished: string | null;
  last_run_status: string | null;
  rows_read: string | number;
  rows_inserted: string | number;
  rows_updated: string | number;
  rows_unchanged: string | number;
  rows_rejected: string | number;
  rows_adopted: string | number;
  last_error: string | null;
  last_error_at: string | null;
}

/**
 * The per-mapping row in `<prefix>streams`: checkpoint and last-run figures. The checkpoint only
 * moves inside the caller's transaction (the one that wrote the rows) and never backwards.
 */
export class StreamStore {
  readonly #table: string;
  /** Mappings whose row this process has seen (created or read) already. */
  readonly #known = new Set<string>();
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
  async lock(tx: DynamicDb, mapping: string): Promise<{ cursor: Cursor | undefined; load: LoadProgress | undefined }> {
    // The row is created once (upsert first: a locking read of a missing row would take an
    // InnoDB gap lock); after that each batch needs only the locking read.
    if (!this.#known.has(mapping)) {
      await sql`${this.dialect.upsert(this.#table, ['mapping'], ['mapping'], [[mapping]])}`.execute(tx);
    }
    const row = (await tx
      .selectFrom(this.#table)
      .select(['cursor_ts', 'cursor_key', 'load_mark', 'load_key'])
      .where('mapping', '=', mapping)
      .forUpdate()
      .executeTakeFirst()) as Pick<StreamRow, 'cursor_ts' | 'cursor_key' | 'load_mark' | 'load_key'> | undefined;
    if (!row) {
      // Deleted behind our back (a DBA reset the mapping): create it again, once.
      if (!this.#known.delete(mapping)) throw new SyncError('INTERNAL', 'checkpoint row could not be created', { mapping });
      return this.lock(tx, mapping);
    }
    this.#known.add(mapping);
    return { cursor: cursorOf(row), load: loadOf(row) };
  }

  /** Records initial-load progress: the mark it started from and the last source key applied. */
  async advanceLoad(tx: DynamicDb, mapping: string, progress: LoadProgress): Promise<void> {
    await tx
      .updateTable(this.#table)
      .set({ load_mark: progress.mark.ts, load_key: progress.lastKey === null ? null : JSON.stringify(progress.lastKey) })
      .where('mapping', '=', mapping)
      .execute();
  }

  /** Ends the initial load: the checkpoint becomes the mark taken before it began. */
  async finishLoad(tx: DynamicDb, mapping: string, mark: Cursor): Promise<void> {
    const encoded = encodeCursor(mark);
    await tx
      .updateTable(this.#table)
      .set({ cursor_ts: encoded.ts, cursor_key: encoded.key, checkpoint_at: nowText(), load_mark: null, load_key: null })
      .where('mapping', '=', mapping)
      .execute();
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
    // The row nearly always exists (batches lock it first): one UPDATE, and only a pass that
    // failed before its first batch needs the row created.
    if (!(await this.#updateRun(db, mapping, run))) {
      await sql`${this.dialect.upsert(this.#table, ['mapping'], ['mapping'], [[mapping]])}`.execute(db);
      await this.#updateRun(db, mapping, run);
    }
  }

  async #updateRun(
    db: DynamicDb,
    mapping: string,
    run: { started: string; finished?: string; status: 'running' | 'ok' | 'failed'; figures: RunFigures; error?: string },
  ): Promise<boolean> {
    const result = await db
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
        rows_adopted: run.figures.adopted,
        ...(run.error !== undefined ? { last_error: run.error.slice(0, 4000), last_error_at: nowText() } : {}),
      })
      .where('mapping', '=', mapping)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

function toState(row: StreamRow): StreamState {
  return {
    mapping: row.mapping,
    cursor: cursorOf(row),
    load: loadOf(row),
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
      adopted: Number(row.rows_adopted),
    },
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
  };
}

function cursorOf(row: Pick<StreamRow, 'cursor_ts' | 'cursor_key'>): Cursor | undefined {
  return row.cursor_ts === null ? undefined : decodeCursor(row.cursor_ts, row.cursor_key);
}

function loadOf(row: Pick<StreamRow, 'load_mark' | 'load_key'>): LoadProgress | undefined {
  if (row.load_mark === null) return undefined;
  return { mark: { ts: row.load_mark, key: null }, lastKey: row.load_key === null ? null : (JSON.parse(row.load_key) as string[]) };
}
