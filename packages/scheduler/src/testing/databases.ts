import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import knexModule from 'knex';
import type { Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';
import { schedulerMigrationSource } from '../migrations/index.js';

/**
 * Databases for the coordinator suites: a fresh Postgres database per suite,
 * or an in-memory PGlite (the embedded setup), both migrated.
 */

export const adminUrl = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const inCi = process.env['CI'] === 'true';

async function probePostgres(): Promise<string | null> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgresUnreachable: string | null = await probePostgres();
/** Skip the Postgres suite only outside CI; in CI an unreachable Postgres fails it. */
export const skipPostgres = postgresUnreachable !== null && !inCi;
export const postgresTitle = skipPostgres
  ? `PostgresRunCoordinator on pg (skipped: Postgres unreachable at ${adminUrl}: ${postgresUnreachable})`
  : 'PostgresRunCoordinator on pg';

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
  if (postgresUnreachable !== null) {
    throw new Error(
      `Postgres is unreachable at ${adminUrl} (${postgresUnreachable}) and CI=true requires it. ` +
        'Start Postgres 15 or set TEST_DATABASE_URL.',
    );
  }
  const name = `accessledger_sched_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pools: Knex[] = [];
  const connect = (): Knex => {
    const knex = knexModule.knex({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 4 } });
    pools.push(knex);
    return knex;
  };
  await connect().migrate.latest(migratorConfig);
  return {
    connect,
    dispose: async () => {
      await Promise.all(pools.map((knex) => knex.destroy()));
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
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

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
