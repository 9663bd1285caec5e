import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseKind } from '../../src/config/load-config.js';
import type { RunFigures } from '../../src/state/stream-store.js';
import { utcText } from '../support/fixtures.js';
import { emptyTables, rejectedRows, sqlTypes } from '../support/state-rows.js';
import { SyncHarness } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';

/**
 * Declared types against real servers: random values go source → target; the second sync must
 * find every written row unchanged, every value read back must equal an independently computed
 * conversion, and a value the target column cannot hold exactly must be rejected, never written.
 */

const RUNS = 25;

const PAIRS: readonly (readonly [DatabaseKind, DatabaseKind])[] = [
  ['mysql', 'postgres'],
  ['postgres', 'mysql'],
];

/** How each target refuses a number beyond the column's precision. */
const OVERFLOW: Record<DatabaseKind, RegExp> = {
  mysql: /Out of range value for column 'v'/,
  postgres: /numeric field overflow/,
};

/** What a row should become: a value read back from the target (canonical text), or a rejection. */
type Outcome = { written: string | null } | { rejected: string | RegExp };

const capture = { mode: 'timestamp', column: 'mtime' };

function mapping(name: string, sourceTable: string, targetTable: string, column: string | Record<string, unknown>) {
  return {
    name,
    source: { endpoint: 'source', table: sourceTable, key: ['id'], capture },
    target: { endpoint: 'target', table: targetTable, key: ['id'] },
    columns: { id: 'id', v: column },
  };
}

// ---- oracles (independent of src/) ------------------------------------------------------------

const TEN = (n: number) => 10n ** BigInt(n);

