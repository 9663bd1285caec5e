import { describe, expect, it } from 'vitest';
import type { CompiledMapping } from '../../../src/mapping/compiled-mapping.js';
import { orderMappings } from '../../../src/mapping/mapping-order.js';
import { dependencyGroups } from '../../../src/sync/engine.js';
import type { SyncJob } from '../../../src/sync/sync-job.js';

// Only name and dependsOn matter to the ordering; the rest of a mapping is irrelevant here.
const mapping = (name: string, dependsOn: string[] = []) => ({ name, dependsOn }) as unknown as CompiledMapping;
const jobOf = (compiled: CompiledMapping) => ({ mapping: compiled }) as SyncJob;
const names = (groups: SyncJob[][][]) => groups.map((levels) => levels.map((level) => level.map((job) => job.mapping.name)));

describe('orderMappings and dependencyGroups', () => {
  const all = [
    mapping('order-lines', ['orders']),
    mapping('stock'),
    mapping('orders', ['customers']),
    mapping('customers'),
    mapping('order-status', ['orders']),
    mapping('products'),
  ];

  it('puts every mapping after the ones it depends on', () => {
    const { levels, cycle } = orderMappings(all);
    expect(cycle).toBeUndefined();
    expect(levels.map((level) => level.map((m) => m.name))).toEqual([['stock', 'customers', 'products'], ['orders'], ['order-lines', 'order-status']]);
  });

  it('groups only mappings linked by dependencies, keeping their level order', () => {
    const levels = orderMappings(all).levels.map((level) => level.map(jobOf));
    expect(names(dependencyGroups(levels))).toEqual([[['stock']], [['customers'], ['orders'], ['order-lines', 'order-status']], [['products']]]);
  });

  it('reports a cycle with the mappings on it', () => {
    const { cycle } = orderMappings([mapping('a', ['b']), mapping('b', ['c']), mapping('c', ['a'])]);
    expect(cycle).toEqual(['a', 'b', 'c', 'a']);
  });

  it('ignores dependencies on mappings that are not selected', () => {
    const { levels } = orderMappings([mapping('orders', ['customers'])]);
    expect(levels.map((level) => level.map((m) => m.name))).toEqual([['orders']]);
  });
});
