import type { DynamicDb } from '../db/dynamic-db.js';

import type { ApplyResult, DiffApplier } from '../apply/diff-applier.js';
import { canonicalTimestamp } from '../apply/normalize.js';
import { updateInstockFlags } from '../apply/aimeos-stock-flag.js';
import type { ChangeBatch, ChangeReader, SourceRow } from '../capture/change-reader.js';
import { compareCursors, compareTimestamps, minCursor, type Cursor } from '../capture/cursor.js';
import { subtractSeconds } from '../capture/wall-clock.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { CompiledMapping } from '../mapping/compiled-mapping.js';
import type { RejectedRowStore } from '../state/rejected-row-store.js';
import { nowText } from '../state/state-tables.js';
import { runAfterApply } from './after-apply.js';
import type { LookupResolver } from './lookup-resolver.js';
import type { LoadProgress, RunFigures, StreamStore } from '../state/stream-store.js';

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
  /** While the initial load runs: the mark it started from and the last source key applied. */
  initialLoad: { mark: string; lastKey: string[] | null } | null;
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
  lookups: LookupResolver;
  reader: ChangeReader;
  applier: DiffApplier;
  targetDb: DynamicDb;
  streams: StreamStore;
  rejectedRows: RejectedRowStore;
  logger: Logger;
}

/**
 * One mapping: read a batch → map → apply → advance the checkpoint, all of the apply side in one
 * target transaction, repeated until the source has nothing newer. The first pass is the initial
 * load: it walks the source by key and ends with the checkpoint at the mark taken before it began.
 *
 * Why this is safe with Aimeos `mtime` (second precision, stamped at request start):
 * - the pass starts `overlap` seconds behind the checkpoint, so late commits inside that window
 *   are re-read (and cost no write when unchanged);
 * - the checkpoint never passes the safe mark taken *before* the first batch of the pass: every
 *   row below the mark was committed before any of this pass's reads, so all of them were seen.
 */
export class SyncJob {
  /** Child mappings of a document: applied in this job's transactions, after their parents. */
  readonly children: SyncJob[] = [];

  constructor(private readonly parts: SyncJobParts) {}

  /**
   * Maps and applies source rows inside the caller's transaction: lookups (one query per lookup
   * column), diff-and-apply, rejected rows kept, Aimeos side effects, then document children.
   */
  async applyRows(tx: DynamicDb, rows: readonly SourceRow[], pass: { rejectionsPossible: boolean }, logger: Logger): Promise<ApplyResult> {
    const { mapping, applier, rejectedRows } = this.parts;
    const lookups = await this.parts.lookups.resolve(tx, rows);
    const outcome = await applier.apply(tx, rows, lookups);
    if (outcome.rejected.length) {
      await rejectedRows.record(tx, mapping.name, outcome.rejected);
      pass.rejectionsPossible = true;
    }
    // Only touch the rejected-rows table when it can hold entries for this mapping.
    if (pass.rejectionsPossible && outcome.appliedKeys.length) await rejectedRows.clear(tx, mapping.name, outcome.appliedKeys);
    const aimeos = mapping.target.aimeos;
    if (aimeos?.updateInstock && outcome.written.length) {
      await updateInstockFlags(tx, aimeos.siteid, outcome.written.map((row) => row.values.prodid));
    }
    for (const rejected of outcome.rejected) {
      logger.warn(rejected.wait ? 'row waits' : 'row rejected', { mapping: mapping.name, key: rejected.key, reason: rejected.reason, targetTable: mapping.target.table });
    }
    // Children of parents written in this batch join them in this transaction. Children of
    // unchanged parents are the child mapping's own business (its polls see their changes).
    if (this.children.length && outcome.written.length) {
      const parentKeys = outcome.written.map((row) => row.key[0]);
      for (const child of this.children) {
        const childRows = await child.parts.reader.rowsWhere(child.mapping.parent!.column, parentKeys);
        const childPass = { rejectionsPossible: true };
        if (childRows.length === 0) continue;
        const childOutcome = await child.applyRows(tx, childRows, childPass, logger);
        logger.info('document children applied', {
          mapping: child.mapping.name,
          parent: mapping.name,
          read: childRows.length,
          inserted: childOutcome.inserted,
          updated: childOutcome.updated,
          unchanged: childOutcome.unchanged,
          rejected: childOutcome.rejected.length,
        });
      }
    }
    return outcome;
  }

