import { checkMigrations, checkSchema, migrateLatest, type SchemaStatus } from '@accessledger/storage';
import { schedulerMigrationSource, schedulerMigrations } from '@accessledger/scheduler';
import type { Knex } from 'knex';

/** The scheduler's migrations are recorded in a table of their own, apart from storage's. */
export const SCHEDULER_MIGRATIONS_TABLE = 'accessledger_scheduler_migrations';

const schedulerMigrator: Knex.MigratorConfig = {
  migrationSource: schedulerMigrationSource,
  tableName: SCHEDULER_MIGRATIONS_TABLE,
};

/** Where the scheduler's migrations stand; `SchemaTooNewError` when a newer scheduler migrated the database. */
function checkSchedulerSchema(knex: Knex): Promise<SchemaStatus> {
  return checkMigrations(
    knex,
    SCHEDULER_MIGRATIONS_TABLE,
    schedulerMigrations.map((migration) => migration.name),
  );
}

/** Applies every package's pending migrations (storage's, then the scheduler's); returns their names. */
export async function migrateAll(knex: Knex): Promise<string[]> {
  // Both sets are checked before either is touched: a newer database is refused as a whole.
  await checkSchema(knex);
  await checkSchedulerSchema(knex);
  const storage = await migrateLatest(knex);
  const [, scheduler] = (await knex.migrate.latest(schedulerMigrator)) as [number, string[]];
  return [...storage, ...scheduler];
}

/** Where the database stands, for both packages; throws when either schema is newer than this code. */
export async function schemaStatus(knex: Knex): Promise<SchemaStatus> {
  const storage = await checkSchema(knex);
  const scheduler = await checkSchedulerSchema(knex);
  return { ...storage, pending: [...storage.pending, ...scheduler.pending] };
}
