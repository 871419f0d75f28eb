import type { Knex } from 'knex';
import { Functions, Tables, Views } from '../tables.js';

const T = Tables;
const F = Functions;

/** The condition that version row `alias` is valid at snapshot row `snapshotAlias`. */
function validAt(alias: string, snapshotAlias: string): string {
  return `${alias}.connection_id = ${snapshotAlias}.connection_id
    AND ${alias}.valid_from_snapshot_id <= ${snapshotAlias}.id
    AND (${alias}.valid_to_snapshot_id IS NULL OR ${alias}.valid_to_snapshot_id > ${snapshotAlias}.id)`;
}

function asOfFunctions(table: string, functionName: string): string[] {
  return [
    `CREATE FUNCTION ${functionName}(p_snapshot_id bigint) RETURNS SETOF ${table}
     LANGUAGE sql STABLE AS $$
       SELECT v.* FROM ${table} v JOIN ${T.snapshots} s ON s.id = p_snapshot_id WHERE ${validAt('v', 's')}
     $$`,
    `CREATE FUNCTION ${functionName}(p_connection_id bigint, p_at timestamptz) RETURNS SETOF ${table}
     LANGUAGE sql STABLE AS $$ SELECT * FROM ${functionName}(${F.snapshotAt}(p_connection_id, p_at)) $$`,
  ];
}

/**
 * Versions valid at `from` but not at `to` (ended) and valid at `to` but not at `from` (started),
 * full-joined on the thing's key: only one side means added or removed, both sides means changed.
 */
function diffSource(table: string): string {
  return `
    ended AS (
      SELECT v.* FROM ${table} v
      WHERE v.connection_id = v_connection_id AND v.valid_from_snapshot_id <= v_from
        AND v.valid_to_snapshot_id > v_from AND v.valid_to_snapshot_id <= p_to_snapshot_id
    ),
    started AS (
      SELECT v.* FROM ${table} v
      WHERE v.connection_id = v_connection_id AND v.valid_from_snapshot_id > v_from
        AND v.valid_from_snapshot_id <= p_to_snapshot_id
        AND (v.valid_to_snapshot_id IS NULL OR v.valid_to_snapshot_id > p_to_snapshot_id)
    )`;
}

const diffPrologue = `
  #variable_conflict use_column
  DECLARE
    v_connection_id bigint := ${F.snapshotPairConnection}(p_from_snapshot_id, p_to_snapshot_id);
    v_from bigint := coalesce(p_from_snapshot_id, 0);
  BEGIN`;

