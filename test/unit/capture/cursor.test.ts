import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareCursors,
  compareKeyPart,
  compareTimestamps,
  decodeCursor,
  encodeCursor,
  maxCursor,
  minCursor,
  type Cursor,
} from '../../../src/capture/cursor.js';

const TS = '2026-03-01 12:00:00';

describe('compareKeyPart', () => {
  it('compares integer-looking parts as integers', () => {
    expect(compareKeyPart('9', '10')).toBe(-1);
    expect(compareKeyPart('10', '9')).toBe(1);
    expect(compareKeyPart('007', '7')).toBe(0);
    expect(compareKeyPart('-2', '-10')).toBe(1);
    expect(compareKeyPart('-1', '0')).toBe(-1);
    // Beyond 2^53: exact, not rounded.
    expect(compareKeyPart('9007199254740993', '9007199254740992')).toBe(1);
  });

  it('compares other parts by code point (binary collation order)', () => {
    expect(compareKeyPart('B', 'a')).toBe(-1);
    expect(compareKeyPart('a', 'ab')).toBe(-1);
    expect(compareKeyPart('x9', 'x10')).toBe(1);
    expect(compareKeyPart('10', 'a')).toBe(-1);
    expect(compareKeyPart('ä', 'z')).toBe(1);
    expect(compareKeyPart('same', 'same')).toBe(0);
  });
});

describe('compareTimestamps', () => {
  it('orders by time, padding fractions to equal width', () => {
    expect(compareTimestamps('2026-03-01 12:00:00', '2026-03-01 12:00:01')).toBe(-1);
    expect(compareTimestamps('2026-03-01 12:00:00', '2026-03-01 12:00:00.000')).toBe(0);
    expect(compareTimestamps('2026-03-01 12:00:00.5', '2026-03-01 12:00:00.10')).toBe(1);
    expect(compareTimestamps('2026-03-01 12:00:00.05', '2026-03-01 12:00:00.5')).toBe(-1);
    expect(compareTimestamps('2026-03-01 12:00:00.000001', '2026-03-01 12:00:00')).toBe(1);
    expect(compareTimestamps('2026-03-01 12:00:00.999999', '2026-03-01 12:00:01')).toBe(-1);
  });

  it('reads T separators and zone offsets', () => {
    expect(compareTimestamps('2026-03-01T12:00:00', '2026-03-01 12:00:00')).toBe(0);
    expect(compareTimestamps('2026-03-01 13:00:00+01:00', '2026-03-01 12:00:00')).toBe(0);
    expect(compareTimestamps('2026-03-01 13:30:00+02:00', '2026-03-01 12:00:00')).toBe(-1);
    expect(compareTimestamps('2026-02-28 23:30:00-01:00', '2026-03-01 00:00:00')).toBe(1);
  });
});

describe('compareCursors', () => {
  it('orders by timestamp first, whatever the keys', () => {
    expect(compareCursors({ ts: '2026-03-01 11:59:59', key: ['999'] }, { ts: TS, key: ['1'] })).toBe(-1);
    expect(compareCursors({ ts: '2026-03-01 12:00:00.1', key: null }, { ts: TS, key: ['999'] })).toBe(1);
  });

  it('orders numeric keys at one timestamp as integers: 9 before 10', () => {
    expect(compareCursors({ ts: TS, key: ['9'] }, { ts: TS, key: ['10'] })).toBe(-1);
    expect(compareCursors({ ts: TS, key: ['10'] }, { ts: TS, key: ['9'] })).toBe(1);
    expect(compareCursors({ ts: TS, key: ['10'] }, { ts: `${TS}.000`, key: ['10'] })).toBe(0);
  });

  it('puts a null key before every key at the same timestamp, and equal to another null key', () => {
    for (const key of [['0'], ['-5'], [''], ['a'], ['1', '2']]) {
      expect(compareCursors({ ts: TS, key: null }, { ts: TS, key })).toBe(-1);
      expect(compareCursors({ ts: TS, key }, { ts: TS, key: null })).toBe(1);
    }
    expect(compareCursors({ ts: TS, key: null }, { ts: TS, key: null })).toBe(0);
    // ...but after every key of an earlier timestamp.
    expect(compareCursors({ ts: TS, key: null }, { ts: '2026-03-01 11:59:59.999999', key: ['99999'] })).toBe(1);
  });

  it('compares composite keys part by part', () => {
    expect(compareCursors({ ts: TS, key: ['1', '10'] }, { ts: TS, key: ['1', '9'] })).toBe(1);
    expect(compareCursors({ ts: TS, key: ['2', '1'] }, { ts: TS, key: ['10', '0'] })).toBe(-1);
    expect(compareCursors({ ts: TS, key: ['a', '2'] }, { ts: TS, key: ['a', '2'] })).toBe(0);
  });

  const cursor: fc.Arbitrary<Cursor> = fc.record({
    ts: fc
      .tuple(fc.integer({ min: 0, max: 59 }), fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined }))
      .map(([second, fraction]) => `2026-03-01 12:00:${String(second).padStart(2, '0')}${fraction === undefined ? '' : `.${fraction}`}`),
    key: fc.option(fc.array(fc.oneof(fc.integer({ min: -50, max: 50 }).map(String), fc.constantFrom('a', 'b', 'Z')), { minLength: 2, maxLength: 2 }), {
      nil: null,
    }),
  });

  it('is a consistent total order: antisymmetric and transitive (property)', () => {
    fc.assert(
      fc.property(cursor, cursor, cursor, (a, b, c) => {
        expect(Math.sign(compareCursors(a, b))).toBe(-Math.sign(compareCursors(b, a)) || 0);
        if (compareCursors(a, b) <= 0 && compareCursors(b, c) <= 0) expect(compareCursors(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('minCursor and maxCursor pick by that order', () => {
    const early: Cursor = { ts: TS, key: ['9'] };
    const late: Cursor = { ts: TS, key: ['10'] };
    expect(minCursor(late, early)).toBe(early);
    expect(maxCursor(early, late)).toBe(late);
    expect(maxCursor(undefined, early)).toBe(early);
    expect(maxCursor(late, early)).toBe(late);
  });
});

describe('encodeCursor / decodeCursor', () => {
  it('round-trips keys as JSON text and a null key as null', () => {
    const cursor: Cursor = { ts: '2026-03-01 12:00:00.123456', key: ['1', 'a,b', '"q"'] };
    const encoded = encodeCursor(cursor);
    expect(encoded).toEqual({ ts: '2026-03-01 12:00:00.123456', key: '["1","a,b","\\"q\\""]' });
    expect(decodeCursor(encoded.ts, encoded.key)).toEqual(cursor);
    expect(encodeCursor({ ts: TS, key: null })).toEqual({ ts: TS, key: null });
    expect(decodeCursor(TS, null)).toEqual({ ts: TS, key: null });
  });
});
