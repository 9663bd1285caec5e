import type { Kysely } from 'kysely';

/**
 * Schema of tables named in mapping files: their shape is known only at run time, so queries
 * are untyped here and every identifier is validated by the mapping schema instead.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DynamicSchema = any;

export type DynamicDb = Kysely<DynamicSchema>;
