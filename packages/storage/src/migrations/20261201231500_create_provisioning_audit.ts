import type { Knex } from 'knex';
import { Tables } from '../tables.js';

/**
 * The audit trail of provisioning: one row per action (dry runs too), written
 * as `running` before the first call and finished once. Rows are never
 * deleted, and a finished row never changes (a trigger refuses both), so the
 * trail shows what was done even after its connection is renamed or removed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE ${Tables.provisioningAudit} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      connection_id bigint NOT NULL,
      connection_name text NOT NULL,
      operation text NOT NULL CHECK (btrim(operation) <> ''),
      account_external_id text,
      target jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(target) = 'object'),
      dry_run boolean NOT NULL,
      outcome text NOT NULL DEFAULT 'running'
        CHECK (outcome IN ('running', 'changed', 'unchanged', 'partial', 'failed')),
      calls jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(calls) = 'array'),
      api_requests integer,
      error_code text,
      error_message text,
      os_user text NOT NULL,
      host text NOT NULL,
      started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      finished_at timestamptz,
      CONSTRAINT provisioning_audit_finished_when_done CHECK ((outcome = 'running') = (finished_at IS NULL)),
      CONSTRAINT provisioning_audit_error_only_when_failed CHECK (outcome IN ('failed', 'partial') OR error_code IS NULL)
    )`);
  await knex.raw(
    `CREATE INDEX provisioning_audit_connection_started ON ${Tables.provisioningAudit} (connection_id, started_at DESC)`,
  );
  await knex.raw(`CREATE INDEX provisioning_audit_started ON ${Tables.provisioningAudit} (started_at DESC)`);
  await knex.raw(`
    CREATE FUNCTION provisioning_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'provisioning_audit rows are never deleted';
      END IF;
      IF OLD.outcome <> 'running' THEN
        RAISE EXCEPTION 'provisioning_audit row % is finished and cannot change', OLD.id;
      END IF;
      RETURN NEW;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER provisioning_audit_append_only
      BEFORE UPDATE OR DELETE ON ${Tables.provisioningAudit}
      FOR EACH ROW EXECUTE FUNCTION provisioning_audit_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE ${Tables.provisioningAudit}`);
  await knex.raw(`DROP FUNCTION provisioning_audit_append_only()`);
}
