import { canonicalValue } from '../apply/normalize.js';
import type { ColumnCategory, ColumnInfo } from '../dialect/dialect.js';
import type { ColumnRule } from './column-rules.js';

/** Target categories each declared type can be written into. */
const DECLARED_INTO: Record<string, readonly ColumnCategory[]> = {
  bool: ['boolean', 'integer', 'decimal', 'text'],
  decimal: ['decimal', 'float', 'integer', 'text'],
  datetime: ['datetime', 'timestamptz', 'date', 'text'],
  json: ['json', 'text'],
  text: ['text', 'json', 'other'],
};

/**
 * Problems with the values a rule produces for its target column: a declared type the column
 * cannot hold, or value-map / const / default values the column would refuse (a map to 'pending'
 * into an integer column). Checked by `validate` before any row is read.
 */
export function producedValueProblems(rule: ColumnRule, target: ColumnInfo): string[] {
  const problems: string[] = [];
  if (rule.type && !DECLARED_INTO[rule.type.kind]!.includes(target.category)) {
    problems.push(`declared type ${rule.type.kind} cannot be written into ${target.nativeType}`);
  }
  if (rule.type) return problems; // the declared type converts map/default values before writing
  const fixed: [string, unknown][] = [
    ...[...(rule.map?.entries.values() ?? [])].map((value): [string, unknown] => ['value map', value]),
    ...(rule.default !== undefined ? [['default', rule.default] as [string, unknown]] : []),
    ...(rule.from.kind === 'const' ? [['const', rule.from.value] as [string, unknown]] : []),
  ];
  for (const [what, value] of fixed) {
    if (value === null || value === undefined) {
      if (!target.nullable) problems.push(`${what} gives NULL but ${target.name} is NOT NULL`);
      continue;
    }
    if (canonicalValue(value, target)?.startsWith('invalid:')) {
      problems.push(`${what} value ${JSON.stringify(value)} is not a valid ${target.nativeType}`);
    }
  }
  return problems;
}
