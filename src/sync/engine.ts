import PQueue from 'p-queue';
import { DiffApplier } from '../apply/diff-applier.js';
import { TimestampChangeReader } from '../capture/timestamp-reader.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { Databases } from '../db/databases.js';
import { errorMessage, SyncError } from '../errors.js';
import type { Logger } from '../log.js';
import type { CompiledMapping } from '../mapping/compiled-mapping.js';
import { RejectedRowStore } from '../state/rejected-row-store.js';
import { stateTables } from '../state/state-tables.js';
import { StreamStore } from '../state/stream-store.js';
import { dependencyField, orderMappings } from '../mapping/mapping-order.js';
import { loadRowTransform, withTransform } from '../mapping/row-transform.js';
import { IdentityStore } from '../state/identity-store.js';
import type { TableInfo } from '../dialect/dialect.js';
import { LookupResolver } from './lookup-resolver.js';
import { SyncJob, type PassResult } from './sync-job.js';

export interface EngineOptions {
  config: ResolvedConfig;
  mappings: CompiledMapping[];
  /** All mappings of the config, for lookups into mappings not selected to run. */
  allMappings?: CompiledMapping[];
  logger: Logger;
  databases?: Databases;
}

/**
 * Builds one SyncJob per mapping and schedules them: `syncOnce` runs every job to the end once;
 * `run` polls until the signal aborts, each mapping by at most one worker at a time.
 */
export class SyncEngine {
  readonly databases: Databases;
  readonly #ownsDatabases: boolean;
  #jobs: SyncJob[] | undefined;
  #levels: SyncJob[][] = [];

  constructor(private readonly options: EngineOptions) {
    this.#ownsDatabases = !options.databases;
    this.databases = options.databases ?? new Databases(options.config);
  }

