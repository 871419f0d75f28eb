import type { AccountStatus, EntitlementRef } from '@accessledger/core';
import type { Knex } from 'knex';
import { toHeldGrant } from './mapping.js';
import type { HeldGrant } from './model.js';
import type { HeldGrantRow } from './rows.js';
import { Functions, Tables } from './tables.js';

/** One account holding an entitlement at a snapshot, directly or through another one. */
export interface Holder {
  readonly accountExternalId: string;
  readonly username: string | null;
  readonly displayName: string | null;
  readonly status: AccountStatus | null;
  readonly via: EntitlementRef | null;
  readonly viaName: string | null;
  readonly expiresAt: Date | null;
  /** When the snapshot that first saw this holding (unbroken up to the snapshot asked about) was taken. */
  readonly heldSince: Date;
}

/** Names of accounts (username) and entitlements (name) as the given snapshots saw them; later snapshots win. */
export interface Names {
  readonly accounts: ReadonlyMap<string, string>;
  /** Keyed by `type:externalId`. */
  readonly entitlements: ReadonlyMap<string, string>;
}

export function nameKey(ref: EntitlementRef): string {
  return `${ref.type}:${ref.externalId}`;
}

/**
 * Versions of one grant that follow each other without a gap form one holding; at a snapshot,
 * a grant is held since the first version of the holding valid at that snapshot.
 */
function holdingsAt(filter: string): string {
  return `WITH versions AS (
       SELECT g.*,
              CASE WHEN lag(g.valid_to_snapshot_id) OVER w = g.valid_from_snapshot_id THEN 0 ELSE 1 END AS starts_holding
       FROM ${Tables.grants} g
       WHERE g.connection_id = :connection AND ${filter} AND g.valid_from_snapshot_id <= :snapshot
       WINDOW w AS (PARTITION BY g.key_hash ORDER BY g.valid_from_snapshot_id)
     ),
     holdings AS (
       SELECT v.*, sum(v.starts_holding) OVER (PARTITION BY v.key_hash ORDER BY v.valid_from_snapshot_id) AS holding
       FROM versions v
     ),
     holding_starts AS (
       SELECT h.key_hash, h.holding, min(h.valid_from_snapshot_id) AS since_snapshot_id
       FROM holdings h GROUP BY h.key_hash, h.holding
     ),
     held AS (
       SELECT h.*, s.taken_at AS held_since
       FROM holdings h
       JOIN holding_starts hs ON hs.key_hash = h.key_hash AND hs.holding = h.holding
       JOIN ${Tables.snapshots} s ON s.id = hs.since_snapshot_id
       WHERE h.valid_to_snapshot_id IS NULL OR h.valid_to_snapshot_id > :snapshot
     )`;
}

/** The grants an account held at a snapshot (names as that snapshot saw them). */
export async function grantsAt(
  knex: Knex,
  connectionId: number,
  accountExternalId: string,
  snapshotId: number,
): Promise<HeldGrant[]> {
  const result = await knex.raw<{ rows: HeldGrantRow[] }>(
    `${holdingsAt('g.account_external_id = :account')}
     SELECT h.account_external_id, h.entitlement_type, h.entitlement_external_id, e.name AS entitlement_name,
            h.via_type, h.via_external_id, via.name AS via_name, h.granted_at, h.expires_at, h.attributes,
            h.held_since
     FROM held h
     LEFT JOIN ${Functions.entitlementsAsOf}(:snapshot) e
       ON e.type = h.entitlement_type AND e.external_id = h.entitlement_external_id
     LEFT JOIN ${Functions.entitlementsAsOf}(:snapshot) via
       ON via.type = h.via_type AND via.external_id = h.via_external_id
     ORDER BY h.entitlement_type, h.entitlement_external_id, h.via_type NULLS FIRST, h.via_external_id NULLS FIRST`,
    { connection: connectionId, account: accountExternalId, snapshot: snapshotId },
  );
  return result.rows.map(toHeldGrant);
}

interface HolderRow {
  account_external_id: string;
  username: string | null;
  display_name: string | null;
  status: AccountStatus | null;
  via_type: string | null;
  via_external_id: string | null;
  via_name: string | null;
  expires_at: Date | null;
  held_since: Date;
}

/** Who held an entitlement at a snapshot, directly and through groups: the inverse of `grantsAt`. */
export async function holdersAt(
  knex: Knex,
  connectionId: number,
  entitlement: EntitlementRef,
  snapshotId: number,
): Promise<Holder[]> {
  const result = await knex.raw<{ rows: HolderRow[] }>(
    `${holdingsAt('g.entitlement_type = :type AND g.entitlement_external_id = :entitlement')}
     SELECT h.account_external_id, a.username, a.display_name, a.status, h.via_type, h.via_external_id,
            via.name AS via_name, h.expires_at, h.held_since
     FROM held h
     LEFT JOIN ${Functions.accountsAsOf}(:snapshot) a ON a.external_id = h.account_external_id
     LEFT JOIN ${Functions.entitlementsAsOf}(:snapshot) via
       ON via.type = h.via_type AND via.external_id = h.via_external_id
     ORDER BY a.username NULLS LAST, h.account_external_id, h.via_type NULLS FIRST, h.via_external_id NULLS FIRST`,
    {
      connection: connectionId,
      type: entitlement.type,
      entitlement: entitlement.externalId,
      snapshot: snapshotId,
    },
  );
  return result.rows.map((row) => ({
    accountExternalId: row.account_external_id,
    username: row.username,
    displayName: row.display_name,
    status: row.status,
    via: row.via_type && row.via_external_id ? { type: row.via_type, externalId: row.via_external_id } : null,
    viaName: row.via_name,
    expiresAt: row.expires_at ? new Date(row.expires_at) : null,
    heldSince: new Date(row.held_since),
  }));
}

/**
 * Usernames and entitlement names as the given snapshots saw them (the last snapshot listed wins),
 * for the ids asked about only.
 */
export async function namesAt(
  knex: Knex,
  snapshotIds: readonly number[],
  wanted: { readonly accounts: readonly string[]; readonly entitlements: readonly EntitlementRef[] },
): Promise<Names> {
  const accounts = new Map<string, string>();
  const entitlements = new Map<string, string>();
  const accountIds = JSON.stringify([...new Set(wanted.accounts)]);
  const entitlementKeys = JSON.stringify([...new Set(wanted.entitlements.map(nameKey))]);
  for (const snapshotId of snapshotIds) {
    const accountRows = await knex.raw<{ rows: { external_id: string; username: string }[] }>(
      `SELECT external_id, username FROM ${Functions.accountsAsOf}(?::bigint)
       WHERE external_id IN (SELECT jsonb_array_elements_text(?::jsonb))`,
      [snapshotId, accountIds],
    );
    const entitlementRows = await knex.raw<{ rows: { type: string; external_id: string; name: string }[] }>(
      `SELECT type, external_id, name FROM ${Functions.entitlementsAsOf}(?::bigint)
       WHERE type || ':' || external_id IN (SELECT jsonb_array_elements_text(?::jsonb))`,
      [snapshotId, entitlementKeys],
    );
    for (const row of accountRows.rows) accounts.set(row.external_id, row.username);
    for (const row of entitlementRows.rows)
      entitlements.set(nameKey({ type: row.type, externalId: row.external_id }), row.name);
  }
  return { accounts, entitlements };
}
