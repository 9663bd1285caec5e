import type { DynamicDb } from './dynamic-db.js';
import { sql } from 'kysely';
import type { Endpoint, ResolvedConfig } from '../config/load-config.js';
import { dialectFor, type Dialect } from '../dialect/index.js';
import { SyncError } from '../errors.js';
import { redactSecrets } from '../log.js';

export interface Connection {
  readonly endpoint: Endpoint;
  readonly dialect: Dialect;
  readonly db: DynamicDb;
}

/** One pool per endpoint, opened on first use, closed together. */
export class Databases {
  readonly #connections = new Map<string, Connection>();
  constructor(
    private readonly config: Pick<ResolvedConfig, 'endpoints' | 'sync'>,
    private readonly applicationName = 'aimeos-sync',
  ) {}

  get(name: string): Connection {
    let connection = this.#connections.get(name);
    if (connection) return connection;
    const endpoint = this.config.endpoints.get(name);
    if (!endpoint) throw new SyncError('CONFIG_INVALID', `unknown endpoint "${name}"`, { endpoint: name });
    const dialect = dialectFor(endpoint.kind);
    const db = dialect.createKysely(endpoint.connectionUrl(), {
      poolSize: Math.max(2, this.config.sync.concurrency + 1),
      applicationName: this.applicationName,
    });
    connection = { endpoint, dialect, db };
    this.#connections.set(name, connection);
    return connection;
  }

  /** Opens the endpoint and runs a trivial query; a failure names the endpoint, never the password. */
  async connect(name: string): Promise<Connection> {
    const connection = this.get(name);
    try {
      await sql`SELECT 1`.execute(connection.db);
    } catch (error) {
      throw connectionError(connection.endpoint, error);
    }
    return connection;
  }

  async close(): Promise<void> {
    const all = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.allSettled(all.map((connection) => connection.db.destroy()));
  }
}

export function connectionError(endpoint: Endpoint, error: unknown): SyncError {
  const detail = redactSecrets(error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error));
  return new SyncError('CONNECTION_FAILED', `cannot reach ${endpoint.displayUrl}: ${detail}`, { endpoint: endpoint.name }, { cause: error });
}
