import type { Knex } from 'knex';

/**
 * Rows the target refused or the mapping rejected, one row per (mapping, source key): kept with
 * the reason and the row itself so nothing is lost. `waiting` rows (a lookup found no parent yet)
 * are re-read from the source and retried at the start of every pass.
 */
export async function up(knex: Knex, prefix: string): Promise<void> {
  await knex.schema.createTable(`${prefix}rejected_rows`, (table) => {
    table.string('mapping', 100).notNullable();
    table.string('row_key', 512).notNullable();
    table.text('reason').notNullable();
    table.text('row_data').notNullable();
    table.boolean('waiting').notNullable().defaultTo(false);
    table.integer('attempts').notNullable().defaultTo(1);
    table.datetime('first_seen', { useTz: false, precision: 3 }).notNullable();
    table.datetime('last_seen', { useTz: false, precision: 3 }).notNullable();
    table.primary(['mapping', 'row_key']);
  });
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  await knex.schema.dropTableIfExists(`${prefix}rejected_rows`);
}
