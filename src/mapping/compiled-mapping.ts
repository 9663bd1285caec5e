/** A mapping after loading and static checks: everything the engine needs to run it. */
export interface CompiledMapping {
  readonly name: string;
  readonly file: string;
  readonly source: {
    readonly endpoint: string;
    readonly table: string;
    readonly key: readonly string[];
    readonly where?: string;
    readonly capture: TimestampCapture;
  };
  readonly target: {
    readonly endpoint: string;
    readonly table: string;
    readonly key: readonly string[];
  };
  /** Target column ← source column, in file order. */
  readonly columns: readonly { readonly target: string; readonly source: string }[];
  /** Source columns to select: mapped columns, key and capture column, without repeats. */
  readonly sourceColumns: readonly string[];
  /** Source key column feeding each target key column, in target key order. */
  readonly targetKeySources: readonly string[];
  /** Pure, deterministic: a source row to the target row (target column → value). */
  toTarget(row: Readonly<Record<string, unknown>>): Record<string, unknown>;
}

export interface TimestampCapture {
  readonly mode: 'timestamp';
  readonly column: string;
  readonly timezone: string;
  readonly overlapSeconds: number;
  readonly lagSeconds: number;
  readonly batchSize: number;
}
