import type { ColumnCategory } from '../dialect.js';

/** Maps a PostgreSQL `udt_name` to a category. */
export function postgresCategory(udtName: string): ColumnCategory {
  switch (udtName) {
    case 'int2':
    case 'int4':
    case 'int8':
      return 'integer';
    case 'numeric':
      return 'decimal';
    case 'float4':
    case 'float8':
      return 'float';
    case 'bool':
      return 'boolean';
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'citext':
    case 'name':
    case 'uuid':
      return 'text';
    case 'timestamp':
      return 'datetime';
    case 'timestamptz':
      return 'timestamptz';
    case 'date':
      return 'date';
    case 'time':
    case 'timetz':
      return 'time';
    case 'json':
    case 'jsonb':
      return 'json';
    case 'bytea':
      return 'binary';
    default:
      return 'other';
  }
}

/** Type OIDs whose default pg parsing would lose information (Date objects, JS numbers). */
export const TEXT_PARSED_OIDS = [
  20, // int8: beyond 2^53
  1700, // numeric
  1082, // date
  1083, // time
  1114, // timestamp
  1184, // timestamptz
  1266, // timetz
  1186, // interval
  114, // json: canonicalised by the engine, kept verbatim here
  3802, // jsonb
];
