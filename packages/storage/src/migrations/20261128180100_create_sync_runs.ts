import type { Knex } from 'knex';
import { Tables } from '../tables.js';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE ${Tables.syncRuns} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      connection_id bigint NOT NULL REFERENCES ${Tables.connections} (id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('sync', 'activity')),
      status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed', 'aborted')),
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      item_counts jsonb NOT NULL DEFAULT '{}'::jsonb,
      api_usage jsonb,
      error_code text,
      error_message text,
      CONSTRAINT sync_runs_finished_when_not_running CHECK ((status = 'running') = (finished_at IS NULL)),
      CONSTRAINT sync_runs_error_only_when_unsuccessful CHECK (status IN ('failed', 'aborted') OR error_code IS NULL)
    )`);
  await knex.raw(
    `CREATE INDEX sync_runs_connection_started ON ${Tables.syncRuns} (connection_id, started_at DESC)`,
  );
  await knex.raw(
    `CREATE INDEX sync_runs_running ON ${Tables.syncRuns} (started_at) WHERE status = 'running'`,
  );

  await knex.raw(`
    CREATE TABLE ${Tables.snapshots} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      connection_id bigint NOT NULL REFERENCES ${Tables.connections} (id) ON DELETE CASCADE,
      sync_run_id bigint NOT NULL UNIQUE REFERENCES ${Tables.syncRuns} (id) ON DELETE CASCADE,
      taken_at timestamptz NOT NULL,
      account_count integer NOT NULL,
      entitlement_count integer NOT NULL,
      grant_count integer NOT NULL,
      activity_count integer NOT NULL,
      versions_opened integer NOT NULL,
      versions_closed integer NOT NULL,
      CONSTRAINT snapshots_one_per_instant UNIQUE (connection_id, taken_at)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE ${Tables.snapshots}`);
  await knex.raw(`DROP TABLE ${Tables.syncRuns}`);
}
