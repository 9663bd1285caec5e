import type { Knex } from 'knex';

/**
 * One row per mapping: the reader's checkpoint (or, during the initial load, its progress) plus
 * the figures of its last run. Both are updated in the same transaction as the rows they cover.
 */
export async function up(knex: Knex, prefix: string): Promise<void> {
  await knex.schema.createTable(`${prefix}streams`, (table) => {
    table.string('mapping', 100).primary();
    table.string('cursor_ts', 64).nullable();
    table.text('cursor_key').nullable();
    table.datetime('checkpoint_at', { useTz: false, precision: 3 }).nullable();
    // Initial load in progress: the mark taken when it began, and the last source key applied.
    table.string('load_mark', 64).nullable();
    table.text('load_key').nullable();
    table.datetime('last_run_started', { useTz: false, precision: 3 }).nullable();
    table.datetime('last_run_finished', { useTz: false, precision: 3 }).nullable();
    table.string('last_run_status', 16).nullable();
    table.bigInteger('rows_read').notNullable().defaultTo(0);
    table.bigInteger('rows_inserted').notNullable().defaultTo(0);
    table.bigInteger('rows_updated').notNullable().defaultTo(0);
    table.bigInteger('rows_unchanged').notNullable().defaultTo(0);
    table.bigInteger('rows_rejected').notNullable().defaultTo(0);
    table.bigInteger('rows_adopted').notNullable().defaultTo(0);
    table.text('last_error').nullable();
    table.datetime('last_error_at', { useTz: false, precision: 3 }).nullable();
  });
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  await knex.schema.dropTableIfExists(`${prefix}streams`);
}
