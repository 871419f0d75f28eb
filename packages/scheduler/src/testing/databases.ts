import { PGlite } from '@electric-sql/pglite';
import knexModule from 'knex';
import type { Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { createScratchDatabase, postgresSuiteTitle, skipPostgres } from '@accessledger/test-postgres';
import { schedulerMigrationSource } from '../migrations/index.js';

/**
 * Databases for the coordinator suites: a fresh Postgres database per suite,
 * or an in-memory PGlite (the embedded setup), both migrated.
 */

/** The Postgres suite's title, with the reason when it is skipped (outside CI only). */
export const postgresTitle = postgresSuiteTitle('PostgresRunCoordinator on pg');
export { skipPostgres };

export const migratorConfig: Knex.MigratorConfig = {
  migrationSource: schedulerMigrationSource,
  tableName: 'scheduler_knex_migrations',
};

export interface TestDatabase {
  /** A new Knex pool per call: each stands for one replica. */
  connect(): Knex;
  dispose(): Promise<void>;
}

export async function createPostgresDatabase(): Promise<TestDatabase> {
  const scratch = await createScratchDatabase('accessledger_sched');
  const pools: Knex[] = [];
  const connect = (): Knex => {
    const knex = knexModule.knex({ client: 'pg', connection: scratch.url, pool: { min: 0, max: 4 } });
    pools.push(knex);
    return knex;
  };
  await connect().migrate.latest(migratorConfig);
  return {
    connect,
    dispose: async () => {
      await Promise.all(pools.map((knex) => knex.destroy()));
      await scratch.drop();
    },
  };
}

/** PGlite is one in-process connection: every "replica" shares it, which still exercises the SQL. */
export async function createPgliteDatabase(): Promise<TestDatabase> {
  const pglite = new PGlite();
  const knex = knexModule.knex({
    client: ClientPgLite,
    dialect: 'postgres',
    connection: () => ({ pglite }) as object,
  });
  await knex.migrate.latest(migratorConfig);
  return {
    connect: () => knex,
    dispose: async () => {
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}
