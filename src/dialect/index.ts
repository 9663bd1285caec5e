import type { DatabaseKind } from '../config/load-config.js';
import type { Dialect } from './dialect.js';
import { MysqlDialect } from './mysql/mysql-dialect.js';
import { PostgresDialect } from './postgres/postgres-dialect.js';

const dialects: Record<DatabaseKind, Dialect> = {
  mysql: new MysqlDialect(),
  postgres: new PostgresDialect(),
};

export function dialectFor(kind: DatabaseKind): Dialect {
  return dialects[kind];
}

export type { ColumnCategory, ColumnInfo, Dialect, TableInfo, ClockReading, TransactionVisibility } from './dialect.js';
