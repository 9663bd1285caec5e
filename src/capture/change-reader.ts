import type { TransactionVisibility } from '../dialect/dialect.js';
import type { Cursor } from './cursor.js';

export type SourceRow = Record<string, unknown>;

export interface ChangeBatch {
  rows: SourceRow[];
  /** Cursor of the last row, undefined when the batch is empty. */
  last: Cursor | undefined;
}

export interface SafeMark {
  /** Boundary cursor: every row with a capture value below `mark.ts` is committed. */
  mark: Cursor;
  /** False when this login cannot see open transactions (only lag protects the mark). */
  openTransactionsVisible: boolean;
}

/** Reads changes of one source table in cursor order. */
export interface ChangeReader {
  /** The safe high-water mark; read before the rows it is used with. */
  readSafeMark(): Promise<SafeMark>;
  /** Rows strictly after `after` (or from the beginning), in cursor order, ties broken by key. */
  readBatch(after: Cursor | undefined, limit: number): Promise<ChangeBatch>;
  /**
   * Rows with a key strictly after `afterKey`, in key order: the initial load walks the table by
   * its key (an index Aimeos always has) instead of by the capture column (which it rarely indexes).
   */
  readKeyBatch(afterKey: readonly string[] | null, limit: number): Promise<ChangeBatch>;
  /**
   * Rows at or after `from` by capture value, in key order after `afterKey`: the poll of a source
   * whose capture column has no index (one scan per pass instead of a scan and sort per batch).
   */
  readChangedByKey(from: Cursor, afterKey: readonly string[] | null, limit: number): Promise<ChangeBatch>;
  /** True when an index starts with the capture column, so (capture, key) order is cheap. */
  readonly captureIndexed: boolean;
  /** Current rows for these source keys (waiting rows are re-read this way). */
  readKeys(keys: readonly (readonly string[])[]): Promise<SourceRow[]>;
  /** Current rows whose `column` is one of `values` (children of a batch of document parents). */
  rowsWhere(column: string, values: readonly unknown[]): Promise<SourceRow[]>;
  /** Whether the login sees other sessions' open transactions, and what is lost if not. */
  transactionVisibility(): Promise<TransactionVisibility>;
  /** Newest capture value in the source (for lag figures); undefined for an empty table. */
  newestChange(): Promise<string | undefined>;
}
