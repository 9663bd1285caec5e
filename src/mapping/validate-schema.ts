import { sql, type RawBuilder } from 'kysely';
import { hasDaylightSaving } from '../capture/wall-clock.js';
import type { ResolvedConfig } from '../config/load-config.js';
import type { Databases } from '../db/databases.js';
import type { DynamicDb } from '../db/dynamic-db.js';
import type { TableInfo } from '../dialect/dialect.js';
import { tableRef } from '../dialect/identifiers.js';
import { errorMessage, SyncError, type ErrorContext, type Problem } from '../errors.js';
import { redactSecrets } from '../log.js';
import { stateTables } from '../state/state-tables.js';
import type { CompiledMapping } from './compiled-mapping.js';
import { dependencyField, orderMappings } from './mapping-order.js';
import { loadRowTransform } from './row-transform.js';
import { producedValueProblems } from './produced-values.js';
import { checkCompatibility } from './type-compatibility.js';

const TEMPORAL = new Set(['datetime', 'timestamptz', 'date']);

/**
 * Checks every mapping against the live schemas and collects every problem: missing tables,
 * columns and keys, SQL the database rejects, lookups that cannot resolve, unwritable target
 * columns, incompatible types, dependency cycles, privileges the safe high-water mark needs,
 * missing engine tables.
 */