  /** Retries rows that wait (e.g. for their parent): re-read from the source by key, applied again. */
  async #retryWaiting(pass: PassContext): Promise<void> {
    const { mapping, reader, targetDb, streams, rejectedRows } = this.parts;
    const keys = await rejectedRows.waitingKeys(targetDb, mapping.name, mapping.source.capture.batchSize);
    if (keys.length === 0) return;
    const rows = await reader.readKeys(keys);
    const present = new Set(rows.map((row) => JSON.stringify(mapping.source.key.map((name) => String(row[name])))));
    const vanished = keys.filter((key) => !present.has(JSON.stringify(key)));
    await targetDb.transaction().execute(async (tx) => {
      await streams.lock(tx, mapping.name);
      if (vanished.length) await rejectedRows.clear(tx, mapping.name, vanished);
      const outcome = await this.applyRows(tx, rows, pass, pass.logger);
      this.#count(pass.figures, rows.length, outcome);
    });
    pass.logger.info('waiting rows retried', { waiting: keys.length, vanished: vanished.length, read: rows.length });
  }

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
      source: `${mapping.source.endpoint}.${mapping.source.label}`,
      target: `${mapping.target.endpoint}.${mapping.target.table}`,
      checkpoint,
      checkpointAt: state?.checkpointAt ?? null,
      initialLoad: state?.load ? { mark: state.load.mark.ts, lastKey: state.load.lastKey } : null,
      newestChange: newest ?? null,
      lagSeconds,
      lastRun: {
        started: state?.lastRunStarted ?? null,
        finished: state?.lastRunFinished ?? null,
        status: state?.lastRunStatus ?? null,
        ...(state?.figures ?? { read: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0, adopted: 0 }),
      },
      rejectedRows: rejected,
      lastError: state?.lastError ?? null,
      lastErrorAt: state?.lastErrorAt ?? null,
      openTransactionsVisible: visibility.visible,
      visibilityDetail: visibility.detail,
    };
  }

  async runPass(signal?: AbortSignal): Promise<PassResult> {
    const { mapping, reader, targetDb, streams } = this.parts;
    const logger = this.parts.logger.child({ mapping: mapping.name, table: mapping.source.label });
    const started = nowText();
    const figures: RunFigures = { read: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0, adopted: 0 };
    const capture = mapping.source.capture;
    const result: PassResult = { mapping: mapping.name, figures, batches: 0, checkpoint: undefined, openTransactionsVisible: true, interrupted: false };
    const pass: PassContext = { logger, started, figures, result, rejectionsPossible: false };

    try {
      const state = await streams.read(targetDb, mapping.name);
      result.checkpoint = state?.cursor;
      pass.rejectionsPossible = (await this.parts.rejectedRows.count(targetDb, mapping.name)) > 0;
      // The mark is read before any row so that no transaction can commit unseen below it.
      const { mark, openTransactionsVisible } = await reader.readSafeMark();
      if (pass.rejectionsPossible) await this.#retryWaiting(pass);
      result.openTransactionsVisible = openTransactionsVisible;

      if (!state?.cursor) {
        const load: LoadProgress = state?.load ?? { mark, lastKey: null };
        logger.info(state?.load ? 'initial load resumed' : 'initial load started', { loadMark: load.mark.ts, lastKey: load.lastKey });
        const done = await this.#walk(
          pass,
          load.lastKey,
          (after) => reader.readKeyBatch(after, capture.batchSize),
          (batch) => batch.last?.key ?? null,
          async (tx, lastKey) => {
            await streams.advanceLoad(tx, mapping.name, { mark: load.mark, lastKey });
          },
          signal,
        );
        if (!done) return await this.#finish(pass, 'ok');
        // Rows below the load's mark were committed before it began, so the key walk saw them
        // all. Changes made during the load are above the mark (or inside the overlap behind
        // it): the next pass polls them from the mark, so this pass reads no row twice.
        await targetDb.transaction().execute(async (tx) => {
          await streams.lock(tx, mapping.name);
          await streams.finishLoad(tx, mapping.name, load.mark);
        });
        result.checkpoint = load.mark;
        logger.info('initial load finished', { rows: figures.read, checkpoint: load.mark });
        return await this.#finish(pass, 'ok');
      }

      const from: Cursor = { ts: subtractSeconds(result.checkpoint!.ts, capture.overlapSeconds), key: null };
      // With an index on the capture column, rows come in (capture, key) order and the checkpoint
      // follows every batch. Without one, ordering by capture value makes each batch scan and sort
      // the table, so the pass walks the changed rows in key order (one scan per pass) and the
      // checkpoint moves only when the pass is complete, to the mark (same argument as the load).
      const done = reader.captureIndexed
        ? await this.#walk(
            pass,
            from,
            (after) => reader.readBatch(after, capture.batchSize),
            (batch) => batch.last!,
            async (tx, last, current) => {
              result.checkpoint = await streams.advance(tx, mapping.name, current, minCursor(last, mark));
            },
            signal,
          )
        : await this.#walk(
            pass,
            null as string[] | null,
            (afterKey) => reader.readChangedByKey(from, afterKey, capture.batchSize),
            (batch) => batch.last?.key ?? null,
            async () => undefined,
            signal,
          );
      // Everything visible was read: the checkpoint may now move up to the mark itself.
      if (done && (!result.checkpoint || compareCursors(mark, result.checkpoint) > 0)) {
        result.checkpoint = await targetDb.transaction().execute(async (tx) => {
          const { cursor } = await streams.lock(tx, mapping.name);
          return streams.advance(tx, mapping.name, cursor, mark);
        });
      }
      return await this.#finish(pass, 'ok');
    } catch (error) {
      const message = errorMessage(error);
      logger.error('pass failed', { error: message, ...figures });
      await streams
        .recordRun(targetDb, mapping.name, { started, finished: nowText(), status: 'failed', figures, error: message })
        .catch(() => undefined);
      throw error;
    }
  }

  /**
   * Reads batches from `start` and applies each in its own target transaction together with
   * `commitPosition`. The next batch is read while the current one is applied (source and target
   * are different connections), so reading and writing overlap. Returns false when interrupted.
   */
  async #walk<P>(
    pass: PassContext,
    start: P,
    read: (after: P) => Promise<ChangeBatch>,
    positionOf: (batch: ChangeBatch) => P,
    commitPosition: (tx: DynamicDb, position: P, current: Cursor | undefined) => Promise<void>,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const { mapping, targetDb, streams } = this.parts;
    const batchSize = mapping.source.capture.batchSize;
    let position = start;
    let pending: Promise<ChangeBatch> | undefined = read(position);
    try {
      for (;;) {
        const batch = await pending!;
        pending = undefined;
        if (batch.rows.length === 0) return true;
        const next = positionOf(batch);
        const more = batch.rows.length >= batchSize;
        if (more && !signal?.aborted) pending = read(next);
        const began = Date.now();
        const applied = await targetDb.transaction().execute(async (tx) => {
          const { cursor } = await streams.lock(tx, mapping.name);
          const outcome = await this.applyRows(tx, batch.rows, pass, pass.logger);
          await commitPosition(tx, next, cursor);
          this.#count(pass.figures, batch.rows.length, outcome);
          await streams.recordRun(tx, mapping.name, { started: pass.started, status: 'running', figures: pass.figures });
          return outcome;
        });
        pass.result.batches++;
        if (mapping.after && applied.written.length) await runAfterApply(mapping, applied.written.map((row) => row.key), pass.logger);
        pass.logger.info('batch applied', {
          batch: pass.result.batches,
          cursorFrom: position,
          cursorTo: next,
          read: batch.rows.length,
          inserted: applied.inserted,
          updated: applied.updated,
          unchanged: applied.unchanged,
          adopted: applied.adopted,
          rejected: applied.rejected.length,
          durationMs: Date.now() - began,
        });
        position = next;
        if (!more) return true;
        if (signal?.aborted) {
          pass.result.interrupted = true;
          return false;
        }
      }
    } finally {
      // A read started for a batch that will not be applied must not surface as unhandled.
      pending?.catch(() => undefined);
    }
  }

  #count(figures: RunFigures, read: number, outcome: ApplyResult): void {
    figures.read += read;
    figures.inserted += outcome.inserted;
    figures.updated += outcome.updated;
    figures.unchanged += outcome.unchanged;
    figures.rejected += outcome.rejected.length;
    figures.adopted += outcome.adopted;
  }

  async #finish(pass: PassContext, status: 'ok'): Promise<PassResult> {
    const { mapping, targetDb, streams } = this.parts;
    await streams.recordRun(targetDb, mapping.name, { started: pass.started, finished: nowText(), status, figures: pass.figures });
    if (pass.figures.read > 0 || pass.result.interrupted) {
      pass.logger.info('pass finished', { ...pass.figures, batches: pass.result.batches, checkpoint: pass.result.checkpoint, interrupted: pass.result.interrupted });
    }
    return pass.result;
  }
}

interface PassContext {
  logger: Logger;
  started: string;
  figures: RunFigures;
  result: PassResult;
  /** Whether the rejected-rows table may hold entries for this mapping (then applied keys clear them). */
  rejectionsPossible: boolean;
}

function toEpochMs(ts: string): number {
  return Date.parse(`${canonicalTimestamp(ts, false).replace(' ', 'T')}Z`);
}
