import type { Knex } from 'knex';
import * as createSchedulerLeases from './20261128184832_create_scheduler_leases.js';

/** A migration of this package, in the shape a Knex `migrationSource` can hand out. */
export interface SchedulerMigration {
  readonly name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
  readonly config?: { readonly transaction?: boolean };
}

/**
 * The scheduler's migrations, oldest first. Listed rather than discovered so
 * that the app can run them next to storage's from one migration source.
 *
 * @example
 * const source: Knex.MigrationSource<SchedulerMigration> = {
 *   getMigrations: async () => [...schedulerMigrations],
 *   getMigrationName: (migration) => migration.name,
 *   getMigration: async (migration) => migration,
 * };
 * await knex.migrate.latest({ migrationSource: source });
 */
export const schedulerMigrations: readonly SchedulerMigration[] = [
  {
    name: '20261128184832_create_scheduler_leases',
    up: createSchedulerLeases.up,
    down: createSchedulerLeases.down,
    config: createSchedulerLeases.config,
  },
];

/** A ready migration source over `schedulerMigrations`, for running them on their own. */
export const schedulerMigrationSource: Knex.MigrationSource<SchedulerMigration> = {
  getMigrations: async () => [...schedulerMigrations],
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration,
};