/** Fixed-point text of `units` with `scale` decimals. */
function fixedText(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const body = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${body}` : body;
}

/** Shortest exact decimal text: trailing fraction zeros and a bare point removed. */
function trimmed(units: bigint, scale: number): string {
  return fixedText(units, scale).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** `units / 10^shift` rounded half away from zero. */
function roundHalfAway(units: bigint, shift: number): bigint {
  if (shift <= 0) return units * TEN(-shift);
  const divisor = TEN(shift);
  const magnitude = units < 0n ? -units : units;
  let quotient = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) quotient += 1n;
  return units < 0n ? -quotient : quotient;
}

/** A JS number as (integer units, scale) of its shortest decimal text, exponent expanded. */
function decimalOfNumber(value: number): { units: bigint; scale: number } {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (!match) throw new Error(`unexpected number text ${String(value)}`);
  const [, sign, integer, fraction = '', exponent = '0'] = match;
  let units = BigInt(`${integer}${fraction}`);
  let scale = fraction.length - Number(exponent);
  if (scale < 0) {
    units *= TEN(-scale);
    scale = 0;
  }
  return { units: sign === '-' ? -units : units, scale };
}

/** Europe/Berlin in 2026: CEST from 2026-03-29 02:00 (skipped hour) to 2026-10-25 03:00 (repeated hour). */
const GAP_START = Date.UTC(2026, 2, 29, 2, 0, 0);
const GAP_END = Date.UTC(2026, 2, 29, 3, 0, 0);
const CEST_END_WALL = Date.UTC(2026, 9, 25, 3, 0, 0);

function wallText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** Berlin wall clock → UTC wall clock; in the repeated hour the earlier instant (CEST). */
function berlinToUtc(naiveMs: number): string | undefined {
  if (naiveMs >= GAP_START && naiveMs < GAP_END) return undefined;
  const cest = naiveMs >= GAP_END && naiveMs < CEST_END_WALL;
  return wallText(naiveMs - (cest ? 2 : 1) * 3_600_000);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

function canonicalJsonText(text: string): string {
  return JSON.stringify(sortKeys(JSON.parse(text)));
}

// ---- arbitraries --------------------------------------------------------------------------------

/** Values of a decimal(20,6) column as micro-units: exact cents, arbitrary digits, overflowing. */
const micros = fc.oneof(
  fc.bigInt({ min: -(TEN(13) - 1n), max: TEN(13) - 1n }).map((cents) => cents * 10_000n),
  fc.bigInt({ min: -TEN(9), max: TEN(9) }),
  fc.bigInt({ min: -(TEN(20) - 1n), max: TEN(20) - 1n }),
  fc.constantFrom(1_005_000n, -1_005_000n, 999_999_999_999_995_000n, 10n, 0n),
  fc.constant(null),
);

/** Berlin wall clocks around both 2026 DST changes, whole seconds. */
const berlinWallClock = fc.oneof(
  fc.integer({ min: 0, max: 7 * 3600 - 1 }).map((s) => Date.UTC(2026, 9, 24, 22, 0, 0) + s * 1000),
  fc.integer({ min: 0, max: 5 * 3600 - 1 }).map((s) => Date.UTC(2026, 2, 29, 0, 0, 0) + s * 1000),
  fc.constantFrom(Date.UTC(2026, 9, 25, 2, 0, 0), Date.UTC(2026, 9, 25, 2, 59, 59), Date.UTC(2026, 9, 25, 3, 0, 0), Date.UTC(2026, 2, 29, 2, 0, 0)),
  fc.constant(null),
);

const flags = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 1) },
  { weight: 2, arbitrary: fc.integer({ min: -128, max: 127 }) },
  { weight: 1, arbitrary: fc.constantFrom(2, -1, 127, -128) },
  { weight: 1, arbitrary: fc.constant(null) },
);

const noNul = (text: string) => !text.includes('\u0000');
const jsonString = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('🚀', 'Grüße', '👩‍👩‍👧‍👦', '"quoted" \\ slash', '\t\n\u0001')).filter(noNul);
const jsonLeaf = fc.oneof(fc.boolean(), fc.constant(null), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), jsonString);
const { doc: jsonDocument } = fc.letrec<{ doc: Record<string, unknown>; node: unknown }>((tie) => ({
  doc: fc.dictionary(
    fc.string({ unit: 'grapheme', maxLength: 6 }).filter((key) => noNul(key) && key !== '__proto__'),
    tie('node'),
    { maxKeys: 5, noNullPrototype: true },
  ),
  node: fc.oneof({ depthSize: 'small' }, jsonLeaf, fc.array(tie('node'), { maxLength: 4 }), tie('doc')),
}));
const jsonDocuments = fc.option(jsonDocument, { nil: null });

const texts = fc.option(
  fc
    .oneof(
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.constantFrom('🚀 Grüße', '', ' trailing  ', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '👩‍👩‍👧‍👦', 'Ǆ ß ﬃ'),
    )
    .filter(noNul),
  { nil: null },
);

const nulTexts = fc.option(
  fc.array(fc.oneof(fc.constant('\u0000'), fc.string({ unit: 'grapheme', maxLength: 4 })), { maxLength: 6 }).map((parts) => parts.join('')),
  { nil: null },
);

const stockLevels = fc.oneof(
  fc.double({ min: -1e10, max: 1e10, noNaN: true }),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 1000),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 8),
  fc.constantFrom(0.1 + 0.2, 1.0005, -1.0005, 2.0005, 1e-300, -0, 999_999_999.9994, 999_999_999.9995, 1e12),
  fc.constant(null),
);

const rowsOf = <T>(values: fc.Arbitrary<T>) => fc.array(values, { minLength: 1, maxLength: 12 });

// ---- the property test ---------------------------------------------------------------------------

describe.each(PAIRS)('declared types round-trip, %s → %s', (sourceKind, targetKind) => {
  let source: TestDatabase;
  let target: TestDatabase;
  const harnesses: SyncHarness[] = [];
  const s = sqlTypes(sourceKind);
  const t = sqlTypes(targetKind);

  async function harness(mappings: Record<string, unknown>[]): Promise<SyncHarness> {
    const created = await SyncHarness.create({ source, target, mappings });
    harnesses.push(created);
    return created;
  }

  beforeAll(async () => {
    source = await createTestDatabase(sourceKind, 'prop_src');
    target = await createTestDatabase(targetKind, 'prop_tgt');
    const sourceTables: [string, string][] = [
      ['d_src', 'v decimal(20,6) NULL'],
      ['t_src', `v ${s.datetime} NULL, w ${sourceKind === 'mysql' ? s.zoned : `${s.datetime} NULL`}`],
      ['b_src', `v ${sourceKind === 'mysql' ? 'tinyint' : 'smallint'} NULL`],
      ['j_src', `v ${s.jsonb} NULL`],
      ['x_src', 'v text NULL'],
      ['s_src', `v ${s.double} NULL`],
    ];
    for (const [table, columns] of sourceTables) {
      await sql.raw(`CREATE TABLE ${table} (id integer PRIMARY KEY, ${columns}, mtime ${s.datetime} NOT NULL)`).execute(source.db);
    }
    const targetTables: [string, string][] = [
      ['d_strict', 'decimal(14,2)'],
      ['d_round', 'decimal(14,2)'],
      ['t_wall', t.datetime],
      ['t_zoned', targetKind === 'mysql' ? 'TIMESTAMP' : 'timestamptz(0)'],
      ['b_tgt', t.bool],
      ['j_tgt', t.jsonb],
      ['x_tgt', 'text'],
      ['s_tgt', 'decimal(12,3)'],
    ];
    for (const [table, type] of targetTables) {
      await sql.raw(`CREATE TABLE ${table} (id integer PRIMARY KEY, v ${type} NULL)`).execute(target.db);
    }
    // Engine tables once per target; every property's harness uses the same target database.
    await (await harness([mapping('probe', 'x_src', 'x_tgt', 'v')])).migrate();
  });

  afterAll(async () => {
    for (const created of harnesses) await created.dispose();
    await source?.drop();
    await target?.drop();
  });

  /** Empties the tables and the engine state, inserts the rows, syncs twice, checks every mapping. */
  async function roundTrip(
    run: SyncHarness,
    sourceTable: string,
    rows: Record<string, unknown>[],
    checks: { mapping: string; table: string; outcomes: Outcome[]; read: (value: unknown) => string | null }[],
  ): Promise<void> {
    await emptyTables(source.db, [sourceTable]);
    await emptyTables(target.db, [...checks.map((check) => check.table), 'aimeos_sync_streams', 'aimeos_sync_rejected_rows']);
    const mtime = utcText(-60);
    await source.db
      .insertInto(sourceTable)
      .values(rows.map((row, index) => ({ id: index + 1, ...row, mtime })))
      .execute();
    const figures = async () => Object.fromEntries((await run.syncOnce()).map((result) => [result.mapping, result.figures])) as Record<string, RunFigures>;
    const first = await figures();
    const second = await figures();

    for (const { mapping: name, table, outcomes, read } of checks) {
      const written = new Map<number, string | null>();
      const rejected = new Map<number, string | RegExp>();
      outcomes.forEach((outcome, index) => ('written' in outcome ? written.set(index + 1, outcome.written) : rejected.set(index + 1, outcome.rejected)));
      const context = `${name}: ${JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))}`;

      expect(first[name], context).toMatchObject({ read: rows.length, inserted: written.size, updated: 0, unchanged: 0, rejected: rejected.size });
      // No equal value may count as a change; rejected rows stay rejected.
      expect(second[name], context).toMatchObject({ read: rows.length, inserted: 0, updated: 0, unchanged: written.size, rejected: rejected.size });

      const stored = await target.db.selectFrom(table).select(['id', 'v']).orderBy('id').execute();
      expect(new Map(stored.map((row) => [Number(row.id), row.v === null ? null : read(row.v)])), context).toEqual(written);

      const entries = await rejectedRows(target.db, name);
      expect(entries.map((entry) => entry.row_key).sort(), context).toEqual([...rejected.keys()].map((id) => JSON.stringify([String(id)])).sort());
      for (const entry of entries) {
        const reason = rejected.get(Number((JSON.parse(entry.row_key) as string[])[0]))!;
        if (typeof reason === 'string') expect(entry.reason, context).toBe(reason);
        else expect(entry.reason, context).toMatch(reason);
      }
    }
  }

  it('decimals at scale 2: exact values are written as they are; inexact ones are rejected unless round: true', async () => {
    const run = await harness([
      mapping('dec_strict', 'd_src', 'd_strict', { column: 'v', type: { decimal: 2 } }),
      mapping('dec_round', 'd_src', 'd_round', { column: 'v', type: { decimal: 2, round: true } }),
    ]);
    const limit = TEN(14); // decimal(14,2): |cents| < 10^14
    await fc.assert(
      fc.asyncProperty(rowsOf(micros), async (values) => {
        const strict = values.map((micro): Outcome => {
          if (micro === null) return { written: null };
          if (micro % 10_000n !== 0n) {
            return { rejected: `column v: value ${trimmed(micro, 6)} does not fit scale 2 without rounding (declare round: true to allow it)` };
          }
          const cents = micro / 10_000n;
          return (cents < 0n ? -cents : cents) >= limit ? { rejected: OVERFLOW[targetKind] } : { written: fixedText(cents, 2) };
        });
        const rounded = values.map((micro): Outcome => {
          if (micro === null) return { written: null };
          const cents = roundHalfAway(micro, 4);
          return (cents < 0n ? -cents : cents) >= limit ? { rejected: OVERFLOW[targetKind] } : { written: fixedText(cents, 2) };
        });
        await roundTrip(run, 'd_src', values.map((micro) => ({ v: micro === null ? null : fixedText(micro, 6) })), [
          { mapping: 'dec_strict', table: 'd_strict', outcomes: strict, read: String },
          { mapping: 'dec_round', table: 'd_round', outcomes: rounded, read: String },
        ]);
      }),
      { numRuns: RUNS },
    );
  });

  it('Europe/Berlin wall clocks across the 2026 DST changes become UTC, in DATETIME/timestamp and TIMESTAMP/timestamptz', async () => {
    const declared = { type: { datetime: { from: 'Europe/Berlin', to: 'UTC' } } };
    const run = await harness([
      mapping('dt_wall', 't_src', 't_wall', { column: 'v', ...declared }),
      mapping('dt_zoned', 't_src', 't_zoned', { column: 'w', ...declared }),
    ]);
    const outcome = (naive: number | null): Outcome => {
      if (naive === null) return { written: null };
      const utc = berlinToUtc(naive);
      return utc === undefined
        ? { rejected: `column v: ${wallText(naive)} does not exist in Europe/Berlin (skipped by a daylight-saving change)` }
        : { written: utc };
    };
    // Both columns hold times of one generated pair; each mapping reads its own column.
    const readBack = (value: unknown) => String(value).replace(/\+00$/, '');
    await fc.assert(
      fc.asyncProperty(rowsOf(fc.tuple(berlinWallClock, berlinWallClock)), async (pairs) => {
        await roundTrip(
          run,
          't_src',
          pairs.map(([v, w]) => ({ v: v === null ? null : wallText(v), w: w === null ? null : wallText(w) })),
          [
            { mapping: 'dt_wall', table: 't_wall', outcomes: pairs.map(([v]) => outcome(v)), read: readBack },
            { mapping: 'dt_zoned', table: 't_zoned', outcomes: pairs.map(([, w]) => outcome(w)), read: readBack },
          ],
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('booleans: 0 and 1 become false and true; any other integer is rejected', async () => {
    const run = await harness([mapping('flag', 'b_src', 'b_tgt', { column: 'v', type: 'bool' })]);
    await fc.assert(
      fc.asyncProperty(rowsOf(flags), async (values) => {
        const outcomes = values.map((value): Outcome => {
          if (value === null) return { written: null };
          if (value === 0 || value === 1) return { written: value === 1 ? 'true' : 'false' };
          return { rejected: `column v: value "${value}" is not a boolean (only 0 and 1 are)` };
        });
        await roundTrip(run, 'b_src', values.map((v) => ({ v })), [
          { mapping: 'flag', table: 'b_tgt', outcomes, read: (value) => (value === true || Number(value) === 1 ? 'true' : 'false') },
        ]);
      }),
      { numRuns: RUNS },
    );
  });

  it('JSON objects arrive with equal content (verbatim canonical text where the target keeps text)', async () => {
    const run = await harness([mapping('doc', 'j_src', 'j_tgt', { column: 'v', type: 'json' })]);
    // MariaDB JSON keeps the text the engine wrote, which must be canonical; jsonb re-formats it.
    const read = targetKind === 'mysql' ? String : (value: unknown) => canonicalJsonText(String(value));
    await fc.assert(
      fc.asyncProperty(rowsOf(jsonDocuments), async (docs) => {
        const outcomes = docs.map((doc): Outcome => ({ written: doc === null ? null : JSON.stringify(sortKeys(JSON.parse(JSON.stringify(doc)))) }));
        await roundTrip(run, 'j_src', docs.map((doc) => ({ v: doc === null ? null : JSON.stringify(doc) })), [
          { mapping: 'doc', table: 'j_tgt', outcomes, read },
        ]);
      }),
      { numRuns: RUNS },
    );
  });

  it('utf8mb4 text (emoji, astral planes, combining marks) arrives byte for byte; empty stays empty, NULL stays NULL', async () => {
    const run = await harness([mapping('text', 'x_src', 'x_tgt', 'v')]);
    await fc.assert(
      fc.asyncProperty(rowsOf(texts), async (values) => {
        await roundTrip(run, 'x_src', values.map((v) => ({ v })), [
          { mapping: 'text', table: 'x_tgt', outcomes: values.map((value) => ({ written: value })), read: String },
        ]);
      }),
      { numRuns: RUNS },
    );
  });

  it('DOUBLE stock levels into decimal(12,3) with round: true: rounded half away from zero, overflow rejected', async () => {
    const run = await harness([mapping('stock', 's_src', 's_tgt', { column: 'v', type: { decimal: 3, round: true } })]);
    const limit = TEN(12); // decimal(12,3): |thousandths| < 10^12
    await fc.assert(
      fc.asyncProperty(rowsOf(stockLevels), async (values) => {
        await emptyTables(source.db, ['s_src']);
        // The oracle starts from the double the source stores (what the engine reads), not the literal.
        await source.db
          .insertInto('s_src')
          .values(values.map((v, index) => ({ id: index + 1, v, mtime: utcText(-60) })))
          .execute();
        const stored = await source.db.selectFrom('s_src').select(['id', 'v']).orderBy('id').execute();
        const doubles = stored.map((row) => (row.v === null ? null : Number(row.v)));
        const outcomes = doubles.map((value): Outcome => {
          if (value === null) return { written: null };
          const { units, scale } = decimalOfNumber(value);
          const thousandths = roundHalfAway(units, scale - 3);
          return (thousandths < 0n ? -thousandths : thousandths) >= limit ? { rejected: OVERFLOW[targetKind] } : { written: fixedText(thousandths, 3) };
        });
        await roundTrip(run, 's_src', doubles.map((v) => ({ v })), [{ mapping: 'stock', table: 's_tgt', outcomes, read: String }]);
      }),
      { numRuns: RUNS },
    );
  });

  if (sourceKind === 'mysql') {
    it('NUL bytes: stripped where declared; without a declaration PostgreSQL refuses the row, which is rejected, not written', async () => {
      await sql`CREATE TABLE n_src (id integer PRIMARY KEY, v text NULL, mtime DATETIME NOT NULL)`.execute(source.db);
      for (const table of ['n_strip', 'n_raw']) await sql`CREATE TABLE ${sql.table(table)} (id integer PRIMARY KEY, v text NULL)`.execute(target.db);
      const run = await harness([
        mapping('nul_strip', 'n_src', 'n_strip', { column: 'v', type: { text: { nul: 'strip' } } }),
        mapping('nul_raw', 'n_src', 'n_raw', 'v'),
      ]);
      await fc.assert(
        fc.asyncProperty(rowsOf(nulTexts), async (values) => {
          await roundTrip(run, 'n_src', values.map((v) => ({ v })), [
            { mapping: 'nul_strip', table: 'n_strip', outcomes: values.map((v) => ({ written: v === null ? null : v.replaceAll('\u0000', '') })), read: String },
            {
              mapping: 'nul_raw',
              table: 'n_raw',
              outcomes: values.map((v): Outcome => (v !== null && v.includes('\u0000') ? { rejected: /invalid byte sequence for encoding "UTF8": 0x00/ } : { written: v })),
              read: String,
            },
          ]);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
