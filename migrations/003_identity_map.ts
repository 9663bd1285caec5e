import type { Knex } from 'knex';

/**
 * Identity map for targets that generate their own ids: which target id each source key became
 * (or was adopted as). Used for later updates and for lookups from other mappings.
 */
export async function up(knex: Knex, prefix: string): Promise<void> {
  await knex.schema.createTable(`${prefix}identity_map`, (table) => {
    table.string('mapping', 100).notNullable();
    table.string('source_key', 512).notNullable();
    table.string('target_key', 255).notNullable();
    table.datetime('created_at', { useTz: false, precision: 3 }).notNullable();
    table.primary(['mapping', 'source_key']);
    table.unique(['mapping', 'target_key']);
  });
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  await knex.schema.dropTableIfExists(`${prefix}identity_map`);
}