  /** Connects, introspects and checks state tables; fails with what is missing and how to fix it. */
  async prepare(): Promise<SyncJob[]> {
    if (this.#jobs) return this.#jobs;
    const { config, mappings, logger } = this.options;
    const all = new Map((this.options.allMappings ?? mappings).map((mapping) => [mapping.name, mapping]));
    const { levels, cycle } = orderMappings(mappings);
    if (cycle) {
      const first = mappings.find((mapping) => mapping.name === cycle[0])!;
      throw new SyncError('MAPPING_INVALID', `mappings depend on each other in a cycle: ${cycle.join(' → ')}`, {
        file: first.file,
        mapping: first.name,
        field: dependencyField(first, cycle[1]!),
        hint: 'break the cycle: a lookup, parent or dependsOn must point one way only',
      });
    }
    const jobs: SyncJob[] = [];
    const checkedState = new Set<string>();
    const checkedVisibility = new Set<string>();
    for (const compiled of levels.flat()) {
      const mapping = withTransform(compiled, await loadRowTransform(compiled));
      const source = await this.databases.connect(mapping.source.endpoint);
      if (!checkedVisibility.has(mapping.source.endpoint)) {
        checkedVisibility.add(mapping.source.endpoint);
        const visibility = await source.dialect.checkTransactionVisibility(source.db);
        if (!visibility.visible) logger.warn('open transactions not visible', { endpoint: mapping.source.endpoint, detail: visibility.detail });
      }
      const target = await this.databases.connect(mapping.target.endpoint);
      if (!checkedState.has(mapping.target.endpoint)) {
        const streamsTable = stateTables(config.statePrefix).streams;
        if (!(await target.dialect.introspectTable(target.db, streamsTable))) {
          throw new SyncError('STATE_MISSING', `engine table ${streamsTable} does not exist`, {
            endpoint: mapping.target.endpoint,
            mapping: mapping.name,
            hint: 'run `aimeos-sync migrate` first',
          });
        }
        checkedState.add(mapping.target.endpoint);
      }
      const sourceTable =
        mapping.source.table !== undefined ? await source.dialect.introspectTable(source.db, mapping.source.table) : querySourceInfo(mapping);
      const targetTable = await target.dialect.introspectTable(target.db, mapping.target.table);
      for (const [side, table, name] of [
        ['source', sourceTable, mapping.source.label],
        ['target', targetTable, mapping.target.table],
      ] as const) {
        if (!table) {
          throw new SyncError('SCHEMA_MISMATCH', `${side} table does not exist`, {
            file: mapping.file,
            mapping: mapping.name,
            table: name,
            hint: 'run `aimeos-sync validate` for the full list of problems',
          });
        }
      }
      const missing = mapping.rules.find((rule) => !targetTable!.columns.has(rule.target));
      if (missing) {
        throw new SyncError('SCHEMA_MISMATCH', 'target column does not exist', {
          file: mapping.file,
          mapping: mapping.name,
          table: mapping.target.table,
          column: missing.target,
          hint: 'run `aimeos-sync validate` for the full list of problems',
        });
      }
      jobs.push(
        new SyncJob({
          mapping,
          lookups: new LookupResolver(mapping, all, this.databases, config.statePrefix),
          reader: new TimestampChangeReader(source.db, source.dialect, mapping, sourceTable!),
          applier: new DiffApplier(target.dialect, mapping, targetTable!, { editor: config.editor, identity: new IdentityStore(config.statePrefix) }),
          targetDb: target.db,
          streams: new StreamStore(target.dialect, config.statePrefix),
          rejectedRows: new RejectedRowStore(config.statePrefix),
          logger,
        }),
      );
    }
    // Document children also run inside their parent's transactions (same target database).
    for (const job of jobs) {
      const parent = job.mapping.parent && jobs.find((candidate) => candidate.mapping.name === job.mapping.parent!.mapping);
      if (!parent) continue;
      if (parent.mapping.target.endpoint !== job.mapping.target.endpoint) {
        throw new SyncError('MAPPING_INVALID', `parent "${parent.mapping.name}" writes to another database; a document must be applied in one transaction`, {
          file: job.mapping.file,
          mapping: job.mapping.name,
          field: 'parent.mapping',
        });
      }
      parent.children.push(job);
    }
    this.#jobs = jobs;
    this.#levels = levels.map((level) => level.map((mapping) => jobs.find((job) => job.mapping.name === mapping.name)!));
    return jobs;
  }

  /** Brings every selected target up to date once; errors of one mapping do not stop the others. */
  async syncOnce(signal?: AbortSignal): Promise<{ results: PassResult[]; failures: { mapping: string; error: unknown }[] }> {
    await this.prepare();
    const results: PassResult[] = [];
    const failures: { mapping: string; error: unknown }[] = [];
    const queue = new PQueue({ concurrency: this.options.config.sync.concurrency });
    // Level by level: a mapping that looks up another runs after it.
    for (const level of this.#levels) {
      await queue.addAll(
        level.map((job) => async () => {
          try {
            results.push(await job.runPass(signal));
          } catch (error) {
            failures.push({ mapping: job.mapping.name, error });
          }
        }),
      );
    }
    return { results, failures };
  }

  /**
   * Polls every mapping each `pollInterval` until `signal` aborts. A mapping whose pass is still
   * running is not queued again; a failing mapping is retried on the next poll after a backoff.
   */
  async run(signal: AbortSignal): Promise<void> {
    const jobs = await this.prepare();
    const { config, logger } = this.options;
    const queue = new PQueue({ concurrency: config.sync.concurrency });
    const failures = new Map<string, { count: number; retryAt: number }>();
    logger.info('service started', { mappings: jobs.map((job) => job.mapping.name), pollIntervalS: config.sync.pollInterval });

    const runOne = async (job: SyncJob) => {
      const name = job.mapping.name;
      if ((failures.get(name)?.retryAt ?? 0) > Date.now()) return;
      try {
        await job.runPass(signal);
        failures.delete(name);
      } catch (error) {
        const count = (failures.get(name)?.count ?? 0) + 1;
        const delayMs = Math.min(300_000, 1000 * 2 ** Math.min(count, 8));
        failures.set(name, { count, retryAt: Date.now() + delayMs });
        logger.warn('mapping will be retried', { mapping: name, failures: count, retryInMs: delayMs, error: errorMessage(error) });
      }
    };
    // Mappings linked by lookups, parents or dependsOn poll together in cycles, level by level
    // (lookups first); unrelated groups poll on their own, so a long initial load of one does not
    // hold up the others. Each mapping is run by one worker at a time; a failing one backs off alone.
    await Promise.all(
      dependencyGroups(this.#levels).map(async (levels) => {
        while (!signal.aborted) {
          for (const level of levels) {
            if (signal.aborted) break;
            await queue.addAll(level.map((job) => () => runOne(job)));
          }
          await sleep(config.sync.pollInterval * 1000, signal);
        }
      }),
    );
    // Shutdown: passes see the aborted signal after their current batch commits.
    await queue.onIdle();
    logger.info('service stopped');
  }

  async close(): Promise<void> {
    if (this.#ownsDatabases) await this.databases.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A query source has no catalogue entry: its capture column is taken as a wall-clock timestamp. */
function querySourceInfo(mapping: CompiledMapping): TableInfo {
  const capture = mapping.source.capture.column;
  return {
    name: mapping.source.label,
    columns: new Map([
      [capture, { name: capture, nativeType: 'datetime', baseType: 'datetime', category: 'datetime', nullable: false, hasDefault: false, autoIncrement: false, generated: false }],
    ]),
    uniqueKeys: [],
    indexes: [],
  };
}

/**
 * Splits ordered levels into groups of mappings connected by dependencies (in either direction),
 * each keeping the level order.
 */
export function dependencyGroups(levels: readonly SyncJob[][]): SyncJob[][][] {
  const jobs = levels.flat();
  const group = new Map(jobs.map((job) => [job.mapping.name, job.mapping.name]));
  const find = (name: string): string => {
    const parent = group.get(name)!;
    if (parent === name) return name;
    const root = find(parent);
    group.set(name, root);
    return root;
  };
  for (const job of jobs) {
    for (const dependency of job.mapping.dependsOn) if (group.has(dependency)) group.set(find(job.mapping.name), find(dependency));
  }
  const groups = new Map<string, SyncJob[][]>();
  levels.forEach((level, index) => {
    for (const job of level) {
      const levelsOfGroup = groups.get(find(job.mapping.name)) ?? [];
      (levelsOfGroup[index] ??= []).push(job);
      groups.set(find(job.mapping.name), levelsOfGroup);
    }
  });
  return [...groups.values()].map((levelsOfGroup) => levelsOfGroup.filter(Boolean));
}
