import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { DatabaseKind } from '../../src/config/load-config.js';
import { dropDatabase, recreateDatabase, withDatabase } from '../../src/db/admin.js';
import type { DynamicDb } from '../../src/db/dynamic-db.js';
import { dialectFor } from '../../src/dialect/index.js';

export interface TestDatabase {
  kind: DatabaseKind;
  name: string;
  url: string;
  db: DynamicDb;
  drop(): Promise<void>;
}

export function serverUrl(kind: DatabaseKind): string {
  return kind === 'mysql' ? inject('mysqlUrl') : inject('pgUrl');
}

/** A freshly created, randomly named database on the test server; `drop()` removes it. */
export async function createTestDatabase(kind: DatabaseKind, label = 't'): Promise<TestDatabase> {
  const name = `aimeos_sync_${label}_${randomBytes(4).toString('hex')}`;
  const url = withDatabase(serverUrl(kind), name);
  await recreateDatabase(url);
  const db = dialectFor(kind).createKysely(url, { poolSize: 4, applicationName: 'aimeos-sync-test' });
  return {
    kind,
    name,
    url,
    db,
    async drop() {
      await db.destroy();
      await dropDatabase(url);
    },
  };
}

export const PAIRS: readonly (readonly [DatabaseKind, DatabaseKind])[] = [
  ['mysql', 'postgres'],
  ['postgres', 'mysql'],
  ['mysql', 'mysql'],
  ['postgres', 'postgres'],
];
