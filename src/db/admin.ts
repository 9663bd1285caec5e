import { readFile } from 'node:fs/promises';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { kindFromUrl, type DatabaseKind } from '../config/load-config.js';
import { dialectFor } from '../dialect/index.js';
import { SyncError } from '../errors.js';
import { redactUrl } from '../log.js';

/** Server-level chores for the demo, tests and benchmarks: create, drop, load SQL files. */

function requireKind(url: string): DatabaseKind {
  const kind = kindFromUrl(url);
  if (!kind) throw new SyncError('CONFIG_INVALID', `unsupported database URL ${redactUrl(url)}`);
  return kind;
}

/** The same server URL pointing at another database (`''` = none for MySQL, `postgres` for PG). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

async function onServer(url: string, statements: string[]): Promise<void> {
  const kind = requireKind(url);
  if (kind === 'mysql') {
    const connection = await mysql.createConnection({ uri: withDatabase(url, '') });
    try {
      for (const statement of statements) await connection.query(statement);
    } finally {
      await connection.end();
    }
  } else {
    const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
    await client.connect();
    try {
      for (const statement of statements) await client.query(statement);
    } finally {
      await client.end();
    }
  }
}

export async function recreateDatabase(url: string): Promise<void> {
  const dialect = dialectFor(requireKind(url));
  const name = databaseName(url);
  await onServer(url, [dialect.dropDatabaseSql(name), dialect.createDatabaseSql(name)]);
}

export async function dropDatabase(url: string): Promise<void> {
  await onServer(url, [dialectFor(requireKind(url)).dropDatabaseSql(databaseName(url))]);
}

/** Runs a file of SQL statements (a schema or a seed) in the URL's database. */
export async function runSqlFile(url: string, file: string): Promise<void> {
  await runSql(url, await readFile(file, 'utf8'));
}

export async function runSql(url: string, text: string): Promise<void> {
  if (requireKind(url) === 'mysql') {
    const connection = await mysql.createConnection({ uri: url, multipleStatements: true });
    try {
      await connection.query(text);
    } finally {
      await connection.end();
    }
  } else {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  }
}
