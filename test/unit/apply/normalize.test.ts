import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalBoolean, canonicalDecimal, canonicalJson, canonicalTimestamp, canonicalValue, writeValue } from '../../../src/apply/normalize.js';
import type { ColumnCategory, ColumnInfo } from '../../../src/dialect/dialect.js';

function column(category: ColumnCategory, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name: 'c', nativeType: category, baseType: category, category, nullable: true, hasDefault: true, autoIncrement: false, generated: false, ...extra };
}

describe('canonicalDecimal', () => {
  it.each([
    ['1.5', 2, '1.50'],
    ['1.005', 2, '1.01'],
    ['1.004999', 2, '1.00'],
    ['-1.005', 2, '-1.01'],
    ['2.5', 0, '3'],
    ['-2.5', 0, '-3'],
    ['-2.4', 0, '-2'],
    ['9.995', 2, '10.00'],
    ['-99.9999', 3, '-100.000'],
    ['0.0049', 2, '0.00'],
    ['-0.004', 2, '0.00'],
    ['-0.00', 2, '0.00'],
    ['-0', 0, '0'],
    ['+3.14159', 3, '3.142'],
    ['007.50', 2, '7.50'],
    ['.5', 2, '0.50'],
    ['5.', 2, '5.00'],
    ['  12.30  ', 1, '12.3'],
    ['12345678901234567890.125', 2, '12345678901234567890.13'],
  ] as const)('%j at scale %i is %j (half away from zero)', (input, scale, expected) => {
    expect(canonicalDecimal(input, scale)).toBe(expected);
  });

  it('keeps every digit and trims trailing fraction zeros without a scale (integer and float targets)', () => {
    expect(canonicalDecimal('0042', undefined)).toBe('42');
    expect(canonicalDecimal('-0042.500', undefined)).toBe('-42.5');
    expect(canonicalDecimal('9007199254740993', undefined)).toBe('9007199254740993');
    expect(canonicalDecimal('-0.000', undefined)).toBe('0');
    expect(canonicalDecimal(42, undefined)).toBe('42');
    expect(canonicalDecimal(true, undefined)).toBe('1');
    expect(canonicalDecimal(false, 2)).toBe('0.00');
  });

  it('reads numbers and text in exponent notation as plain decimals', () => {
    expect(canonicalDecimal(1.5e-7, 8)).toBe('0.00000015');
    expect(canonicalDecimal(1.5e-7, undefined)).toBe('0.00000015');
    expect(canonicalDecimal(1e-7, 2)).toBe('0.00');
    expect(canonicalDecimal(1e21, 2)).toBe('1000000000000000000000.00');
    expect(canonicalDecimal(-2.5e21, undefined)).toBe('-2500000000000000000000');
    expect(canonicalDecimal('1e3', 2)).toBe('1000.00');
    expect(canonicalDecimal('1.25E+2', 0)).toBe('125');
    expect(canonicalDecimal('-5e-1', 0)).toBe('-1');
    expect(canonicalDecimal('-4.5e-1', 0)).toBe('0');
    expect(canonicalDecimal('12.5e-3', 4)).toBe('0.0125');
    expect(canonicalDecimal(0.1 + 0.2, 2)).toBe('0.30');
  });

  it('marks what is not a number as invalid, so it never equals a stored value', () => {
    expect(canonicalDecimal('abc', 2)).toBe('invalid:abc');
    expect(canonicalDecimal('', 2)).toBe('invalid:');
    expect(canonicalDecimal('.', 2)).toBe('invalid:.');
    expect(canonicalDecimal('1,5', 2)).toBe('invalid:1,5');
    expect(canonicalDecimal('e5', 2)).toBe('invalid:e5');
    expect(canonicalDecimal(Number.NaN, 2)).toBe('invalid:NaN');
    expect(canonicalDecimal(Number.POSITIVE_INFINITY, 2)).toBe('invalid:Infinity');
  });

  const decimalText = fc
    .tuple(fc.constantFrom('', '+', '-'), fc.stringMatching(/^\d{1,25}$/), fc.option(fc.stringMatching(/^\d{0,25}$/), { nil: undefined }))
    .map(([sign, integer, fraction]) => (fraction === undefined ? `${sign}${integer}` : `${sign}${integer}.${fraction}`));
  const scale = fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined });

  it('is idempotent: canonical text stays the same when canonicalised again (property)', () => {
    const value = fc.oneof(
      decimalText,
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
    );
    fc.assert(
      fc.property(value, scale, (x, s) => {
        const once = canonicalDecimal(x, s);
        expect(once).not.toMatch(/^invalid:/);
        expect(canonicalDecimal(once, s)).toBe(once);
        expect(once).toMatch(s === undefined ? /^-?\d+(\.\d*[1-9])?$/ : s === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${s}}$`));
        expect(once).not.toMatch(/^-0(\.0*)?$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('rounds to the nearest value at the scale, ties away from zero (property against BigInt arithmetic)', () => {
    fc.assert(
      fc.property(decimalText, fc.integer({ min: 0, max: 12 }), (x, s) => {
        const [, sign = '', integer = '', fraction = ''] = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(x)!;
        const f = fraction.length;
        const exact = BigInt(integer + fraction || '0') * (sign === '-' ? -1n : 1n); // x = exact / 10^f
        const result = canonicalDecimal(x, s);
        const rounded = BigInt(result.replace('.', '')); // r = rounded / 10^s
        const difference = exact * 10n ** BigInt(s) - rounded * 10n ** BigInt(f); // (x - r) * 10^(f+s)
        const half = 10n ** BigInt(f); // 0.5 * 10^-s scaled by 10^(f+s), doubled below
        const twice = 2n * (difference < 0n ? -difference : difference);
        expect(twice <= half).toBe(true);
        // On a tie the result lies further from zero than the input.
        if (twice === half) expect(rounded < 0n ? difference > 0n : difference < 0n).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('canonicalTimestamp', () => {
  it.each([
    ['2026-01-01 10:00:00', '2026-01-01 10:00:00'],
    ['2026-01-01T10:00:00', '2026-01-01 10:00:00'],
    ['2026-01-01 10:00', '2026-01-01 10:00:00'],
    ['2026-01-01', '2026-01-01 00:00:00'],
    ['2026-01-01 10:00:00.000000', '2026-01-01 10:00:00'],
    ['2026-01-01 10:00:00.120', '2026-01-01 10:00:00.12'],
    ['2026-01-01 10:00:00.000001', '2026-01-01 10:00:00.000001'],
    ['2026-01-01T10:00:00Z', '2026-01-01 10:00:00'],
    ['2026-01-01 10:00:00+00', '2026-01-01 10:00:00'],
    ['2026-01-01 10:00:00+00:00', '2026-01-01 10:00:00'],
    ['2026-01-01 10:00:00+02:00', '2026-01-01 08:00:00'],
    ['2026-01-01 10:00:00+0200', '2026-01-01 08:00:00'],
    ['2026-01-01 10:00:00.5+01', '2026-01-01 09:00:00.5'],
    ['2026-01-01 00:30:00-05:30', '2026-01-01 06:00:00'],
    ['2026-12-31 23:30:00-01:00', '2027-01-01 00:30:00'],
    ['2026-03-01 00:15:00.250000+01:00', '2026-02-28 23:15:00.25'],
    ['2024-03-01 00:15:00+01:00', '2024-02-29 23:15:00'],
  ])('%j is %j', (input, expected) => {
    expect(canonicalTimestamp(input, true)).toBe(expected);
    expect(canonicalTimestamp(input, false)).toBe(expected);
  });

  it('reads Date objects as UTC instants', () => {
    expect(canonicalTimestamp(new Date('2026-05-05T01:02:03.450Z'), true)).toBe('2026-05-05 01:02:03.45');
    expect(canonicalTimestamp(new Date('2026-05-05T01:02:03.000Z'), false)).toBe('2026-05-05 01:02:03');
  });

  it('marks unparseable text as invalid', () => {
    expect(canonicalTimestamp('yesterday', false)).toBe('invalid:yesterday');
    expect(canonicalTimestamp('2026/01/01 10:00:00', false)).toBe('invalid:2026/01/01 10:00:00');
  });

  it('makes one instant written with different offsets compare equal', () => {
    const forms = ['2026-07-01 12:00:00+02:00', '2026-07-01T10:00:00Z', '2026-07-01 05:00:00-05', '2026-07-01 10:00:00.000'];
    expect(new Set(forms.map((form) => canonicalTimestamp(form, true))).size).toBe(1);
  });
});

describe('canonicalJson', () => {
  it('ignores object key order at every level', () => {
    expect(canonicalJson('{"b":1,"a":{"d":[1,{"y":2,"x":1}],"c":null}}')).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson('{ "a" : 2, "b" : 1 }'));
    expect(canonicalJson(Buffer.from('{"y":1,"x":2}'))).toBe('{"x":2,"y":1}');
  });

  it('keeps array order significant', () => {
    expect(canonicalJson('[1,2]')).not.toBe(canonicalJson('[2,1]'));
    expect(canonicalJson({ a: [{ k: 1 }, { k: 2 }] })).not.toBe(canonicalJson({ a: [{ k: 2 }, { k: 1 }] }));
  });

  it('keeps unparseable text verbatim and distinguishes JSON scalars', () => {
    expect(canonicalJson('not json {')).toBe('not json {');
    expect(canonicalJson('"1"')).toBe('"1"');
    expect(canonicalJson('1')).toBe('1');
    expect(canonicalJson('null')).toBe('null');
  });

  it('equals the canonical form of a key-shuffled copy (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        const shuffled = shuffleKeys(value, seed);
        // As drivers deliver it: JSON text.
        const canonical = canonicalJson(JSON.stringify(value));
        expect(canonicalJson(JSON.stringify(shuffled))).toBe(canonical);
        // As a parsed document (a JS string is JSON text to canonicalJson, so only containers).
        if (value !== null && typeof value === 'object') expect(canonicalJson(shuffled)).toBe(canonical);
        // And the canonical text still means the same value.
        expect(JSON.parse(canonical)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 1000 },
    );
  });
});

/** A deep copy of `value` whose object keys are inserted in a seed-dependent order. */
function shuffleKeys(value: unknown, seed: number): unknown {
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state;
  };
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') {
      const entries = Object.entries(node);
      for (let i = entries.length - 1; i > 0; i--) {
        const j = next() % (i + 1);
        [entries[i], entries[j]] = [entries[j]!, entries[i]!];
      }
      return Object.fromEntries(entries.map(([key, item]) => [key, walk(item)]));
    }
    return node;
  };
  return walk(value);
}

describe('canonicalBoolean', () => {
  it.each([
    [true, 'true'],
    [false, 'false'],
    [1, 'true'],
    [0, 'false'],
    ['1', 'true'],
    ['0', 'false'],
    ['t', 'true'],
    ['f', 'false'],
    ['TRUE', 'true'],
    [' yes ', 'true'],
    ['No', 'false'],
    ['on', 'true'],
    ['off', 'false'],
  ] as const)('%j is %j', (input, expected) => {
    expect(canonicalBoolean(input)).toBe(expected);
  });

  it('marks other values invalid instead of guessing', () => {
    expect(canonicalBoolean(2)).toBe('invalid:2');
    expect(canonicalBoolean('maybe')).toBe('invalid:maybe');
    expect(canonicalBoolean('')).toBe('invalid:');
  });
});

describe('canonicalValue', () => {
  it('keeps NULL (null or undefined) and the empty string distinct in every category', () => {
    for (const category of ['text', 'integer', 'decimal', 'json', 'binary', 'datetime', 'boolean', 'other'] as const) {
      expect(canonicalValue(null, column(category))).toBeNull();
      expect(canonicalValue(undefined, column(category))).toBeNull();
      expect(canonicalValue('', column(category))).not.toBeNull();
    }
    expect(canonicalValue('', column('text'))).toBe('');
    expect(canonicalValue('', column('binary'))).toBe('');
  });

  it('compares decimals at the column scale and integers exactly', () => {
    expect(canonicalValue('1.5', column('decimal', { scale: 2 }))).toBe('1.50');
    expect(canonicalValue(1.5, column('decimal', { scale: 2 }))).toBe(canonicalValue('1.50', column('decimal', { scale: 2 })));
    expect(canonicalValue('9007199254740993', column('integer'))).toBe('9007199254740993');
    expect(canonicalValue(12, column('integer'))).toBe(canonicalValue('012', column('integer')));
  });

  it('reads floats as numbers', () => {
    expect(canonicalValue('1.50', column('float'))).toBe('1.5');
    expect(canonicalValue(1e21, column('float'))).toBe('1e+21');
    expect(canonicalValue('x', column('float'))).toBe('invalid:x');
  });

  it('normalises temporal values per category', () => {
    expect(canonicalValue('2026-01-01T10:00:00.000Z', column('timestamptz'))).toBe('2026-01-01 10:00:00');
    expect(canonicalValue('2026-01-01 12:00:00+02', column('timestamptz'))).toBe('2026-01-01 10:00:00');
    expect(canonicalValue('2026-01-02 00:00:00', column('date'))).toBe('2026-01-02');
    expect(canonicalValue('10:00:00.500', column('time'))).toBe('10:00:00.5');
    expect(canonicalValue('10:00:00.000', column('time'))).toBe('10:00:00');
    expect(canonicalValue('10:00:00', column('time'))).toBe('10:00:00');
  });

  it('compares binary values byte for byte as hex', () => {
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80]);
    expect(canonicalValue(bytes, column('binary'))).toBe('00ff1080');
    expect(canonicalValue(Buffer.from([0x00, 0xff, 0x10, 0x81]), column('binary'))).not.toBe('00ff1080');
    expect(canonicalValue('ab', column('binary'))).toBe(canonicalValue(Buffer.from('ab'), column('binary')));
    expect(canonicalValue(Buffer.alloc(0), column('binary'))).toBe('');
    // A Buffer in a text column is its UTF-8 text.
    expect(canonicalValue(Buffer.from('Grüße'), column('text'))).toBe('Grüße');
  });

  it('treats JSON objects and JSON text alike', () => {
    expect(canonicalValue({ b: [1, 2], a: 'x' }, column('json'))).toBe(canonicalValue('{"a":"x","b":[1,2]}', column('json')));
  });
});

describe('writeValue', () => {
  it('binds booleans as booleans and zoned timestamps with an explicit UTC offset', () => {
    expect(writeValue('1', column('boolean'))).toBe(true);
    expect(writeValue('off', column('boolean'))).toBe(false);
    expect(writeValue('2026-01-01 12:00:00+02:00', column('timestamptz'))).toBe('2026-01-01 10:00:00+00');
    expect(writeValue('2026-01-01T10:00:00.500Z', column('datetime'))).toBe('2026-01-01 10:00:00.5');
    expect(writeValue({ a: 1 }, column('json'))).toBe('{"a":1}');
    expect(writeValue(null, column('text'))).toBeNull();
    expect(writeValue('', column('text'))).toBe('');
  });
});
