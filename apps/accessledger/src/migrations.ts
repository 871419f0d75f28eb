import { checkSchema, migrateLatest, type SchemaStatus } from '@accessledger/storage';
import { schedulerMigrationSource, schedulerMigrations } from '@accessledger/scheduler';
import type { Knex } from 'knex';

/** The scheduler's migrations are recorded in a table of their own, apart from storage's. */
export const SCHEDULER_MIGRATIONS_TABLE = 'accessledger_scheduler_migrations';

const schedulerMigrator: Knex.MigratorConfig = {
  migrationSource: schedulerMigrationSource,
  tableName: SCHEDULER_MIGRATIONS_TABLE,
};

/** Applies every package's pending migrations (storage's, then the scheduler's); returns their names. */
export async function migrateAll(knex: Knex): Promise<string[]> {
  const storage = await migrateLatest(knex);
  const [, scheduler] = (await knex.migrate.latest(schedulerMigrator)) as [number, string[]];
  return [...storage, ...scheduler];
}

/** Where the database stands, for both packages; throws when storage's schema is newer than this code. */
export async function schemaStatus(knex: Knex): Promise<SchemaStatus> {
  const storage = await checkSchema(knex);
  const applied = (await knex.schema.hasTable(SCHEDULER_MIGRATIONS_TABLE))
    ? new Set(
        (await knex(SCHEDULER_MIGRATIONS_TABLE).select<{ name: string }[]>('name')).map((row) => row.name),
      )
    : new Set<string>();
  const pending = schedulerMigrations.map((migration) => migration.name).filter((name) => !applied.has(name));
  return { ...storage, pending: [...storage.pending, ...pending] };
}
