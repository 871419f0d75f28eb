import type { Knex } from 'knex';
import { SCHEDULER_LEASES_TABLE } from '../tables.js';

/**
 * One row per job: who holds the job's lease, for which fire, until when.
 * A fire is claimed by updating this row atomically, so the row doubles as the
 * record of the latest fire that ran (which makes a late replica's claim for
 * the same fire a no-op).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(SCHEDULER_LEASES_TABLE, (table) => {
    table.text('job_name').primary();
    table.text('holder').notNullable();
    table.uuid('lease_token').notNullable();
    table.timestamp('fire_at', { useTz: true }).notNullable();
    table.timestamp('claimed_at', { useTz: true }).notNullable();
    table.timestamp('expires_at', { useTz: true }).notNullable();
    table.timestamp('released_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable(SCHEDULER_LEASES_TABLE);
}

/** Knex runs each migration in its own transaction; stated so that it stays so. */
export const config = { transaction: true };
