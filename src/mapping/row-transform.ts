import { pathToFileURL } from 'node:url';
import { SyncError } from '../errors.js';
import type { CompiledMapping, MappedRow } from './compiled-mapping.js';

/** `transform(targetRow, sourceRow)` from a mapping's escape-hatch module; throw to reject the row. */
export type RowTransform = (row: Record<string, unknown>, source: Readonly<Record<string, unknown>>) => Record<string, unknown>;

/** Loads a mapping's transform module and checks that it exports a `transform` function. */
export async function loadRowTransform(mapping: CompiledMapping): Promise<RowTransform | undefined> {
  if (!mapping.transform) return undefined;
  let module: { transform?: unknown; default?: { transform?: unknown } };
  try {
    module = (await import(pathToFileURL(mapping.transform).href)) as typeof module;
  } catch (error) {
    throw new SyncError('MAPPING_INVALID', `cannot load transform module ${mapping.transform}: ${(error as Error).message}`, {
      file: mapping.file,
      mapping: mapping.name,
      field: 'transform',
    });
  }
  const transform = module.transform ?? module.default?.transform;
  if (typeof transform !== 'function') {
    throw new SyncError('MAPPING_INVALID', `transform module ${mapping.transform} does not export a function named "transform"`, {
      file: mapping.file,
      mapping: mapping.name,
      field: 'transform',
      hint: 'export function transform(row, source) { return row; }',
    });
  }
  return transform as RowTransform;
}

/** The mapping with its transform applied after the declarative rules. */
export function withTransform(mapping: CompiledMapping, transform: RowTransform | undefined): CompiledMapping {
  if (!transform) return mapping;
  return Object.freeze({
    ...mapping,
    toTarget(row, lookups): MappedRow {
      const mapped = mapping.toTarget(row, lookups);
      if (!mapped.ok) return mapped;
      try {
        const values = transform({ ...mapped.values }, row);
        if (!values || typeof values !== 'object') throw new Error('transform must return an object');
        return { ok: true, values };
      } catch (error) {
        return { ok: false, rejection: { column: '(transform)', reason: (error as Error).message, wait: false } };
      }
    },
  } satisfies CompiledMapping);
}
