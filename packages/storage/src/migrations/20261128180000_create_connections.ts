import type { Knex } from 'knex';
import { Tables } from '../tables.js';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE ${Tables.connections} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      connector_id text NOT NULL CHECK (btrim(connector_id) <> ''),
      name text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
      config jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(config) = 'object'),
      schedule jsonb CHECK (schedule IS NULL OR jsonb_typeof(schedule) = 'object'),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  // ciphertext = 12-byte nonce || 16-byte GCM tag || encrypted value; key_fingerprint names the key
  // that sealed it so that a wrong key is reported as such rather than as corruption.
  await knex.raw(`
    CREATE TABLE ${Tables.credentials} (
      connection_id bigint NOT NULL REFERENCES ${Tables.connections} (id) ON DELETE CASCADE,
      name text NOT NULL CHECK (btrim(name) <> ''),
      ciphertext bytea NOT NULL,
      key_fingerprint text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (connection_id, name)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE ${Tables.credentials}`);
  await knex.raw(`DROP TABLE ${Tables.connections}`);
}
