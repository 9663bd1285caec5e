import type { ColumnInfo } from '../dialect/dialect.js';

/**
 * Canonical text of a value as the target column would store it, so that a re-read of an
 * unchanged row compares equal: decimals at the column's scale, temporal values without zone
 * noise, JSON with sorted keys, booleans as true/false. NULL stays null and is never ''.
 */
export function canonicalValue(value: unknown, column: ColumnInfo): string | null {
  if (value === null || value === undefined) return null;
  switch (column.category) {
    case 'integer':
      return canonicalDecimal(value, undefined);
    case 'decimal':
      return canonicalDecimal(value, column.scale);
    case 'float':
      return canonicalFloat(value);
    case 'boolean':
      return canonicalBoolean(value);
    case 'datetime':
      return canonicalTimestamp(value, false);
    case 'timestamptz':
      return canonicalTimestamp(value, true);
    case 'date':
      return asText(value).slice(0, 10);
    case 'time':
      return trimFraction(asText(value));
    case 'json':
      return canonicalJson(value);
    case 'binary':
      return Buffer.isBuffer(value) ? value.toString('hex') : Buffer.from(asText(value), 'utf8').toString('hex');
    default:
      return asText(value);
  }
}

/** The value to bind when writing into the column; text for exact types, raw for the rest. */
export function writeValue(value: unknown, column: ColumnInfo): unknown {
  if (value === null || value === undefined) return null;
  switch (column.category) {
    case 'boolean': {
      const canonical = canonicalBoolean(value);
      return canonical === 'true' ? true : canonical === 'false' ? false : value;
    }
    case 'timestamptz': {
      const canonical = canonicalTimestamp(value, true);
      return canonical.startsWith('invalid:') ? value : `${canonical}+00`;
    }
    case 'datetime': {
      const canonical = canonicalTimestamp(value, false);
      return canonical.startsWith('invalid:') ? value : canonical;
    }
    case 'json':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'binary':
      return value;
    case 'integer':
    case 'decimal':
    case 'float':
      // A declared boolean written into a number column (tinyint(1), smallint) is 1 or 0.
      return typeof value === 'boolean' ? (value ? 1 : 0) : value;
    case 'text':
      return Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : asText(value);
    default:
      return typeof value === 'object' && !Buffer.isBuffer(value) ? asText(value) : value;
  }
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

const EXPONENT = /^([+-])?(\d*)(?:\.(\d*))?e([+-]?\d{1,4})$/i;

/**
 * `1.5e-7` → `0.00000015`, `-1e+21` → `-1000000000000000000000`: exponent notation (JS numbers
 * from 1e21 and below 1e-6, float columns, text) as plain decimal text. Anything else unchanged.
 */
function expandExponent(text: string): string {
  const match = EXPONENT.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return text;
  const integer = match[2] ?? '';
  const digits = integer + (match[3] ?? '');
  const point = integer.length + Number(match[4]);
  const sign = match[1] === '-' ? '-' : '';
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Decimal text rounded half away from zero at `scale` (undefined: keep all digits, trim zeros). */
export function canonicalDecimal(value: unknown, scale: number | undefined): string {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `invalid:${value}`;
    text = expandExponent(String(value));
  } else if (typeof value === 'boolean') {
    text = value ? '1' : '0';
  } else {
    text = expandExponent(asText(value).trim());
  }
  const match = DECIMAL.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return `invalid:${text}`;
  const negative = match[1] === '-';
  let integer = (match[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  let fraction = match[3] ?? '';
  if (scale !== undefined) {
    if (fraction.length > scale) {
      const roundUp = fraction.charCodeAt(scale) >= 53; // '5'
      fraction = fraction.slice(0, scale);
      if (roundUp) {
        const digits = (BigInt(integer + fraction) + 1n).toString().padStart(integer.length + scale, '0');
        integer = digits.slice(0, digits.length - scale) || '0';
        fraction = digits.slice(digits.length - scale);
      }
    }
    fraction = fraction.padEnd(scale, '0');
  } else {
    fraction = fraction.replace(/0+$/, '');
  }
  const isZero = /^0*$/.test(integer) && /^0*$/.test(fraction);
  const body = fraction ? `${integer}.${fraction}` : integer;
  return negative && !isZero ? `-${body}` : body;
}

function canonicalFloat(value: unknown): string {
  const number = typeof value === 'number' ? value : Number(asText(value).trim());
  return Number.isNaN(number) ? `invalid:${asText(value)}` : String(number);
}

const TRUE_WORDS = new Set(['1', 't', 'true', 'y', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'f', 'false', 'n', 'no', 'off']);

export function canonicalBoolean(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = asText(value).trim().toLowerCase();
  if (TRUE_WORDS.has(text)) return 'true';
  if (FALSE_WORDS.has(text)) return 'false';
  return `invalid:${text}`;
}

const TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * `YYYY-MM-DD HH:MM:SS[.fraction]` with trailing zeros of the fraction removed. A value carrying a
 * zone offset is converted to UTC; a naive value is taken as it is (sessions run in UTC).
 */
export function canonicalTimestamp(value: unknown, _zoned: boolean): string {
  const text = value instanceof Date ? value.toISOString() : asText(value).trim();
  const match = TIMESTAMP.exec(text);
  if (!match) return `invalid:${text}`;
  const date = match[1]!;
  const time = (match[2] ?? '00:00:00').length === 5 ? `${match[2]}:00` : (match[2] ?? '00:00:00');
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const offset = match[4];
  if (!offset || /^(Z|[+-]00(:?00)?)$/i.test(offset)) return fraction ? `${date} ${time}.${fraction}` : `${date} ${time}`;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  const utc = new Date(`${date}T${time}Z`).getTime() - offsetMinutes * 60_000;
  const shifted = new Date(utc).toISOString().replace('T', ' ').slice(0, 19);
  return fraction ? `${shifted}.${fraction}` : shifted;
}

function trimFraction(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** JSON text with object keys sorted at every level; unparseable text is kept verbatim. */
export function canonicalJson(value: unknown): string {
  let parsed: unknown = value;
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    try {
      parsed = JSON.parse(asText(value));
    } catch {
      return asText(value);
    }
  }
  return JSON.stringify(sortKeys(parsed));
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
