import type { Knex } from 'knex';
import { SchemaTooNewError } from '../errors.js';
import { MIGRATIONS_TABLE } from '../tables.js';
import * as createConnections from './20261128180000_create_connections.js';
import * as createSyncRuns from './20261128180100_create_sync_runs.js';
import * as createAccessVersions from './20261128180200_create_access_versions.js';
import * as createHistoryViews from './20261128180300_create_history_views.js';
import * as addEffectiveAccessViews from './20261201231000_add_effective_access_views.js';
import * as createProvisioningAudit from './20261201231500_create_provisioning_audit.js';
import * as addSyncRunsRunner from './20261201234500_add_sync_runs_runner.js';

interface NamedMigration {
  readonly name: string;
  readonly migration: Knex.Migration;
}

/**
 * Every migration, oldest first. Listed rather than discovered so that the
 * same list runs under vitest, tsx and the compiled package.
 */
export const migrations: readonly NamedMigration[] = [
  { name: '20261128180000_create_connections', migration: createConnections },
  { name: '20261128180100_create_sync_runs', migration: createSyncRuns },
  { name: '20261128180200_create_access_versions', migration: createAccessVersions },
  { name: '20261128180300_create_history_views', migration: createHistoryViews },
  { name: '20261201231000_add_effective_access_views', migration: addEffectiveAccessViews },
  { name: '20261201231500_create_provisioning_audit', migration: createProvisioningAudit },
  { name: '20261201234500_add_sync_runs_runner', migration: addSyncRunsRunner },
];

const migrationSource: Knex.MigrationSource<NamedMigration> = {
  getMigrations: async () => [...migrations],
  getMigrationName: (entry) => entry.name,
  getMigration: async (entry) => entry.migration,
};

const migratorConfig: Knex.MigratorConfig = {
  migrationSource,
  tableName: MIGRATIONS_TABLE,
  // Each migration in its own transaction (knex's default, stated to keep it so).
  disableTransactions: false,
};

export interface SchemaStatus {
  /** The newest migration applied to the database, or null on an empty database. */
  readonly databaseVersion: string | null;
  /** The newest migration this code knows. */
  readonly codeVersion: string;
  /** Known migrations not yet applied, oldest first. */
  readonly pending: readonly string[];
}

/** Reports where the database stands; throws `SchemaTooNewError` when it has migrations this code lacks. */
export async function checkSchema(knex: Knex): Promise<SchemaStatus> {
  return checkMigrations(
    knex,
    MIGRATIONS_TABLE,
    migrations.map((entry) => entry.name),
  );
}

/**
 * The same check for any set of migrations recorded in its own Knex table (the
 * scheduler's): a database with migrations this code does not know stops it
 * with `SchemaTooNewError` before Knex would refuse with a less helpful message.
 */
export async function checkMigrations(
  knex: Knex,
  table: string,
  known: readonly string[],
): Promise<SchemaStatus> {
  const codeVersion = known[known.length - 1] ?? '';
  const applied = (await knex.schema.hasTable(table))
    ? (await knex(table).select<{ name: string }[]>('name')).map((row) => row.name).sort()
    : [];
  const unknown = applied.filter((name) => !known.includes(name));
  const databaseVersion = applied[applied.length - 1] ?? null;
  if (unknown.length > 0) {
    throw new SchemaTooNewError(unknown[unknown.length - 1] ?? '', codeVersion, unknown);
  }
  return { databaseVersion, codeVersion, pending: known.filter((name) => !applied.includes(name)) };
}

/**
 * Brings the schema up to date; what `accessledger db migrate` and the daemon
 * call at start. Returns the migrations it applied.
 *
 * @example
 * const db = await openDatabase(databaseConfigFromEnv());
 * const applied = await migrateLatest(db.knex);
 */
export async function migrateLatest(knex: Knex): Promise<readonly string[]> {
  await checkSchema(knex);
  const [, applied] = (await knex.migrate.latest(migratorConfig)) as [number, string[]];
  return applied;
}

/** Undoes the most recent migration (for development and the migration tests). */
export async function migrateDown(knex: Knex): Promise<string | null> {
  await checkSchema(knex);
  const [, undone] = (await knex.migrate.down(migratorConfig)) as [number, string[]];
  return undone[0] ?? null;
}

/** Undoes every migration. */
export async function migrateRollbackAll(knex: Knex): Promise<readonly string[]> {
  await checkSchema(knex);
  const [, undone] = (await knex.migrate.rollback(migratorConfig, true)) as [number, string[]];
  return undone;
}
