import type { ColumnInfo } from '../dialect/dialect.js';

export type Compatibility = { level: 'ok' } | { level: 'warning' | 'error'; reason: string };

const NUMERIC = new Set(['integer', 'decimal', 'float']);
const TEMPORAL = new Set(['datetime', 'timestamptz', 'date']);

/** Whether values of the source column can be written into the target column without surprises. */
export function checkCompatibility(source: ColumnInfo, target: ColumnInfo): Compatibility {
  const s = source.category;
  const t = target.category;
  if (s === t) {
    if (t === 'decimal' && (source.scale ?? 0) > (target.scale ?? 0)) {
      return { level: 'warning', reason: `scale narrows from ${source.scale} to ${target.scale}: values are rounded` };
    }
    if (t === 'text' && target.maxLength !== undefined && (source.maxLength ?? Infinity) > target.maxLength) {
      return { level: 'warning', reason: `text may be longer than ${target.maxLength} characters: longer values are rejected` };
    }
    return { level: 'ok' };
  }
  if (t === 'text') return s === 'binary' ? { level: 'warning', reason: 'binary written as text must be valid UTF-8' } : { level: 'ok' };
  if (NUMERIC.has(s) && NUMERIC.has(t)) {
    if (s === 'integer') return { level: 'ok' };
    return { level: 'warning', reason: `${s} into ${t}: fractions are rounded by the target` };
  }
  if (s === 'integer' && t === 'boolean') {
    return { level: 'warning', reason: 'integer into boolean: only 0 and 1 are accepted; other values are rejected per row' };
  }
  if (s === 'boolean' && (t === 'integer' || t === 'decimal')) return { level: 'ok' };
  if (TEMPORAL.has(s) && TEMPORAL.has(t)) {
    if (t === 'date') return { level: 'warning', reason: 'the time of day is dropped' };
    return s === t ? { level: 'ok' } : { level: 'warning', reason: 'zoned and wall-clock timestamps meet: values are taken as UTC' };
  }
  if (s === 'json' || t === 'json') return s === 'text' ? { level: 'ok' } : { level: 'error', reason: `${s} cannot become ${t}` };
  if (s === 'text') return { level: 'warning', reason: `text into ${t}: every value must parse as ${t}, others are rejected per row` };
  if (s === 'other' || t === 'other') {
    return { level: 'warning', reason: `cannot check ${source.nativeType} into ${target.nativeType}; the target decides` };
  }
  return { level: 'error', reason: `${source.nativeType} (${s}) cannot be written into ${target.nativeType} (${t})` };
}