export async function validateAgainstSchemas(config: ResolvedConfig, mappings: CompiledMapping[], databases: Databases): Promise<Problem[]> {
  const problems: Problem[] = [];
  const reachable = new Map<string, boolean>();
  const byName = new Map(mappings.map((mapping) => [mapping.name, mapping]));
  const endpointsUsed = new Set(mappings.flatMap((mapping) => [mapping.source.endpoint, mapping.target.endpoint]));
  for (const mapping of mappings) {
    for (const { spec } of mapping.lookups) if (typeof spec === 'object' && 'endpoint' in spec) endpointsUsed.add(spec.endpoint);
  }
  for (const name of endpointsUsed) {
    try {
      await databases.connect(name);
      reachable.set(name, true);
    } catch (error) {
      reachable.set(name, false);
      problems.push({ severity: 'error', message: errorMessage(error), context: { file: config.file, endpoint: name } });
    }
  }

  const { cycle } = orderMappings(mappings);
  if (cycle) {
    // Reported where the cycle starts: the first mapping's file and the field naming the next one.
    const first = byName.get(cycle[0]!)!;
    problems.push({
      severity: 'error',
      message: `mappings depend on each other in a cycle: ${cycle.join(' → ')}`,
      context: { file: first.file, mapping: first.name, field: dependencyField(first, cycle[1]!), hint: 'a lookup, parent or dependsOn must point one way only' },
    });
  }

  const visibilityChecked = new Set<string>();
  const stateChecked = new Set<string>();
  const targetTables = new Map<string, TableInfo | undefined>();
  const introspectTarget = async (mapping: CompiledMapping) => {
    const key = `${mapping.target.endpoint}\u0000${mapping.target.table}`;
    if (!targetTables.has(key) && reachable.get(mapping.target.endpoint)) {
      const target = databases.get(mapping.target.endpoint);
      targetTables.set(key, await target.dialect.introspectTable(target.db, mapping.target.table));
    }
    return targetTables.get(key);
  };

  for (const mapping of mappings) {
    const base: ErrorContext = { file: mapping.file, mapping: mapping.name };
    const add = (severity: Problem['severity'], message: string, context: ErrorContext) =>
      problems.push({ severity, message, context: { ...base, ...context } });
    const rejects = async (db: DynamicDb, query: RawBuilder<unknown>): Promise<string | undefined> => {
      try {
        await query.execute(db);
        return undefined;
      } catch (error) {
        return redactSecrets(errorMessage(error));
      }
    };

    try {
      await loadRowTransform(mapping);
    } catch (error) {
      // The SyncError already carries file, mapping and hint: print them once, not inside the message too.
      if (error instanceof SyncError) add('error', error.message, { ...error.context, field: 'transform' });
      else add('error', errorMessage(error), { field: 'transform' });
    }

    // ---- source
    let sourceTable: TableInfo | undefined;
    const columnRules = mapping.rules.filter((rule) => rule.from.kind === 'column');
    if (reachable.get(mapping.source.endpoint)) {
      const source = databases.get(mapping.source.endpoint);
      const relation = mapping.source.table !== undefined ? tableRef(mapping.source.table) : sql`(${sql.raw(mapping.source.query!)}) AS source_query`;
      if (mapping.source.query !== undefined) {
        const needed = [...new Set([...mapping.sourceColumns])];
        const problem = await rejects(source.db, sql`SELECT ${sql.join(needed.map((name) => sql.id(name)))} FROM ${relation} WHERE 1 = 0`);
        if (problem) {
          add('error', `source.query is rejected by the database, or does not return ${needed.join(', ')}: ${problem}`, {
            field: 'source.query',
            hint: 'the query must return the key columns, the capture column and every mapped source column by name',
          });
        }
      } else {
        sourceTable = await source.dialect.introspectTable(source.db, mapping.source.table!);
        if (!sourceTable) {
          add('error', `source table ${mapping.source.table} does not exist in ${source.endpoint.displayUrl}`, { field: 'source.table', table: mapping.source.table });
        } else {
          const checks: [string, string][] = [
            ...mapping.source.key.map((name) => ['source.key', name] as [string, string]),
            ['source.capture.column', mapping.source.capture.column],
            ...(mapping.parent ? [['parent.column', mapping.parent.column] as [string, string]] : []),
            ...columnRules.map((rule) => [`columns.${rule.target}`, (rule.from as { column: string }).column] as [string, string]),
          ];
          for (const [field, name] of checks) {
            if (!sourceTable.columns.has(name)) {
              add('error', `source column "${name}" does not exist in ${mapping.source.table}`, {
                field,
                table: mapping.source.table,
                column: name,
                hint: `columns of ${mapping.source.table}: ${[...sourceTable.columns.keys()].join(', ')}`,
              });
            }
          }
          checkCapture(mapping, sourceTable, add);
        }
      }
      for (const rule of mapping.rules) {
        if (rule.from.kind !== 'expr') continue;
        const problem = await rejects(source.db, sql`SELECT (${sql.raw(rule.from.sql)}) FROM ${relation} WHERE 1 = 0`);
        if (problem) add('error', `SQL expression is rejected by the source database: ${problem}`, { field: `columns.${rule.target}.expr`, column: rule.target });
      }
      if (mapping.source.where) {
        const problem = await rejects(source.db, sql`SELECT 1 FROM ${relation} WHERE (${sql.raw(mapping.source.where)}) AND 1 = 0`);
        if (problem) add('error', `source.where is rejected by the database: ${problem}`, { field: 'source.where', table: mapping.source.table });
      }
      if (!visibilityChecked.has(mapping.source.endpoint)) {
        visibilityChecked.add(mapping.source.endpoint);
        const visibility = await source.dialect.checkTransactionVisibility(source.db);
        if (!visibility.visible) problems.push({ severity: 'warning', message: visibility.detail, context: { file: config.file, endpoint: mapping.source.endpoint } });
      }
    }

    // ---- lookups
    for (const { target, spec } of mapping.lookups) {
      const field = `columns.${target}.lookup`;
      if (typeof spec === 'object' && 'table' in spec) {
        if (!reachable.get(spec.endpoint)) continue;
        const lookupDb = databases.get(spec.endpoint);
        const table = await lookupDb.dialect.introspectTable(lookupDb.db, spec.table);
        if (!table) {
          add('error', `lookup table ${spec.table} does not exist`, { field, table: spec.table });
          continue;
        }
        for (const name of [spec.match, spec.return]) {
          if (!table.columns.has(name)) add('error', `lookup column "${name}" does not exist in ${spec.table}`, { field, table: spec.table, column: name });
        }
        if (spec.where) {
          const problem = await rejects(lookupDb.db, sql`SELECT 1 FROM ${tableRef(spec.table)} WHERE (${sql.raw(spec.where)}) AND 1 = 0`);
          if (problem) add('error', `lookup where is rejected by the database: ${problem}`, { field: `${field}.where`, table: spec.table });
        }
        continue;
      }
      const name = typeof spec === 'string' ? spec : spec.mapping;
      const other = byName.get(name);
      if (!other) {
        add('error', `lookup names unknown mapping "${name}"`, { field, hint: `known mappings: ${[...byName.keys()].join(', ')}` });
        continue;
      }
      const wanted = typeof spec === 'string' ? undefined : spec.return;
      const fedKey = other.rules.find(
        (rule) => other.target.key.includes(rule.target) && rule.from.kind === 'column' && rule.from.column === other.source.key[0],
      );
      if (!other.target.identity && (!fedKey || other.source.key.length !== 1)) {
        add('error', `mapping "${name}" cannot be looked up: it has no identity and does not map its single source key to a target key column`, { field });
      }
      const otherTable = await introspectTarget(other);
      if (wanted && otherTable && !otherTable.columns.has(wanted)) {
        add('error', `lookup return column "${wanted}" does not exist in ${other.target.table}`, { field, table: other.target.table, column: wanted });
      }
    }
    if (mapping.parent) {
      const parent = byName.get(mapping.parent.mapping);
      if (!parent) add('error', `parent names unknown mapping "${mapping.parent.mapping}"`, { field: 'parent.mapping' });
      else if (parent.target.endpoint !== mapping.target.endpoint) {
        add('error', `parent "${parent.name}" writes to another database; a document is applied in one transaction`, { field: 'parent.mapping' });
      }
    }

    // ---- target
    if (reachable.get(mapping.target.endpoint)) {
      const target = databases.get(mapping.target.endpoint);
      const targetTable = await introspectTarget(mapping);
      if (!targetTable) {
        add('error', `target table ${mapping.target.table} does not exist in ${target.endpoint.displayUrl}`, { field: 'target.table', table: mapping.target.table });
      } else {
        checkTarget(mapping, targetTable, sourceTable, add);
      }
      if (!stateChecked.has(mapping.target.endpoint)) {
        stateChecked.add(mapping.target.endpoint);
        const streams = stateTables(config.statePrefix).streams;
        if (!(await target.dialect.introspectTable(target.db, streams))) {
          problems.push({
            severity: 'error',
            message: `engine table ${streams} is missing`,
            context: { file: config.file, endpoint: mapping.target.endpoint, hint: 'run `aimeos-sync migrate`' },
          });
        }
      }
    }
  }
  return problems;
}

