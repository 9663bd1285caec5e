import { canonicalDecimal } from '../apply/normalize.js';
import type { ColumnSpec, LookupSpec, TypeDeclarationSpec } from './column-spec-schema.js';
import { convertDeclared, ValueRejected, type TypeDeclaration } from './value-types.js';

/** Where a target column's value comes from, before lookups, value maps, defaults and types. */
export type ValueSource =
  | { kind: 'column'; column: string }
  | { kind: 'expr'; sql: string; alias: string }
  | { kind: 'const'; value: unknown }
  /** Written on every insert/update but never compared: Aimeos `mtime`, `editor`. */
  | { kind: 'stamp'; stamp: 'now' | 'editor' };

export interface ColumnRule {
  readonly target: string;
  readonly from: ValueSource;
  readonly lookup?: LookupSpec;
  readonly missing: 'wait' | 'null' | 'reject';
  /** Value map keyed by `lookupText` of the source value. */
  readonly map?: { readonly entries: ReadonlyMap<string, unknown>; readonly unmapped: 'default' | 'reject' | 'pass' };
  /** Used when the value is NULL (after lookup and map); `undefined` means none. */
  readonly default?: unknown;
  readonly type?: TypeDeclaration;
  /** Set when the row is created, never updated (ctime, siteid). */
  readonly insertOnly: boolean;
  /** Compared with the target to decide whether a row differs (false for stamps). */
  readonly compared: boolean;
}

export function compileTypeDeclaration(spec: TypeDeclarationSpec): TypeDeclaration {
  if (spec === 'bool') return { kind: 'bool' };
  if (spec === 'json') return { kind: 'json' };
  if ('decimal' in spec) return { kind: 'decimal', scale: spec.decimal, round: spec.round };
  if ('datetime' in spec) return { kind: 'datetime', from: spec.datetime.from, to: spec.datetime.to, zeroDate: spec.zeroDate };
  return { kind: 'text', nul: spec.text.nul };
}

/** Alias under which the source database returns the value of an `expr` column. */
export function exprAlias(target: string): string {
  return `__expr_${target}`;
}

export function compileColumnRule(target: string, spec: ColumnSpec): ColumnRule {
  if (typeof spec === 'string') return { target, from: { kind: 'column', column: spec }, missing: 'wait', insertOnly: false, compared: true };
  const from: ValueSource =
    spec.column !== undefined
      ? { kind: 'column', column: spec.column }
      : spec.expr !== undefined
        ? { kind: 'expr', sql: spec.expr, alias: exprAlias(target) }
        : { kind: 'const', value: spec.const };
  return {
    target,
    from,
    lookup: spec.lookup,
    missing: spec.missing ?? 'wait',
    map: spec.map
      ? { entries: new Map(Object.entries(spec.map).map(([from, to]) => [lookupText(from), to])), unmapped: spec.unmapped ?? (spec.default !== undefined ? 'default' : 'reject') }
      : undefined,
    default: spec.default,
    type: spec.type ? compileTypeDeclaration(spec.type) : undefined,
    insertOnly: spec.insertOnly ?? false,
    compared: true,
  };
}

/** Raw value of a rule for a source row (before lookups and maps). */
export function rawValue(rule: ColumnRule, row: Readonly<Record<string, unknown>>): unknown {
  switch (rule.from.kind) {
    case 'column':
      return row[rule.from.column];
    case 'expr':
      return row[rule.from.alias];
    case 'const':
      return rule.from.value;
    case 'stamp':
      return undefined;
  }
}

/** Text under which a value is looked up in value maps and lookup results. */
export function lookupText(value: unknown): string {
  if (value === null || value === undefined) return '\u0000null';
  if (typeof value === 'number' || typeof value === 'bigint') return canonicalDecimal(value, undefined);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  const text = String(value);
  return /^-?\d+(\.\d+)?$/.test(text) ? canonicalDecimal(text, undefined) : text;
}

/** Why a row was not mapped: `wait` rows are retried on later polls (e.g. a parent not yet there). */
export interface RowRejection {
  column: string;
  reason: string;
  wait: boolean;
}

export type LookupResults = ReadonlyMap<string, ReadonlyMap<string, unknown>>;

/** Lookup result when several rows match one value: reported, never guessed. */
export const AMBIGUOUS = Symbol('ambiguous lookup');

/**
 * Applies one rule to a source row: lookup → value map → default → declared type. Pure: the
 * lookup results were fetched for the whole batch beforehand.
 */
export function evaluateRule(rule: ColumnRule, row: Readonly<Record<string, unknown>>, lookups: LookupResults): unknown {
  let value = rawValue(rule, row);
  if (rule.lookup && value !== null && value !== undefined) {
    const found = lookups.get(rule.target)?.get(lookupText(value));
    if (found === AMBIGUOUS) throw new RuleRejected(`lookup is ambiguous for ${JSON.stringify(value)}: several rows match`, false);
    if (found === undefined) {
      if (rule.missing === 'null') value = null;
      else throw new RuleRejected(`lookup found no match for ${JSON.stringify(value)}`, rule.missing === 'wait');
    } else {
      value = found;
    }
  }
  if (rule.map) {
    const key = lookupText(value);
    if (rule.map.entries.has(key)) value = rule.map.entries.get(key);
    else if (rule.map.unmapped === 'default') value = rule.default;
    else if (rule.map.unmapped === 'reject') throw new RuleRejected(`value ${JSON.stringify(value)} is not in the value map`, false);
  }
  if ((value === null || value === undefined) && rule.default !== undefined) value = rule.default;
  if (rule.type) {
    try {
      value = convertDeclared(value, rule.type);
    } catch (error) {
      if (error instanceof ValueRejected) throw new RuleRejected(error.message, false);
      throw error;
    }
  }
  return value;
}

export class RuleRejected extends Error {
  constructor(
    message: string,
    readonly wait: boolean,
  ) {
    super(message);
  }
}
