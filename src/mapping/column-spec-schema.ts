import { z } from 'zod';

export const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]{0,63}$/, 'must be a plain SQL identifier (letters, digits, _)');
export const tableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]{0,63}(\.[A-Za-z_][A-Za-z0-9_$]{0,63})?$/, 'must be a table name, optionally schema.table');

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** `type:` forms: `bool`, `json`, `{ decimal: 2, round: true }`, `{ datetime: { from, to }, zeroDate }`, `{ text: { nul } }`. */
export const typeDeclarationSchema = z.union([
  z.literal('bool'),
  z.literal('json'),
  z.object({ decimal: z.number().int().min(0).max(30), round: z.boolean().default(false) }).strict(),
  z
    .object({
      datetime: z.object({ from: z.string().default('UTC'), to: z.string().default('UTC') }).strict(),
      zeroDate: z.enum(['null', 'reject']).default('reject'),
    })
    .strict(),
  z.object({ text: z.object({ nul: z.enum(['strip', 'reject', 'keep']).default('reject') }).strict() }).strict(),
]);

/**
 * `lookup:` translates a value through another system's keys, one query per batch:
 * - a mapping name (or `{ mapping, return }`): the target row that mapping wrote for this source
 *   key, returning its identity column or the column named in `return`;
 * - a table: `{ endpoint, table, match, return, where }` finds `return` where `match` = value.
 */
export const lookupSchema = z.union([
  z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'a lookup names a mapping'),
  z.object({ mapping: z.string().min(1), return: identifier.optional() }).strict(),
  z.object({ endpoint: z.string().min(1), table: tableName, match: identifier, return: identifier, where: z.string().min(1).optional() }).strict(),
]);

export const columnSpecSchema = z.union([
  identifier,
  z
    .object({
      column: identifier.optional(),
      expr: z.string().min(1).optional(),
      const: scalar.optional(),
      default: scalar.optional(),
      map: z.record(z.string(), scalar).optional(),
      unmapped: z.enum(['default', 'reject', 'pass']).optional(),
      type: typeDeclarationSchema.optional(),
      lookup: lookupSchema.optional(),
      missing: z.enum(['wait', 'null', 'reject']).optional(),
      insertOnly: z.boolean().optional(),
    })
    .strict()
    .superRefine((spec, ctx) => {
      const sources = ['column', 'expr', 'const'].filter((name) => spec[name as keyof typeof spec] !== undefined);
      if (sources.length !== 1) {
        ctx.addIssue({ code: 'custom', message: `give exactly one of column, expr or const (got ${sources.join(', ') || 'none'})` });
      }
      if (spec.unmapped && !spec.map) ctx.addIssue({ code: 'custom', message: '"unmapped" needs a "map"' });
      if (spec.unmapped === 'default' && spec.default === undefined) {
        ctx.addIssue({ code: 'custom', message: 'unmapped: default needs a "default" value' });
      }
      if (spec.missing && !spec.lookup) ctx.addIssue({ code: 'custom', message: '"missing" needs a "lookup"' });
      if (spec.lookup && spec.const !== undefined) ctx.addIssue({ code: 'custom', message: 'a lookup translates a column or expr, not a const' });
    }),
]);

export type ColumnSpec = z.output<typeof columnSpecSchema>;
export type TypeDeclarationSpec = z.output<typeof typeDeclarationSchema>;
export type LookupSpec = z.output<typeof lookupSchema>;
