import type { DynamicDb } from '../db/dynamic-db.js';

import type { DiffApplier } from '../apply/diff-applier.js';
import { canonicalTimestamp } from '../apply/normalize.js';
import type { ChangeReader } from '../capture/change-reader.js';
import { compareCursors, compareTimestamps, minCursor, type Cursor } from '../capture/cursor.js';
import { subtractSeconds } from '../capture/wall-clock.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { CompiledMapping } from '../mapping/compiled-mapping.js';
import type { RejectedRowStore } from '../state/rejected-row-store.js';
import { nowText } from '../state/state-tables.js';
import type { RunFigures, StreamStore } from '../state/stream-store.js';

export interface PassResult {
  mapping: string;
  figures: RunFigures;
  batches: number;
  checkpoint: Cursor | undefined;
  /** False when this login cannot see open transactions on the source. */
  openTransactionsVisible: boolean;
  /** True when the pass stopped early because shutdown was requested. */
  interrupted: boolean;
}

export interface MappingStatus {
  mapping: string;
  source: string;
  target: string;
  checkpoint: Cursor | null;
  checkpointAt: string | null;
  newestChange: string | null;
  /** Seconds between the newest source change and the checkpoint; 0 when caught up. */
  lagSeconds: number | null;
  lastRun: { started: string | null; finished: string | null; status: string | null } & RunFigures;
  rejectedRows: number;
  lastError: string | null;
  lastErrorAt: string | null;
  openTransactionsVisible: boolean;
  visibilityDetail: string;
}

export interface SyncJobParts {
  mapping: CompiledMapping;
  reader: ChangeReader;
  applier: DiffApplier;
  targetDb: DynamicDb;
  streams: StreamStore;
  rejectedRows: RejectedRowStore;
  logger: Logger;
}

/**
 * One mapping: read a batch → map → apply → advance the checkpoint, all of the apply side in one
 * target transaction, repeated until the source has nothing newer.
 *
 * Why this is safe with Aimeos `mtime` (second precision, stamped at request start):
 * - the pass starts `overlap` seconds behind the checkpoint, so late commits inside that window
 *   are re-read (and cost no write when unchanged);
 * - the checkpoint never passes the safe mark taken *before* the first batch of the pass: every
 *   row below the mark was committed before any of this pass's reads, so all of them were seen.
 */
export class SyncJob {
  constructor(private readonly parts: SyncJobParts) {}

  get mapping(): CompiledMapping {
    return this.parts.mapping;
  }

  /** Checkpoint, last-run figures, lag and errors, as `status` shows them. */
  async status(): Promise<MappingStatus> {
    const { mapping, reader, targetDb, streams, rejectedRows } = this.parts;
    const [state, newest, rejected, visibility] = await Promise.all([
      streams.read(targetDb, mapping.name),
      reader.newestChange(),
      rejectedRows.count(targetDb, mapping.name),
      reader.transactionVisibility(),
    ]);
    const checkpoint = state?.cursor ?? null;
    let lagSeconds: number | null = null;
    if (newest !== undefined && checkpoint) {
      lagSeconds = compareTimestamps(newest, checkpoint.ts) < 0 ? 0 : Math.max(0, Math.round((toEpochMs(newest) - toEpochMs(checkpoint.ts)) / 1000));
    } else if (newest === undefined && checkpoint) {
      lagSeconds = 0;
    }
    return {
      mapping: mapping.name,
      source: `${mapping.source.endpoint}.${mapping.source.table}`,
      target: `${mapping.target.endpoint}.${mapping.target.table}`,
      checkpoint,
      checkpointAt: state?.checkpointAt ?? null,
      newestChange: newest ?? null,
      lagSeconds,
      lastRun: {
        started: state?.lastRunStarted ?? null,
        finished: state?.lastRunFinished ?? null,
        status: state?.lastRunStatus ?? null,
        ...(state?.figures ?? { read: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 }),
      },
      rejectedRows: rejected,
      lastError: state?.lastError ?? null,
      lastErrorAt: state?.lastErrorAt ?? null,
      openTransactionsVisible: visibility.visible,
      visibilityDetail: visibility.detail,
    };
  }