type Add = (severity: Problem['severity'], message: string, context: ErrorContext) => void;

function checkCapture(mapping: CompiledMapping, sourceTable: TableInfo, add: Add): void {
  const captureColumn = mapping.source.capture.column;
  const capture = sourceTable.columns.get(captureColumn);
  if (!capture) return;
  if (!TEMPORAL.has(capture.category)) {
    add('error', `capture column "${capture.name}" is ${capture.nativeType}, not a date/time type`, { field: 'source.capture.column', table: mapping.source.table, column: capture.name });
  }
  if (capture.nullable) {
    add('warning', `capture column "${capture.name}" is nullable: rows with NULL are never captured`, { field: 'source.capture.column', table: mapping.source.table, column: capture.name });
  }
  if (!sourceTable.indexes.some((index) => index[0] === captureColumn)) {
    add('warning', `no index on ${mapping.source.table} starts with "${captureColumn}": every poll scans the whole table (Aimeos indexes mtime only on mshop_order)`, {
      field: 'source.capture.column',
      table: mapping.source.table,
      column: captureColumn,
      hint: `CREATE INDEX idx_${String(mapping.source.table).replace('.', '_')}_${captureColumn}_sync ON ${mapping.source.table} (${[captureColumn, ...mapping.source.key].join(', ')})`,
    });
  }
  if (!sourceTable.uniqueKeys.some((unique) => unique.every((name) => mapping.source.key.includes(name)))) {
    add('warning', `source key (${mapping.source.key.join(', ')}) is not backed by a unique index: rows sharing a key are applied last-one-wins`, {
      field: 'source.key',
      table: mapping.source.table,
    });
  }
  const zone = mapping.source.capture.timezone;
  if (capture.category === 'datetime' && hasDaylightSaving(zone) && mapping.source.capture.overlapSeconds < 3600) {
    add('warning', `${zone} repeats an hour when daylight saving ends, but overlap is ${mapping.source.capture.overlapSeconds}s`, {
      field: 'source.capture.overlap',
      hint: 'set overlap to at least 1h (plus your longest Aimeos job) for local-time mtime',
    });
  }
}

