import { sql } from 'kysely';
import type { Databases } from '../db/databases.js';
import type { DynamicDb } from '../db/dynamic-db.js';
import { tableRef } from '../dialect/identifiers.js';
import { SyncError } from '../errors.js';
import type { LookupSpec } from '../mapping/column-spec-schema.js';
import { AMBIGUOUS, lookupText, rawValue, type LookupResults } from '../mapping/column-rules.js';
import type { CompiledMapping } from '../mapping/compiled-mapping.js';
import type { SourceRow } from '../capture/change-reader.js';
import { stateTables } from '../state/state-tables.js';

/**
 * Resolves a batch's lookups with one query per lookup column (never one per row). Lookups in
 * the mapping's own target database run on the batch transaction, so they see rows written
 * earlier in it (document parents).
 */
export class LookupResolver {
  constructor(
    private readonly mapping: CompiledMapping,
    private readonly mappings: ReadonlyMap<string, CompiledMapping>,
    private readonly databases: Databases,
    private readonly statePrefix: string,
  ) {}

  async resolve(tx: DynamicDb, rows: readonly SourceRow[]): Promise<LookupResults> {
    const results = new Map<string, Map<string, unknown>>();
    for (const { target, spec } of this.mapping.lookups) {
      const rule = this.mapping.rules.find((candidate) => candidate.target === target)!;
      const values = [...new Set(rows.map((row) => rawValue(rule, row)).filter((value) => value !== null && value !== undefined))];
      results.set(target, values.length ? await this.#query(tx, spec, values) : new Map());
    }
    return results;
  }

  #db(tx: DynamicDb, endpoint: string): DynamicDb {
    return endpoint === this.mapping.target.endpoint ? tx : this.databases.get(endpoint).db;
  }

  async #query(tx: DynamicDb, spec: LookupSpec, values: unknown[]): Promise<Map<string, unknown>> {
    if (typeof spec === 'object' && 'table' in spec) {
      const where = spec.where ? sql` AND (${sql.raw(spec.where)})` : sql``;
      const { rows } = await sql<Record<string, unknown>>`
        SELECT ${sql.id(spec.match)} AS m, ${sql.id(spec.return)} AS r FROM ${tableRef(spec.table)}
         WHERE ${sql.id(spec.match)} IN (${sql.join(values)})${where}`.execute(this.#db(tx, spec.endpoint));
      return collect(rows);
    }
    const name = typeof spec === 'string' ? spec : spec.mapping;
    const wanted = typeof spec === 'string' ? undefined : spec.return;
    const other = this.mappings.get(name);
    if (!other) throw new SyncError('MAPPING_INVALID', `lookup names unknown mapping "${name}"`, { mapping: this.mapping.name, file: this.mapping.file });
    const db = this.#db(tx, other.target.endpoint);
    if (other.target.identity) {
      const identityTable = stateTables(this.statePrefix).identityMap;
      const keys = values.map((value) => JSON.stringify([String(value)]));
      const { rows: ids } = await sql<{ s: string; t: string }>`
        SELECT source_key AS s, target_key AS t FROM ${sql.table(identityTable)}
         WHERE mapping = ${name} AND source_key IN (${sql.join(keys)})`.execute(db);
      const bySource = new Map<string, unknown>(ids.map((row) => [lookupText((JSON.parse(row.s) as string[])[0]), row.t]));
      if (!wanted || wanted === other.target.identity.column) return bySource;
      // None of the batch's values is mapped yet: every row misses (an empty IN () is invalid SQL).
      if (bySource.size === 0) return bySource;
      const idColumn = other.target.identity.column;
      const { rows } = await sql<Record<string, unknown>>`
        SELECT ${sql.id(idColumn)} AS m, ${sql.id(wanted)} AS r FROM ${tableRef(other.target.table)}
         WHERE ${sql.id(idColumn)} IN (${sql.join([...bySource.values()])})`.execute(db);
      const byId = collect(rows);
      return new Map([...bySource].flatMap(([source, id]) => (byId.has(lookupText(id)) ? [[source, byId.get(lookupText(id))]] : [])));
    }
    const keyColumn = keyColumnFedBySourceKey(other);
    const { rows } = await sql<Record<string, unknown>>`
      SELECT ${sql.id(keyColumn)} AS m, ${sql.id(wanted ?? keyColumn)} AS r FROM ${tableRef(other.target.table)}
       WHERE ${sql.id(keyColumn)} IN (${sql.join(values)})`.execute(db);
    return collect(rows);
  }
}

/** The target key column that a mapping fills straight from its (single) source key column. */
export function keyColumnFedBySourceKey(mapping: CompiledMapping): string {
  const sourceKey = mapping.source.key[0];
  const rule = mapping.rules.find(
    (candidate) => mapping.target.key.includes(candidate.target) && candidate.from.kind === 'column' && candidate.from.column === sourceKey,
  );
  if (!rule || mapping.source.key.length !== 1) {
    throw new SyncError('MAPPING_INVALID', `mapping "${mapping.name}" cannot be looked up: give it an identity, or map its single source key straight to a target key column`, {
      mapping: mapping.name,
      file: mapping.file,
    });
  }
  return rule.target;
}

function collect(rows: Record<string, unknown>[]): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const row of rows) {
    const key = lookupText(row.m);
    // Two rows for one value: the lookup is ambiguous and must not guess.
    found.set(key, found.has(key) ? AMBIGUOUS : row.r);
  }
  return found;
}
