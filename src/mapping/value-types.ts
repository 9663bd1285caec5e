import { canonicalDecimal, canonicalJson } from '../apply/normalize.js';
import { wallClockAt } from '../capture/wall-clock.js';

/**
 * Declared meanings that the column types alone do not carry. Each converter takes a source
 * value and returns the target value, or a rejection that names why (the row is then not written).
 */
export type TypeDeclaration =
  | { kind: 'bool' }
  | { kind: 'decimal'; scale: number; round: boolean }
  | { kind: 'datetime'; from: string; to: string; zeroDate: 'null' | 'reject' }
  | { kind: 'json' }
  | { kind: 'text'; nul: 'strip' | 'reject' | 'keep' };

export class ValueRejected extends Error {}

export function convertDeclared(value: unknown, declaration: TypeDeclaration): unknown {
  if (value === null || value === undefined) return null;
  switch (declaration.kind) {
    case 'bool':
      return toBoolean(value);
    case 'decimal':
      return toDecimal(value, declaration.scale, declaration.round);
    case 'datetime':
      return convertWallClock(value, declaration);
    case 'json':
      return toJson(value);
    case 'text':
      return toText(value, declaration.nul);
  }
}

function toBoolean(value: unknown): boolean {
  if (value === true || value === false) return value;
  const text = Buffer.isBuffer(value) ? String(value[0] ?? '') : String(value).trim();
  if (text === '1') return true;
  if (text === '0') return false;
  // tinyint(1) holds -128..127: 2 is not "true", it is a value the mapping did not expect.
  throw new ValueRejected(`value ${JSON.stringify(text)} is not a boolean (only 0 and 1 are)`);
}

function toDecimal(value: unknown, scale: number, round: boolean): string {
  const exact = canonicalDecimal(value, undefined);
  if (exact.startsWith('invalid:')) throw new ValueRejected(`value ${JSON.stringify(String(value))} is not a number`);
  const scaled = canonicalDecimal(exact, scale);
  if (!round && canonicalDecimal(scaled, undefined) !== exact) {
    throw new ValueRejected(`value ${exact} does not fit scale ${scale} without rounding (declare round: true to allow it)`);
  }
  return scaled;
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.(\d+))?)?$/;

/** Converts a wall-clock text from one zone to another (via the instant it names). */
function convertWallClock(value: unknown, declaration: { from: string; to: string; zeroDate: 'null' | 'reject' }): string | null {
  const text = String(value).trim();
  if (/^0000-00-00/.test(text)) {
    if (declaration.zeroDate === 'null') return null;
    throw new ValueRejected(`zero date ${text} has no meaning (declare zeroDate: null to write NULL)`);
  }
  const match = WALL_CLOCK.exec(text);
  if (!match) throw new ValueRejected(`value ${JSON.stringify(text)} is not a date/time`);
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction] = match;
  const naiveMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const instant = instantOfWallClock(naiveMs, declaration.from);
  if (instant === undefined) throw new ValueRejected(`${text} does not exist in ${declaration.from} (skipped by a daylight-saving change)`);
  const converted = wallClockAt(instant, declaration.to);
  return fraction ? `${converted}.${fraction}` : converted;
}

/**
 * The instant whose wall clock in `zone` reads `naiveMs` (taken as if UTC). In the repeated hour
 * of a DST change the earlier instant is chosen; in the skipped hour there is none.
 */
export function instantOfWallClock(naiveMs: number, zone: string): number | undefined {
  const wallOf = (instant: number) => Date.parse(`${wallClockAt(instant, zone).replace(' ', 'T')}Z`);
  const candidates = new Set<number>();
  for (const probe of [naiveMs - 86_400_000 / 2, naiveMs, naiveMs + 86_400_000 / 2]) {
    const offset = wallOf(probe) - probe;
    candidates.add(naiveMs - offset);
  }
  const matches = [...candidates].filter((instant) => wallOf(instant) === naiveMs).sort((a, b) => a - b);
  return matches[0];
}

function toJson(value: unknown): string {
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : JSON.stringify(value);
  try {
    JSON.parse(text);
  } catch {
    throw new ValueRejected(`value is not valid JSON: ${text.slice(0, 60)}`);
  }
  return canonicalJson(text);
}

function toText(value: unknown, nul: 'strip' | 'reject' | 'keep'): string {
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  if (!text.includes('\u0000') || nul === 'keep') return text;
  if (nul === 'strip') return text.replaceAll('\u0000', '');
  throw new ValueRejected('text contains NUL bytes, which PostgreSQL cannot store (declare nul: strip to remove them)');
}