function checkTarget(mapping: CompiledMapping, targetTable: TableInfo, sourceTable: TableInfo | undefined, add: Add): void {
  const table = mapping.target.table;
  for (const rule of mapping.rules) {
    const info = targetTable.columns.get(rule.target);
    const field = rule.from.kind === 'stamp' || (mapping.target.aimeos && ['siteid'].includes(rule.target)) ? 'target.aimeos' : `columns.${rule.target}`;
    if (!info) {
      add('error', `target column "${rule.target}" does not exist in ${table}`, {
        field,
        table,
        column: rule.target,
        hint: `columns of ${table}: ${[...targetTable.columns.keys()].join(', ')}`,
      });
      continue;
    }
    if (info.generated) add('error', `target column "${rule.target}" is generated by the database and cannot be written`, { field, table, column: rule.target });
    for (const problem of producedValueProblems(rule, info)) add('error', problem, { field, table, column: rule.target });
    // Types are checked where the value passes unchanged; maps, lookups and declared types convert.
    const sourceInfo = rule.from.kind === 'column' ? sourceTable?.columns.get(rule.from.column) : undefined;
    if (sourceInfo && !rule.map && !rule.lookup && !rule.type) {
      const compatibility = checkCompatibility(sourceInfo, info);
      if (compatibility.level !== 'ok') {
        add(compatibility.level, `${mapping.source.table}.${sourceInfo.name} → ${table}.${rule.target}: ${compatibility.reason}`, { field, table, column: rule.target });
      }
    }
  }
  const identity = mapping.target.identity;
  if (identity) {
    const info = targetTable.columns.get(identity.column);
    if (!info) add('error', `identity column "${identity.column}" does not exist in ${table}`, { field: 'target.identity.column', table, column: identity.column });
    else if (!info.autoIncrement && !info.hasDefault) {
      add('error', `identity column "${identity.column}" is not generated by the database`, { field: 'target.identity.column', table, column: identity.column, hint: 'use AUTO_INCREMENT, an identity or a serial column' });
    }
  }
  const written = new Set(mapping.rules.map((rule) => rule.target));
  for (const info of targetTable.columns.values()) {
    if (!mapping.target.updateOnly && !written.has(info.name) && !info.nullable && !info.hasDefault && !info.generated && !info.autoIncrement) {
      add('error', `target column "${info.name}" is NOT NULL without default but not mapped: inserts would fail`, {
        field: 'columns',
        table,
        column: info.name,
        hint: `map a value to "${info.name}" (a column, expr or const) or give it a default`,
      });
    }
  }
  const keySet = new Set(mapping.target.key);
  if (keySet.size && !targetTable.uniqueKeys.some((unique) => unique.length === keySet.size && unique.every((name) => keySet.has(name)))) {
    add('warning', `no unique index on target key (${mapping.target.key.join(', ')}): writes use INSERT plus keyed UPDATE`, {
      field: 'target.key',
      table,
      hint: `CREATE UNIQUE INDEX ON ${table} (${mapping.target.key.join(', ')}) for one-statement upserts`,
    });
  }
}
