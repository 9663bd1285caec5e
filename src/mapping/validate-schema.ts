import { sql } from 'kysely';
import { hasDaylightSaving } from '../capture/wall-clock.js';
import type { ResolvedConfig } from '../config/load-config.js';
import type { Databases } from '../db/databases.js';
import type { TableInfo } from '../dialect/dialect.js';
import { tableRef } from '../dialect/identifiers.js';
import { errorMessage, type ErrorContext, type Problem } from '../errors.js';
import { redactSecrets } from '../log.js';
import { stateTables } from '../state/state-tables.js';
import type { CompiledMapping } from './compiled-mapping.js';
import { checkCompatibility } from './type-compatibility.js';

const TEMPORAL = new Set(['datetime', 'timestamptz', 'date']);

/**
 * Checks every mapping against the live schemas and collects every problem: missing tables,
 * columns and keys, unwritable target columns, incompatible types, privileges the safe
 * high-water mark needs, missing engine tables.
 */
export async function validateAgainstSchemas(config: ResolvedConfig, mappings: CompiledMapping[], databases: Databases): Promise<Problem[]> {
  const problems: Problem[] = [];
  const reachable = new Map<string, boolean>();
  const endpointsUsed = new Set(mappings.flatMap((mapping) => [mapping.source.endpoint, mapping.target.endpoint]));
  for (const name of endpointsUsed) {
    try {
      await databases.connect(name);
      reachable.set(name, true);
    } catch (error) {
      reachable.set(name, false);
      problems.push({ severity: 'error', message: errorMessage(error), context: { file: config.file, endpoint: name } });
    }
  }

  const visibilityChecked = new Set<string>();
  const stateChecked = new Set<string>();
  for (const mapping of mappings) {
    const base: ErrorContext = { file: mapping.file, mapping: mapping.name };
    const add = (severity: Problem['severity'], message: string, context: ErrorContext) =>
      problems.push({ severity, message, context: { ...base, ...context } });

    let sourceTable: TableInfo | undefined;
    if (reachable.get(mapping.source.endpoint)) {
      const source = databases.get(mapping.source.endpoint);
      sourceTable = await source.dialect.introspectTable(source.db, mapping.source.table);
      if (!sourceTable) {
        add('error', `source table ${mapping.source.table} does not exist in ${source.endpoint.displayUrl}`, { field: 'source.table', table: mapping.source.table });
      } else {
        for (const [field, names] of [
          ['source.key', mapping.source.key],
          ['source.capture.column', [mapping.source.capture.column]],
          ['columns', mapping.columns.map((column) => column.source)],
        ] as const) {
          for (const name of names) {
            if (!sourceTable.columns.has(name)) {
              add('error', `source column "${name}" does not exist in ${mapping.source.table}`, {
                field: field === 'columns' ? `columns.${mapping.columns.find((c) => c.source === name)?.target}` : field,
                table: mapping.source.table,
                column: name,
                hint: `columns of ${mapping.source.table}: ${[...sourceTable.columns.keys()].join(', ')}`,
              });
            }
          }
        }
        const capture = sourceTable.columns.get(mapping.source.capture.column);
        if (capture && !TEMPORAL.has(capture.category)) {
          add('error', `capture column "${capture.name}" is ${capture.nativeType}, not a date/time type`, {
            field: 'source.capture.column',
            table: mapping.source.table,
            column: capture.name,
          });
        }
        if (capture?.nullable) {
          add('warning', `capture column "${capture.name}" is nullable: rows with NULL are never captured`, {
            field: 'source.capture.column',
            table: mapping.source.table,
            column: capture.name,
          });
        }
        if (!sourceTable.uniqueKeys.some((unique) => unique.every((name) => mapping.source.key.includes(name)))) {
          add('warning', `source key (${mapping.source.key.join(', ')}) is not backed by a unique index: rows sharing a key are applied last-one-wins`, {
            field: 'source.key',
            table: mapping.source.table,
          });
        }
        const captureColumn = mapping.source.capture.column;
        if (capture && !sourceTable.indexes.some((index) => index[0] === captureColumn)) {
          add('warning', `no index on ${mapping.source.table} starts with "${captureColumn}": every poll scans the whole table (Aimeos indexes mtime only on mshop_order)`, {
            field: 'source.capture.column',
            table: mapping.source.table,
            column: captureColumn,
            hint: `CREATE INDEX idx_${mapping.source.table.replace('.', '_')}_${captureColumn}_sync ON ${mapping.source.table} (${[captureColumn, ...mapping.source.key].join(', ')})`,
          });
        }
        if (mapping.source.where) {
          try {
            await sql`SELECT 1 FROM ${tableRef(mapping.source.table)} WHERE (${sql.raw(mapping.source.where)}) LIMIT 0`.execute(source.db);
          } catch (error) {
            add('error', `source.where is rejected by the database: ${redactSecrets(errorMessage(error))}`, { field: 'source.where', table: mapping.source.table });
          }
        }
        const zone = mapping.source.capture.timezone;
        if (capture?.category === 'datetime' && hasDaylightSaving(zone) && mapping.source.capture.overlapSeconds < 3600) {
          add('warning', `${zone} repeats an hour when daylight saving ends, but overlap is ${mapping.source.capture.overlapSeconds}s`, {
            field: 'source.capture.overlap',
            hint: 'set overlap to at least 1h (plus your longest Aimeos job) for local-time mtime',
          });
        }
      }
      if (!visibilityChecked.has(mapping.source.endpoint)) {
        visibilityChecked.add(mapping.source.endpoint);
        const visibility = await source.dialect.checkTransactionVisibility(source.db);
        if (!visibility.visible) {
          problems.push({ severity: 'warning', message: visibility.detail, context: { file: config.file, endpoint: mapping.source.endpoint } });
        }
      }
    }

    if (reachable.get(mapping.target.endpoint)) {
      const target = databases.get(mapping.target.endpoint);
      const targetTable = await target.dialect.introspectTable(target.db, mapping.target.table);
      if (!targetTable) {
        add('error', `target table ${mapping.target.table} does not exist in ${target.endpoint.displayUrl}`, { field: 'target.table', table: mapping.target.table });
      } else {
        for (const column of mapping.columns) {
          const info = targetTable.columns.get(column.target);
          if (!info) {
            add('error', `target column "${column.target}" does not exist in ${mapping.target.table}`, {
              field: `columns.${column.target}`,
              table: mapping.target.table,
              column: column.target,
              hint: `columns of ${mapping.target.table}: ${[...targetTable.columns.keys()].join(', ')}`,
            });
            continue;
          }
          if (info.generated) {
            add('error', `target column "${column.target}" is generated by the database and cannot be written`, {
              field: `columns.${column.target}`,
              table: mapping.target.table,
              column: column.target,
            });
          }
          const sourceInfo = sourceTable?.columns.get(column.source);
          if (sourceInfo) {
            const compatibility = checkCompatibility(sourceInfo, info);
            if (compatibility.level !== 'ok') {
              add(compatibility.level, `${mapping.source.table}.${column.source} → ${mapping.target.table}.${column.target}: ${compatibility.reason}`, {
                field: `columns.${column.target}`,
                table: mapping.target.table,
                column: column.target,
              });
            }
          }
        }
        const mapped = new Set(mapping.columns.map((column) => column.target));
        for (const info of targetTable.columns.values()) {
          if (!mapped.has(info.name) && !info.nullable && !info.hasDefault && !info.generated) {
            add('error', `target column "${info.name}" is NOT NULL without default but not mapped: inserts would fail`, {
              field: 'columns',
              table: mapping.target.table,
              column: info.name,
              hint: `map a source column to "${info.name}" or give it a default`,
            });
          }
        }
        const keySet = new Set(mapping.target.key);
        if (!targetTable.uniqueKeys.some((unique) => unique.length === keySet.size && unique.every((name) => keySet.has(name)))) {
          add('warning', `no unique index on target key (${mapping.target.key.join(', ')}): writes use INSERT plus keyed UPDATE`, {
            field: 'target.key',
            table: mapping.target.table,
            hint: `CREATE UNIQUE INDEX ON ${mapping.target.table} (${mapping.target.key.join(', ')}) for one-statement upserts`,
          });
        }
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