const statements: string[] = [
  `CREATE VIEW ${Views.latestSnapshots} AS
   SELECT DISTINCT ON (s.connection_id) s.*, c.name AS connection_name
   FROM ${T.snapshots} s JOIN ${T.connections} c ON c.id = s.connection_id
   ORDER BY s.connection_id, s.taken_at DESC`,

  `CREATE VIEW ${Views.currentAccounts} AS
   SELECT a.connection_id, a.external_id, a.username, a.email, a.display_name, a.status, a.account_type,
          a.account_created_at, a.attributes, s.taken_at AS valid_from, a.valid_from_snapshot_id
   FROM ${T.accounts} a JOIN ${T.snapshots} s ON s.id = a.valid_from_snapshot_id
   WHERE a.valid_to_snapshot_id IS NULL`,

  `CREATE VIEW ${Views.currentEntitlements} AS
   SELECT e.connection_id, e.type, e.external_id, e.name, e.description, e.grantable, e.revocable, e.exclusive,
          e.attributes, s.taken_at AS valid_from, e.valid_from_snapshot_id
   FROM ${T.entitlements} e JOIN ${T.snapshots} s ON s.id = e.valid_from_snapshot_id
   WHERE e.valid_to_snapshot_id IS NULL`,

  `CREATE VIEW ${Views.currentGrants} AS
   SELECT g.connection_id, g.account_external_id, g.entitlement_type, g.entitlement_external_id, g.via_type,
          g.via_external_id, g.granted_at, g.expires_at, g.attributes, s.taken_at AS valid_from,
          g.valid_from_snapshot_id
   FROM ${T.grants} g JOIN ${T.snapshots} s ON s.id = g.valid_from_snapshot_id
   WHERE g.valid_to_snapshot_id IS NULL`,

  `CREATE VIEW ${Views.currentActivity} AS
   SELECT a.connection_id, a.account_external_id, a.source, a.last_activity_at, s.taken_at AS valid_from
   FROM ${T.activity} a JOIN ${T.snapshots} s ON s.id = a.valid_from_snapshot_id
   WHERE a.valid_to_snapshot_id IS NULL`,

  // Grants with the names people search for; outer joins keep a grant visible even when the
  // connector emitted no matching account or entitlement.
  `CREATE VIEW ${Views.currentAccess} AS
   SELECT g.connection_id, g.account_external_id, a.username, a.display_name, a.status AS account_status,
          g.entitlement_type, g.entitlement_external_id, e.name AS entitlement_name,
          e.attributes AS entitlement_attributes, g.via_type, g.via_external_id, via.name AS via_name,
          g.granted_at, g.expires_at, g.valid_from
   FROM ${Views.currentGrants} g
   LEFT JOIN ${Views.currentAccounts} a
     ON a.connection_id = g.connection_id AND a.external_id = g.account_external_id
   LEFT JOIN ${Views.currentEntitlements} e
     ON e.connection_id = g.connection_id AND e.type = g.entitlement_type AND e.external_id = g.entitlement_external_id
   LEFT JOIN ${Views.currentEntitlements} via
     ON via.connection_id = g.connection_id AND via.type = g.via_type AND via.external_id = g.via_external_id`,

  `CREATE FUNCTION ${F.snapshotAt}(p_connection_id bigint, p_at timestamptz) RETURNS bigint
   LANGUAGE sql STABLE AS $$
     SELECT s.id FROM ${T.snapshots} s WHERE s.connection_id = p_connection_id AND s.taken_at <= p_at
     ORDER BY s.taken_at DESC LIMIT 1
   $$`,

  ...asOfFunctions(T.accounts, F.accountsAsOf),
  ...asOfFunctions(T.entitlements, F.entitlementsAsOf),
  ...asOfFunctions(T.grants, F.grantsAsOf),
  ...asOfFunctions(T.activity, F.activityAsOf),

  `CREATE FUNCTION ${F.snapshotPairConnection}(p_from_snapshot_id bigint, p_to_snapshot_id bigint) RETURNS bigint
   LANGUAGE plpgsql STABLE AS $$
   DECLARE
     v_to_connection bigint;
     v_from_connection bigint;
   BEGIN
     SELECT connection_id INTO v_to_connection FROM ${T.snapshots} WHERE id = p_to_snapshot_id;
     IF v_to_connection IS NULL THEN
       RAISE EXCEPTION 'snapshot % does not exist', p_to_snapshot_id
         USING HINT = 'Pick a snapshot id from the snapshots table or latest_snapshots view.';
     END IF;
     IF p_from_snapshot_id IS NULL THEN
       RETURN v_to_connection;
     END IF;
     SELECT connection_id INTO v_from_connection FROM ${T.snapshots} WHERE id = p_from_snapshot_id;
     IF v_from_connection IS NULL THEN
       RAISE EXCEPTION 'snapshot % does not exist', p_from_snapshot_id
         USING HINT = 'Pass NULL as the first snapshot to compare against an empty history.';
     END IF;
     IF v_from_connection <> v_to_connection THEN
       RAISE EXCEPTION 'snapshots % and % belong to different connections (% and %)',
         p_from_snapshot_id, p_to_snapshot_id, v_from_connection, v_to_connection
         USING HINT = 'Compare two snapshots of the same connection.';
     END IF;
     IF p_from_snapshot_id > p_to_snapshot_id THEN
       RAISE EXCEPTION 'snapshot % is newer than snapshot %', p_from_snapshot_id, p_to_snapshot_id
         USING HINT = 'Pass the older snapshot first.';
     END IF;
     RETURN v_to_connection;
   END $$`,

  `CREATE FUNCTION ${F.grantChanges}(p_from_snapshot_id bigint, p_to_snapshot_id bigint)
   RETURNS TABLE (change text, account_external_id text, entitlement_type text, entitlement_external_id text,
                  via_type text, via_external_id text, before_attributes jsonb, after_attributes jsonb)
   LANGUAGE plpgsql STABLE AS $$ ${diffPrologue}
     RETURN QUERY WITH ${diffSource(T.grants)}
     SELECT CASE WHEN e.id IS NULL THEN 'added' WHEN s.id IS NULL THEN 'removed' ELSE 'changed' END,
            coalesce(s.account_external_id, e.account_external_id),
            coalesce(s.entitlement_type, e.entitlement_type),
            coalesce(s.entitlement_external_id, e.entitlement_external_id),
            coalesce(s.via_type, e.via_type),
            coalesce(s.via_external_id, e.via_external_id),
            e.attributes, s.attributes
     FROM ended e FULL JOIN started s ON s.key_hash = e.key_hash;
   END $$`,

  `CREATE FUNCTION ${F.accountChanges}(p_from_snapshot_id bigint, p_to_snapshot_id bigint)
   RETURNS TABLE (change text, external_id text, username text, before_status text, after_status text,
                  before_attributes jsonb, after_attributes jsonb)
   LANGUAGE plpgsql STABLE AS $$ ${diffPrologue}
     RETURN QUERY WITH ${diffSource(T.accounts)}
     SELECT CASE WHEN e.id IS NULL THEN 'created'
                 WHEN s.id IS NULL THEN 'removed'
                 WHEN e.status <> s.status AND s.status = 'inactive' THEN 'deactivated'
                 WHEN e.status <> s.status AND s.status = 'suspended' THEN 'suspended'
                 WHEN e.status <> s.status AND s.status = 'active' THEN 'reactivated'
                 ELSE 'changed' END,
            coalesce(s.external_id, e.external_id), coalesce(s.username, e.username),
            e.status, s.status, e.attributes, s.attributes
     FROM ended e FULL JOIN started s ON s.key_hash = e.key_hash;
   END $$`,

  `CREATE FUNCTION ${F.entitlementChanges}(p_from_snapshot_id bigint, p_to_snapshot_id bigint)
   RETURNS TABLE (change text, type text, external_id text, before_name text, after_name text,
                  before_attributes jsonb, after_attributes jsonb)
   LANGUAGE plpgsql STABLE AS $$ ${diffPrologue}
     RETURN QUERY WITH ${diffSource(T.entitlements)}
     SELECT CASE WHEN e.id IS NULL THEN 'added' WHEN s.id IS NULL THEN 'removed' ELSE 'changed' END,
            coalesce(s.type, e.type), coalesce(s.external_id, e.external_id),
            e.name, s.name, e.attributes, s.attributes
     FROM ended e FULL JOIN started s ON s.key_hash = e.key_hash;
   END $$`,

  // A version that does not continue the previous one (no version ended where it starts) is an
  // appearance; one that no next version continues is a disappearance.
  `CREATE FUNCTION ${F.accountTimeline}(p_connection_id bigint, p_account_external_id text)
   RETURNS TABLE (taken_at timestamptz, snapshot_id bigint, event text, entitlement_type text,
                  entitlement_external_id text, entitlement_name text, via_type text, via_external_id text,
                  details jsonb)
   LANGUAGE sql STABLE AS $$
     WITH account_versions AS (
       SELECT a.*, lag(a.valid_to_snapshot_id) OVER w AS previous_valid_to, lag(a.status) OVER w AS previous_status,
              lead(a.valid_from_snapshot_id) OVER w AS next_valid_from, row_number() OVER w AS version_number
       FROM ${T.accounts} a
       WHERE a.connection_id = p_connection_id AND a.external_id = p_account_external_id
       WINDOW w AS (ORDER BY a.valid_from_snapshot_id)
     ),
     grant_versions AS (
       SELECT g.*, lag(g.valid_to_snapshot_id) OVER w AS previous_valid_to,
              lead(g.valid_from_snapshot_id) OVER w AS next_valid_from
       FROM ${T.grants} g
       WHERE g.connection_id = p_connection_id AND g.account_external_id = p_account_external_id
       WINDOW w AS (PARTITION BY g.key_hash ORDER BY g.valid_from_snapshot_id)
     ),
     events AS (
       SELECT v.valid_from_snapshot_id AS snapshot_id, 0 AS event_order,
              CASE WHEN v.version_number = 1 THEN 'account_created'
                   WHEN v.previous_valid_to IS DISTINCT FROM v.valid_from_snapshot_id THEN 'account_reappeared'
                   WHEN v.previous_status IS DISTINCT FROM v.status AND v.status = 'inactive' THEN 'account_deactivated'
                   WHEN v.previous_status IS DISTINCT FROM v.status AND v.status = 'suspended' THEN 'account_suspended'
                   WHEN v.previous_status IS DISTINCT FROM v.status THEN 'account_reactivated'
                   ELSE 'account_changed' END AS event,
              NULL::text AS entitlement_type, NULL::text AS entitlement_external_id,
              NULL::text AS via_type, NULL::text AS via_external_id,
              jsonb_build_object('status', v.status, 'username', v.username, 'attributes', v.attributes) AS details
       FROM account_versions v
       UNION ALL
       SELECT v.valid_to_snapshot_id, 0, 'account_removed', NULL, NULL, NULL, NULL,
              jsonb_build_object('status', v.status, 'username', v.username)
       FROM account_versions v
       WHERE v.valid_to_snapshot_id IS NOT NULL AND v.next_valid_from IS DISTINCT FROM v.valid_to_snapshot_id
       UNION ALL
       SELECT g.valid_from_snapshot_id, 1,
              CASE WHEN g.previous_valid_to IS DISTINCT FROM g.valid_from_snapshot_id THEN 'granted'
                   ELSE 'grant_changed' END,
              g.entitlement_type, g.entitlement_external_id, g.via_type, g.via_external_id,
              jsonb_build_object('grantedAt', g.granted_at, 'expiresAt', g.expires_at, 'attributes', g.attributes)
       FROM grant_versions g
       UNION ALL
       SELECT g.valid_to_snapshot_id, 1, 'revoked', g.entitlement_type, g.entitlement_external_id,
              g.via_type, g.via_external_id, '{}'::jsonb
       FROM grant_versions g
       WHERE g.valid_to_snapshot_id IS NOT NULL AND g.next_valid_from IS DISTINCT FROM g.valid_to_snapshot_id
     )
     SELECT s.taken_at, ev.snapshot_id, ev.event, ev.entitlement_type, ev.entitlement_external_id,
            (SELECT en.name FROM ${T.entitlements} en
              WHERE en.connection_id = p_connection_id AND en.type = ev.entitlement_type
                AND en.external_id = ev.entitlement_external_id AND en.valid_from_snapshot_id <= ev.snapshot_id
              ORDER BY en.valid_from_snapshot_id DESC LIMIT 1),
            ev.via_type, ev.via_external_id, ev.details
     FROM events ev JOIN ${T.snapshots} s ON s.id = ev.snapshot_id
     ORDER BY ev.snapshot_id, ev.event_order, ev.entitlement_type, ev.entitlement_external_id, ev.via_type NULLS FIRST,
              ev.via_external_id NULLS FIRST, ev.event
   $$`,
];

export async function up(knex: Knex): Promise<void> {
  for (const statement of statements) {
    await knex.raw(statement);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP FUNCTION ${F.accountTimeline}(bigint, text)`);
  for (const name of [F.entitlementChanges, F.accountChanges, F.grantChanges, F.snapshotPairConnection]) {
    await knex.raw(`DROP FUNCTION ${name}(bigint, bigint)`);
  }
  for (const name of [F.activityAsOf, F.grantsAsOf, F.entitlementsAsOf, F.accountsAsOf]) {
    await knex.raw(`DROP FUNCTION ${name}(bigint, timestamptz)`);
    await knex.raw(`DROP FUNCTION ${name}(bigint)`);
  }
  await knex.raw(`DROP FUNCTION ${F.snapshotAt}(bigint, timestamptz)`);
  for (const view of [
    Views.currentAccess,
    Views.currentActivity,
    Views.currentGrants,
    Views.currentEntitlements,
    Views.currentAccounts,
    Views.latestSnapshots,
  ]) {
    await knex.raw(`DROP VIEW ${view}`);
  }
}
