import type { Knex } from 'knex';
import * as streams from './001_streams.js';
import * as rejectedRows from './002_rejected_rows.js';
import * as identityMap from './003_identity_map.js';

export interface EngineMigration {
  name: string;
  up(knex: Knex, prefix: string): Promise<void>;
  down(knex: Knex, prefix: string): Promise<void>;
}

/** Applied in this order; names are recorded in `<prefix>migrations` and must never change. */
export const migrations: EngineMigration[] = [
  { name: '001_streams', ...streams },
  { name: '002_rejected_rows', ...rejectedRows },
  { name: '003_identity_map', ...identityMap },
];
