import { Databases } from '../../db/databases.js';
import { migrateDatabase } from '../../state/migrate.js';
import { loadContext, targetEndpoints, type GlobalOptions } from '../context.js';

/** Creates the engine's tables in every database a mapping writes to. */
export async function migrateCommand(options: GlobalOptions): Promise<number> {
  const { config, mappings, logger } = await loadContext(options);
  const databases = new Databases(config);
  try {
    for (const name of targetEndpoints(mappings)) {
      const result = await migrateDatabase(await databases.connect(name), config.statePrefix);
      logger.info('migrated', { endpoint: name, applied: result.applied });
      process.stdout.write(
        result.applied.length ? `${name}: applied ${result.applied.join(', ')}\n` : `${name}: engine tables up to date\n`,
      );
    }
    return 0;
  } finally {
    await databases.close();
  }
}
