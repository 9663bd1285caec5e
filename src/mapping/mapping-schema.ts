import { z } from 'zod';
import { durationSeconds } from '../config/duration.js';
import { columnSpecSchema, identifier, tableName } from './column-spec-schema.js';

const keyList = z.array(identifier).min(1, 'needs at least one key column');

const timestampCapture = z
  .object({
    mode: z.literal('timestamp'),
    /** A column of the source table (or of the source query's result). */
    column: identifier,
    /** Zone of the wall-clock values in `column` (Aimeos: PHP's date.timezone). */
    timezone: z.string().default('UTC'),
    overlap: durationSeconds.optional(),
    lag: durationSeconds.optional(),
    batchSize: z.number().int().min(1).max(50_000).optional(),
  })
  .strict();

const source = z
  .object({
    endpoint: z.string().min(1),
    table: tableName.optional(),
    /** A SELECT (joins allowed) used instead of a table; its result must name key and capture columns. */
    query: z.string().min(1).optional(),
    key: keyList,
    where: z.string().min(1).optional(),
    capture: timestampCapture,
  })
  .strict()
  .refine((value) => (value.table === undefined) !== (value.query === undefined), 'give exactly one of table or query');

const target = z
  .object({
    endpoint: z.string().min(1),
    table: tableName,
    /** Target columns that identify the row; not needed when the target generates its own ids (identity). */
    key: keyList.optional(),
    /**
     * The target generates its own ids in `column`: the engine keeps (source key → id) in its
     * identity map, and on the first sync adopts existing rows whose `match` columns equal the
     * mapped values instead of inserting duplicates.
     */
    identity: z.object({ column: identifier, match: keyList.optional() }).strict().optional(),
    /** Only update rows that exist (e.g. order status back into mshop_order); never insert. */
    updateOnly: z.boolean().default(false),
    /** Aimeos write conventions: mtime/editor on every write, ctime/siteid on insert. */
    aimeos: z
      .object({
        siteid: z.string(),
        timezone: z.string().default('UTC'),
        /** After writing mshop_stock rows, keep mshop_product.instock consistent. */
        updateInstock: z.boolean().default(false),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((value) => value.key !== undefined || value.identity !== undefined, 'give key (columns that identify a row) or identity');

/** Runs after each committed batch with the affected target keys, e.g. Aimeos `index/rebuild`. */
const afterApply = z
  .object({
    command: z.array(z.string().min(1)).min(1).optional(),
    http: z.object({ url: z.string().url(), method: z.enum(['POST', 'PUT']).default('POST') }).strict().optional(),
  })
  .strict()
  .refine((value) => (value.command === undefined) !== (value.http === undefined), 'give exactly one of command or http');

export const mappingFileSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'mapping names are letters, digits, _ and - (at most 100)'),
    source,
    target,
    /** target column: source column, or an object (expr, const, map, type, lookup, default, insertOnly). */
    columns: z.record(identifier, columnSpecSchema).refine((columns) => Object.keys(columns).length > 0, 'map at least one column'),
    /**
     * This mapping is the child of a document: its rows are also applied in the parent's
     * transaction, right after the parent rows they belong to (`column` holds the parent's source key).
     */
    parent: z.object({ mapping: z.string().min(1), column: identifier }).strict().optional(),
    /** Mappings that must run before this one in each cycle (lookups add theirs automatically). */
    dependsOn: z.array(z.string().min(1)).optional(),
    /** A JS/TS module (relative to the mapping file) exporting `transform(row) => row`. */
    transform: z.string().min(1).optional(),
    after: afterApply.optional(),
  })
  .strict();

export type MappingFile = z.output<typeof mappingFileSchema>;
