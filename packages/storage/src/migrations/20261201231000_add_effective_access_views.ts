import type { Knex } from 'knex';
import { Views } from '../tables.js';

/**
 * `current_access` gains the grant's and the account's attributes and the
 * account type, so that SQL can tell standing from time-limited access
 * (`grant_attributes ->> 'accessKind'`), see what a permission set group mutes
 * in a permission set held through it (`grant_attributes -> 'mutedPermissions'`)
 * and leave out non-human accounts (`account_attributes ->> 'kind'`).
 * Columns are appended, so CREATE OR REPLACE keeps every existing column.
 *
 * `current_effective_permissions` has one row per account, permission and
 * grant that carries it: a permission listed in the entitlement's
 * `permissions` unless the grant names it in `mutedPermissions`.
 */
const ACCESS_COLUMNS = `g.connection_id, g.account_external_id, a.username, a.display_name, a.status AS account_status,
          g.entitlement_type, g.entitlement_external_id, e.name AS entitlement_name,
          e.attributes AS entitlement_attributes, g.via_type, g.via_external_id, via.name AS via_name,
          g.granted_at, g.expires_at, g.valid_from`;

const ACCESS_JOINS = `FROM ${Views.currentGrants} g
   LEFT JOIN ${Views.currentAccounts} a
     ON a.connection_id = g.connection_id AND a.external_id = g.account_external_id
   LEFT JOIN ${Views.currentEntitlements} e
     ON e.connection_id = g.connection_id AND e.type = g.entitlement_type AND e.external_id = g.entitlement_external_id
   LEFT JOIN ${Views.currentEntitlements} via
     ON via.connection_id = g.connection_id AND via.type = g.via_type AND via.external_id = g.via_external_id`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE OR REPLACE VIEW ${Views.currentAccess} AS
   SELECT ${ACCESS_COLUMNS},
          g.attributes AS grant_attributes, a.attributes AS account_attributes, a.account_type
   ${ACCESS_JOINS}`);
  await knex.raw(`CREATE VIEW ${Views.currentEffectivePermissions} AS
   SELECT x.connection_id, x.account_external_id, x.username, x.account_status, x.account_type,
          x.account_attributes ->> 'kind' AS account_kind, p.key AS permission,
          x.entitlement_type, x.entitlement_external_id, x.entitlement_name, x.via_type, x.via_external_id,
          x.via_name, x.expires_at, x.grant_attributes ->> 'accessKind' AS access_kind
   FROM ${Views.currentAccess} x
   CROSS JOIN LATERAL jsonb_each(coalesce(x.entitlement_attributes -> 'permissions', '{}'::jsonb)) p
   WHERE p.value = 'true'::jsonb
     AND (x.grant_attributes -> 'mutedPermissions' -> p.key) IS NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP VIEW ${Views.currentEffectivePermissions}`);
  // Removing columns needs a fresh view: CREATE OR REPLACE cannot drop them.
  await knex.raw(`DROP VIEW ${Views.currentAccess}`);
  await knex.raw(`CREATE VIEW ${Views.currentAccess} AS SELECT ${ACCESS_COLUMNS} ${ACCESS_JOINS}`);
}
