import type { LookupSpec } from './column-spec-schema.js';
import type { ColumnRule, LookupResults, RowRejection } from './column-rules.js';

/** A mapping after loading and static checks: everything the engine needs to run it. */
export interface CompiledMapping {
  readonly name: string;
  readonly file: string;
  readonly source: {
    readonly endpoint: string;
    /** Table name, or undefined when the source is a query. */
    readonly table?: string;
    readonly query?: string;
    /** For messages and logs: the table name or `(query)`. */
    readonly label: string;
    readonly key: readonly string[];
    readonly where?: string;
    readonly capture: TimestampCapture;
  };
  readonly target: {
    readonly endpoint: string;
    readonly table: string;
    /** Columns that locate a target row; empty when rows are located through the identity map. */
    readonly key: readonly string[];
    readonly identity?: { readonly column: string; readonly match?: readonly string[] };
    /** Never insert: a source row without a target row is rejected. */
    readonly updateOnly: boolean;
    readonly aimeos?: { readonly siteid: string; readonly timezone: string; readonly updateInstock: boolean };
  };
  /** One rule per written target column, in file order, then convention stamps. */
  readonly rules: readonly ColumnRule[];
  /** Plain source columns to select (rules, key, capture column, parent column), without repeats. */
  readonly sourceColumns: readonly string[];
  /** SQL expressions evaluated by the source database, selected under their alias. */
  readonly sourceExpressions: readonly { readonly alias: string; readonly sql: string }[];
  /** Rules that translate values through lookups (resolved once per batch). */
  readonly lookups: readonly { readonly target: string; readonly spec: LookupSpec }[];
  /** Mappings that must run before this one (lookups and dependsOn). */
  readonly dependsOn: readonly string[];
  readonly parent?: { readonly mapping: string; readonly column: string };
  /** Absolute path of the row-transform module. */
  readonly transform?: string;
  readonly after?: { readonly command?: readonly string[]; readonly http?: { readonly url: string; readonly method: 'POST' | 'PUT' } };
  /** Pure and deterministic: the target row for a source row, or why it cannot be written. */
  toTarget(row: Readonly<Record<string, unknown>>, lookups: LookupResults): MappedRow;
}

export type MappedRow = { ok: true; values: Record<string, unknown> } | { ok: false; rejection: RowRejection };

export interface TimestampCapture {
  readonly mode: 'timestamp';
  readonly column: string;
  readonly timezone: string;
  readonly overlapSeconds: number;
  readonly lagSeconds: number;
  readonly batchSize: number;
}