  async runPass(signal?: AbortSignal): Promise<PassResult> {
    const { mapping, reader, applier, targetDb, streams, rejectedRows } = this.parts;
    const logger = this.parts.logger.child({ mapping: mapping.name, table: mapping.source.table });
    const started = nowText();
    const figures: RunFigures = { read: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 };
    const capture = mapping.source.capture;
    const result: PassResult = { mapping: mapping.name, figures, batches: 0, checkpoint: undefined, openTransactionsVisible: true, interrupted: false };

    try {
      const state = await streams.read(targetDb, mapping.name);
      result.checkpoint = state?.cursor;
      // The mark is read before any row so that no transaction can commit unseen below it.
      const { mark, openTransactionsVisible } = await reader.readSafeMark();
      result.openTransactionsVisible = openTransactionsVisible;
      let position: Cursor | undefined = state?.cursor ? { ts: subtractSeconds(state.cursor.ts, capture.overlapSeconds), key: null } : undefined;
      let complete = false;

      for (;;) {
        if (signal?.aborted) {
          result.interrupted = true;
          break;
        }
        const began = Date.now();
        const batch = await reader.readBatch(position, capture.batchSize);
        if (batch.rows.length === 0 || !batch.last) {
          complete = true;
          break;
        }
        const last = batch.last;
        const outcome = await targetDb.transaction().execute(async (tx) => {
          const current = await streams.lock(tx, mapping.name);
          const applied = await applier.apply(tx, batch.rows);
          if (applied.rejected.length) await rejectedRows.record(tx, mapping.name, applied.rejected);
          if (applied.appliedKeys.length) await rejectedRows.clear(tx, mapping.name, applied.appliedKeys);
          const checkpoint = await streams.advance(tx, mapping.name, current, minCursor(last, mark));
          figures.read += batch.rows.length;
          figures.inserted += applied.inserted;
          figures.updated += applied.updated;
          figures.unchanged += applied.unchanged;
          figures.rejected += applied.rejected.length;
          await streams.recordRun(tx, mapping.name, { started, status: 'running', figures });
          return { applied, checkpoint };
        });
        result.batches++;
        result.checkpoint = outcome.checkpoint;
        for (const rejected of outcome.applied.rejected) {
          logger.warn('row rejected', { key: rejected.key, reason: rejected.reason, targetTable: mapping.target.table });
        }
        logger.info('batch applied', {
          batch: result.batches,
          cursorFrom: position,
          cursorTo: last,
          read: batch.rows.length,
          inserted: outcome.applied.inserted,
          updated: outcome.applied.updated,
          unchanged: outcome.applied.unchanged,
          rejected: outcome.applied.rejected.length,
          durationMs: Date.now() - began,
        });
        position = last;
        if (batch.rows.length < capture.batchSize) {
          complete = true;
          break;
        }
      }

      // Everything visible was read: the checkpoint may now move up to the mark itself.
      if (complete && (!result.checkpoint || compareCursors(mark, result.checkpoint) > 0)) {
        result.checkpoint = await targetDb.transaction().execute(async (tx) => {
          const current = await streams.lock(tx, mapping.name);
          return streams.advance(tx, mapping.name, current, mark);
        });
      }
      await streams.recordRun(targetDb, mapping.name, { started, finished: nowText(), status: 'ok', figures });
      if (figures.read > 0 || result.interrupted) {
        logger.info('pass finished', { ...figures, batches: result.batches, checkpoint: result.checkpoint, interrupted: result.interrupted });
      }
      return result;
    } catch (error) {
      const message = errorMessage(error);
      logger.error('pass failed', { error: message, ...figures });
      await streams
        .recordRun(targetDb, mapping.name, { started, finished: nowText(), status: 'failed', figures, error: message })
        .catch(() => undefined);
      throw error;
    }
  }
}

function toEpochMs(ts: string): number {
  return Date.parse(`${canonicalTimestamp(ts, false).replace(' ', 'T')}Z`);
}
