import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readYamlFile, zodProblems, type ResolvedConfig } from '../config/load-config.js';
import { ProblemsError, SyncError, type Problem } from '../errors.js';
import { isValidTimeZone } from '../capture/wall-clock.js';
import type { CompiledMapping } from './compiled-mapping.js';
import { mappingFileSchema, type MappingFile } from './mapping-schema.js';

/** Lists the mapping files of the config's folder, sorted by name. */
export async function listMappingFiles(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    throw new SyncError('CONFIG_INVALID', `cannot read mappings folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      field: 'mappings',
    });
  }
  return entries
    .filter((entry) => /\.ya?ml$/i.test(entry))
    .sort()
    .map((entry) => path.join(dir, entry));
}

/**
 * Loads and statically checks every mapping. All problems across all files are reported at
 * once; nothing is returned unless every file is sound.
 */
export async function loadMappings(config: ResolvedConfig): Promise<CompiledMapping[]> {
  const files = await listMappingFiles(config.mappingsDir);
  const problems: Problem[] = [];
  const mappings: CompiledMapping[] = [];
  const seen = new Map<string, string>();
  if (files.length === 0) {
    problems.push({ severity: 'error', message: `no *.yml mapping files in ${config.mappingsDir}`, context: { field: 'mappings' } });
  }
  for (const file of files) {
    let raw: unknown;
    try {
      raw = await readYamlFile(file, 'MAPPING_INVALID');
    } catch (error) {
      problems.push({ severity: 'error', message: (error as Error).message, context: { file } });
      continue;
    }
    const parsed = mappingFileSchema.safeParse(raw);
    if (!parsed.success) {
      const name = (raw as { name?: unknown } | null)?.name;
      problems.push(...zodProblems(parsed.error, file, typeof name === 'string' ? { mapping: name } : {}));
      continue;
    }
    const fileProblems = checkMapping(parsed.data, file, config);
    const previous = seen.get(parsed.data.name);
    if (previous) {
      fileProblems.push({
        severity: 'error',
        message: `mapping name "${parsed.data.name}" is already used by ${previous}`,
        context: { file, mapping: parsed.data.name, field: 'name', hint: 'each mapping needs a unique name: it keys its checkpoint' },
      });
    }
    seen.set(parsed.data.name, file);
    problems.push(...fileProblems);
    if (fileProblems.every((problem) => problem.severity !== 'error')) mappings.push(compileMapping(parsed.data, file, config));
  }
  if (problems.some((problem) => problem.severity === 'error')) throw new ProblemsError('MAPPING_INVALID', problems);
  return mappings;
}

function checkMapping(mapping: MappingFile, file: string, config: ResolvedConfig): Problem[] {
  const problems: Problem[] = [];
  const context = { file, mapping: mapping.name };
  for (const side of ['source', 'target'] as const) {
    const endpoint = mapping[side].endpoint;
    if (!config.endpoints.has(endpoint)) {
      problems.push({
        severity: 'error',
        message: `unknown endpoint "${endpoint}"`,
        context: { ...context, field: `${side}.endpoint`, hint: `define it under endpoints: in ${config.file} (known: ${[...config.endpoints.keys()].join(', ')})` },
      });
    }
  }
  for (const key of mapping.target.key) {
    if (!(key in mapping.columns)) {
      problems.push({
        severity: 'error',
        message: `target key column "${key}" is not mapped`,
        context: { ...context, field: 'target.key', column: key, hint: `add "${key}: <source column>" under columns:` },
      });
    }
  }
  if (mapping.target.key.length !== new Set(mapping.target.key).size) {
    problems.push({ severity: 'error', message: 'target key repeats a column', context: { ...context, field: 'target.key' } });
  }
  if (!isValidTimeZone(mapping.source.capture.timezone)) {
    problems.push({
      severity: 'error',
      message: `unknown time zone "${mapping.source.capture.timezone}"`,
      context: { ...context, field: 'source.capture.timezone', hint: 'use an IANA name such as UTC or Europe/Berlin' },
    });
  }
  if (
    config.endpoints.get(mapping.source.endpoint)?.connectionUrl() === config.endpoints.get(mapping.target.endpoint)?.connectionUrl() &&
    mapping.source.table === mapping.target.table
  ) {
    problems.push({ severity: 'error', message: 'source and target are the same table', context: { ...context, field: 'target.table' } });
  }
  return problems;
}

export function compileMapping(mapping: MappingFile, file: string, config: ResolvedConfig): CompiledMapping {
  const columns = Object.entries(mapping.columns).map(([target, source]) => ({ target, source }));
  const sourceColumns = [...new Set([...mapping.source.key, mapping.source.capture.column, ...columns.map((column) => column.source)])];
  const targetKeySources = mapping.target.key.map((key) => mapping.columns[key]!);
  const capture = mapping.source.capture;
  return Object.freeze({
    name: mapping.name,
    file,
    source: {
      endpoint: mapping.source.endpoint,
      table: mapping.source.table,
      key: mapping.source.key,
      where: mapping.source.where,
      capture: {
        mode: 'timestamp' as const,
        column: capture.column,
        timezone: capture.timezone,
        overlapSeconds: capture.overlap ?? config.sync.overlap,
        lagSeconds: capture.lag ?? config.sync.lag,
        batchSize: capture.batchSize ?? config.sync.batchSize,
      },
    },
    target: { endpoint: mapping.target.endpoint, table: mapping.target.table, key: mapping.target.key },
    columns,
    sourceColumns,
    targetKeySources,
    toTarget(row: Readonly<Record<string, unknown>>): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      for (const column of columns) out[column.target] = row[column.source];
      return out;
    },
  });
}

/** Selects mappings by name; an unknown name is a usage error listing the known ones. */
export function selectMappings(mappings: CompiledMapping[], names: string[] | undefined): CompiledMapping[] {
  if (!names?.length) return mappings;
  const unknown = names.filter((name) => !mappings.some((mapping) => mapping.name === name));
  if (unknown.length) {
    throw new SyncError('USAGE', `unknown mapping ${unknown.join(', ')} (known: ${mappings.map((m) => m.name).join(', ')})`);
  }
  return mappings.filter((mapping) => names.includes(mapping.name));
}
