import type { Knex } from 'knex';
import { Tables, VersionedTables } from '../tables.js';

/**
 * Every versioned row is valid from the snapshot that first saw it (inclusive)
 * until the first snapshot that no longer saw it or saw it changed (exclusive;
 * NULL while current). `key_hash` identifies the thing, `content_hash` its
 * content; both are computed by the writer. Snapshot ids grow with time within
 * a connection, so validity is compared on ids.
 */
// No foreign key on connection_id: its per-row trigger doubled the cost of writing a large first
// snapshot. The writer only writes for existing connections, and ConnectionStore.delete removes the
// versions with the connection.
const versionColumns = `
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  connection_id bigint NOT NULL,
  key_hash uuid NOT NULL,
  content_hash uuid NOT NULL,
  valid_from_snapshot_id bigint NOT NULL,
  valid_to_snapshot_id bigint,
  CHECK (valid_to_snapshot_id IS NULL OR valid_to_snapshot_id > valid_from_snapshot_id)`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE ${Tables.accounts} (
      ${versionColumns},
      external_id text NOT NULL,
      username text NOT NULL,
      email text,
      display_name text NOT NULL,
      status text NOT NULL CHECK (status IN ('active', 'suspended', 'inactive')),
      account_type text,
      account_created_at timestamptz,
      attributes jsonb NOT NULL DEFAULT '{}'::jsonb
    )`);
  await knex.raw(`
    CREATE TABLE ${Tables.entitlements} (
      ${versionColumns},
      type text NOT NULL,
      external_id text NOT NULL,
      name text NOT NULL,
      description text,
      grantable boolean NOT NULL,
      revocable boolean NOT NULL,
      exclusive boolean NOT NULL,
      attributes jsonb NOT NULL DEFAULT '{}'::jsonb
    )`);
  await knex.raw(`
    CREATE TABLE ${Tables.grants} (
      ${versionColumns},
      account_external_id text NOT NULL,
      entitlement_type text NOT NULL,
      entitlement_external_id text NOT NULL,
      via_type text,
      via_external_id text,
      granted_at timestamptz,
      expires_at timestamptz,
      attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
      CHECK ((via_type IS NULL) = (via_external_id IS NULL))
    )`);
  await knex.raw(`
    CREATE TABLE ${Tables.activity} (
      ${versionColumns},
      account_external_id text NOT NULL,
      source text NOT NULL,
      last_activity_at timestamptz
    )`);

  for (const table of VersionedTables) {
    // One current version per thing. The writer reads (key_hash, content_hash) of all current
    // versions at the start of every sync: INCLUDE makes that an index-only scan.
    await knex.raw(
      `CREATE UNIQUE INDEX ${table}_current_key ON ${table} (connection_id, key_hash) INCLUDE (content_hash)
       WHERE valid_to_snapshot_id IS NULL`,
    );
    // Diffs and timelines look for versions that started or ended between two snapshots.
    await knex.raw(`CREATE INDEX ${table}_valid_from ON ${table} (connection_id, valid_from_snapshot_id)`);
    await knex.raw(
      `CREATE INDEX ${table}_valid_to ON ${table} (connection_id, valid_to_snapshot_id) WHERE valid_to_snapshot_id IS NOT NULL`,
    );
  }
  // An account's grants and activity (timeline, current grants of an account), an entitlement's holders.
  await knex.raw(`CREATE INDEX accounts_external_id ON ${Tables.accounts} (connection_id, external_id)`);
  await knex.raw(
    `CREATE INDEX entitlements_external_id ON ${Tables.entitlements} (connection_id, external_id)`,
  );
  await knex.raw(
    `CREATE INDEX grants_account ON ${Tables.grants} (connection_id, account_external_id, valid_from_snapshot_id)`,
  );
  await knex.raw(
    `CREATE INDEX grants_entitlement ON ${Tables.grants} (connection_id, entitlement_external_id, entitlement_type)`,
  );
  await knex.raw(`CREATE INDEX activity_account ON ${Tables.activity} (connection_id, account_external_id)`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [...VersionedTables].reverse()) {
    await knex.raw(`DROP TABLE ${table}`);
  }
}
