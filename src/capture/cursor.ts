import { canonicalTimestamp } from '../apply/normalize.js';

/**
 * Position in a timestamp-captured table: every row with (ts, key) <= this cursor is applied.
 * `key: null` is a boundary before every key at `ts` ("all rows with ts < this are applied"),
 * which is what a safe high-water mark produces. Timestamps stay text at full precision.
 */
export interface Cursor {
  ts: string;
  key: string[] | null;
}

export function encodeCursor(cursor: Cursor): { ts: string; key: string | null } {
  return { ts: cursor.ts, key: cursor.key === null ? null : JSON.stringify(cursor.key) };
}

export function decodeCursor(ts: string, key: string | null): Cursor {
  return { ts, key: key === null ? null : (JSON.parse(key) as string[]) };
}

const INTEGER = /^-?\d+$/;

/** Key parts compare as integers when both look like integers, else by code point (utf8mb4_bin order). */
export function compareKeyPart(a: string, b: string): number {
  if (INTEGER.test(a) && INTEGER.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareTimestamps(a: string, b: string): number {
  const x = canonicalTimestamp(a, false);
  const y = canonicalTimestamp(b, false);
  // Canonical text sorts like time once fractions are padded to equal length.
  const [xs, xf = ''] = x.split('.');
  const [ys, yf = ''] = y.split('.');
  if (xs !== ys) return xs! < ys! ? -1 : 1;
  const width = Math.max(xf.length, yf.length);
  const xp = xf.padEnd(width, '0');
  const yp = yf.padEnd(width, '0');
  return xp < yp ? -1 : xp > yp ? 1 : 0;
}

export function compareCursors(a: Cursor, b: Cursor): number {
  const byTs = compareTimestamps(a.ts, b.ts);
  if (byTs !== 0) return byTs;
  if (a.key === null || b.key === null) return a.key === b.key ? 0 : a.key === null ? -1 : 1;
  for (let i = 0; i < Math.max(a.key.length, b.key.length); i++) {
    const byPart = compareKeyPart(a.key[i] ?? '', b.key[i] ?? '');
    if (byPart !== 0) return byPart;
  }
  return 0;
}

export function minCursor(a: Cursor, b: Cursor): Cursor {
  return compareCursors(a, b) <= 0 ? a : b;
}

export function maxCursor(a: Cursor | undefined, b: Cursor): Cursor {
  return a === undefined || compareCursors(a, b) < 0 ? b : a;
}
