import knexFactory, { type Knex } from 'knex';
import { migrations } from '../../migrations/index.js';
import type { Connection } from '../db/databases.js';
import { SyncError } from '../errors.js';
import { redactSecrets } from '../log.js';

export interface MigrateResult {
  endpoint: string;
  applied: string[];
}

/**
 * Creates or upgrades the engine's tables in one database. Safe when several processes run it at
 * once: a database-level lock (GET_LOCK / advisory lock) serialises them, and whoever comes second
 * finds nothing left to do.
 */
export async function migrateDatabase(connection: Connection, prefix: string, lockTimeoutSeconds = 120): Promise<MigrateResult> {
  const knex = knexFactory({
    client: connection.dialect.kind === 'mysql' ? 'mysql2' : 'pg',
    connection: connection.endpoint.connectionUrl(),
    pool: { min: 0, max: 2 },
  });
  try {
    return await connection.db.connection().execute(async (session) => {
      const lockName = `${prefix}migrate`;
      if (!(await connection.dialect.acquireLock(session, lockName, lockTimeoutSeconds))) {
        throw new SyncError('INTERNAL', `another process holds the migration lock for ${lockTimeoutSeconds}s`, {
          endpoint: connection.endpoint.name,
          hint: 'wait for the other migrate to finish, then run it again',
        });
      }
      try {
        const [, applied] = (await knex.migrate.latest({
          tableName: `${prefix}migrations`,
          migrationSource: migrationSource(prefix),
        })) as [number, string[]];
        return { endpoint: connection.endpoint.name, applied };
      } finally {
        await connection.dialect.releaseLock(session, lockName);
      }
    });
  } catch (error) {
    if (error instanceof SyncError) throw error;
    throw new SyncError('INTERNAL', `migration failed: ${redactSecrets((error as Error).message)}`, { endpoint: connection.endpoint.name }, { cause: error });
  } finally {
    await knex.destroy();
  }
}

function migrationSource(prefix: string): Knex.MigrationSource<(typeof migrations)[number]> {
  return {
    getMigrations: async () => migrations,
    getMigrationName: (migration) => migration.name,
    getMigration: async (migration) => ({
      up: (knex: Knex) => migration.up(knex, prefix),
      down: (knex: Knex) => migration.down(knex, prefix),
    }),
  };
}
