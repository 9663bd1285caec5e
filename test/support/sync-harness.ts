import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, type ResolvedConfig } from '../../src/config/load-config.js';
import { Databases } from '../../src/db/databases.js';
import { silentLogger } from '../../src/log.js';
import { loadMappings } from '../../src/mapping/load-mappings.js';
import { migrateDatabase } from '../../src/state/migrate.js';
import { SyncEngine } from '../../src/sync/engine.js';
import type { PassResult } from '../../src/sync/sync-job.js';
import type { TestDatabase } from './test-databases.js';

export interface HarnessOptions {
  source: TestDatabase;
  target: TestDatabase;
  /** Mapping documents (YAML objects); endpoints are named `source` and `target`. */
  mappings: Record<string, unknown>[];
  sync?: Record<string, unknown>;
}

/** A config folder on disk plus helpers to run the engine against it, as the CLI would. */
export class SyncHarness {
  private constructor(
    readonly dir: string,
    readonly configFile: string,
    readonly config: ResolvedConfig,
  ) {}

  static async create(options: HarnessOptions): Promise<SyncHarness> {
    const dir = await mkdtemp(path.join(tmpdir(), 'aimeos-sync-test-'));
    await mkdir(path.join(dir, 'mappings'));
    const configFile = path.join(dir, 'aimeos-sync.yml');
    await writeFile(
      configFile,
      stringify({
        endpoints: { source: { url: options.source.url }, target: { url: options.target.url } },
        mappings: './mappings',
        sync: { batchSize: 100, overlap: 300, lag: 0, ...options.sync },
      }),
    );
    for (const mapping of options.mappings) {
      await writeFile(path.join(dir, 'mappings', `${String(mapping.name)}.yml`), stringify(mapping));
    }
    return new SyncHarness(dir, configFile, await loadConfig(configFile));
  }

  async migrate(): Promise<void> {
    const databases = new Databases(this.config);
    try {
      await migrateDatabase(await databases.connect('target'), this.config.statePrefix);
    } finally {
      await databases.close();
    }
  }

  /** One `sync --once`; throws the first mapping failure. */
  async syncOnce(): Promise<PassResult[]> {
    const engine = new SyncEngine({ config: this.config, mappings: await loadMappings(this.config), logger: silentLogger() });
    try {
      const { results, failures } = await engine.syncOnce();
      if (failures[0]) throw failures[0].error;
      return results;
    } finally {
      await engine.close();
    }
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
