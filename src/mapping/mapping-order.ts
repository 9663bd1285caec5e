import type { CompiledMapping } from './compiled-mapping.js';

/**
 * Orders mappings so that every mapping runs after those it depends on (its lookups, parent and
 * dependsOn), as levels: mappings in one level may run concurrently. Dependencies on mappings
 * outside `mappings` are ignored (they run in their own time). A cycle is returned, not thrown.
 */
export function orderMappings(mappings: readonly CompiledMapping[]): { levels: CompiledMapping[][]; cycle?: string[] } {
  const byName = new Map(mappings.map((mapping) => [mapping.name, mapping]));
  const levelOf = new Map<string, number>();
  const visiting: string[] = [];
  let cycle: string[] | undefined;

  const visit = (mapping: CompiledMapping): number => {
    const known = levelOf.get(mapping.name);
    if (known !== undefined) return known;
    const at = visiting.indexOf(mapping.name);
    if (at >= 0) {
      cycle ??= [...visiting.slice(at), mapping.name];
      return 0;
    }
    visiting.push(mapping.name);
    let level = 0;
    for (const name of mapping.dependsOn) {
      const dependency = byName.get(name);
      if (dependency && dependency !== mapping) level = Math.max(level, visit(dependency) + 1);
    }
    visiting.pop();
    levelOf.set(mapping.name, level);
    return level;
  };
  for (const mapping of mappings) visit(mapping);

  const levels: CompiledMapping[][] = [];
  for (const mapping of mappings) (levels[levelOf.get(mapping.name)!] ??= []).push(mapping);
  return { levels: levels.filter(Boolean), cycle };
}

/** The field of `mapping` that makes it depend on mapping `name`: where a cycle is reported. */
export function dependencyField(mapping: CompiledMapping, name: string): string {
  const lookup = mapping.lookups.find(({ spec }) => (typeof spec === 'string' ? spec : 'mapping' in spec ? spec.mapping : undefined) === name);
  if (lookup) return `columns.${lookup.target}.lookup`;
  if (mapping.parent?.mapping === name) return 'parent.mapping';
  return 'dependsOn';
}
