import { z } from 'zod';
import { durationSeconds } from '../config/duration.js';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]{0,63}$/, 'must be a plain SQL identifier (letters, digits, _)');
const tableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]{0,63}(\.[A-Za-z_][A-Za-z0-9_$]{0,63})?$/, 'must be a table name, optionally schema.table');
const keyList = z.array(identifier).min(1, 'needs at least one key column');

const timestampCapture = z
  .object({
    mode: z.literal('timestamp'),
    column: identifier,
    /** Zone of the wall-clock values in `column` (Aimeos: PHP's date.timezone). */
    timezone: z.string().default('UTC'),
    overlap: durationSeconds.optional(),
    lag: durationSeconds.optional(),
    batchSize: z.number().int().min(1).max(50_000).optional(),
  })
  .strict();

export const mappingFileSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'mapping names are letters, digits, _ and - (at most 100)'),
    source: z
      .object({
        endpoint: z.string().min(1),
        table: tableName,
        key: keyList,
        where: z.string().min(1).optional(),
        capture: timestampCapture,
      })
      .strict(),
    target: z.object({ endpoint: z.string().min(1), table: tableName, key: keyList }).strict(),
    /** target column: source column */
    columns: z.record(identifier, identifier).refine((columns) => Object.keys(columns).length > 0, 'map at least one column'),
  })
  .strict();

export type MappingFile = z.output<typeof mappingFileSchema>;
