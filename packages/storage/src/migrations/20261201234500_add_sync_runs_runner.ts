import type { Knex } from 'knex';
import { Tables } from '../tables.js';

/**
 * Which process runs a sync, on a server database: the second key of the
 * session-level advisory lock that process holds while it lives
 * (`RUNNER_LOCK_NAMESPACE`, runner_key). A running run whose lock is free
 * belongs to a process that died, and is marked failed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE ${Tables.syncRuns} ADD COLUMN runner_key integer`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE ${Tables.syncRuns} DROP COLUMN runner_key`);
}
