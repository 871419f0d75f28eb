import { InvalidInputError, NotFoundError, type EntitlementRef } from '@accessledger/core';
import type { Knex } from 'knex';
import { grantsAt, holdersAt, namesAt, type Holder, type Names } from './access-reads.js';
import {
  toAccountChange,
  toEntitlementChange,
  toGrantChange,
  toHeldGrant,
  toSnapshot,
  toTimelineEvent,
} from './mapping.js';
import type { HeldGrant, Snapshot, SnapshotDiff, TimelineEvent } from './model.js';
import type {
  AccountChangeRow,
  EntitlementChangeRow,
  GrantChangeRow,
  HeldGrantRow,
  SnapshotRow,
  TimelineRow,
} from './rows.js';
import { Functions, Tables, Views } from './tables.js';

/**
 * Reads the access history of connections: the typed face of the SQL views
 * and functions (see docs/sql-cookbook.md), for the CLI and the app.
 *
 * @example
 * const store: SnapshotStore = new KnexSnapshotStore(db.knex);
 * const [latest, previous] = await store.listSnapshots(connection.id, { limit: 2 });
 * if (latest && previous) {
 *   const diff = await store.diff(previous.id, latest.id);
 *   for (const grant of diff.grants) console.log(grant.change, grant.accountExternalId, grant.entitlement.externalId);
 * }
 * const held = await store.currentGrants(connection.id, '005xx000001Sv6AAAS');
 * const timeline = await store.accountTimeline(connection.id, '005xx000001Sv6AAAS');
 */
export interface SnapshotStore {
  /** Snapshots of a connection, newest first; `before` pages back in time (exclusive). */
  listSnapshots(connectionId: number, options?: { limit?: number; before?: Date }): Promise<Snapshot[]>;
  getSnapshot(snapshotId: number): Promise<Snapshot | undefined>;
  latestSnapshot(connectionId: number): Promise<Snapshot | undefined>;
  /** The latest snapshot taken at or before `at`: the state of the connection at that time. */
  snapshotAt(connectionId: number, at: Date): Promise<Snapshot | undefined>;
  /**
   * What changed from one snapshot to a later one of the same connection.
   * `fromSnapshotId: null` compares against an empty history (everything is added).
   */
  diff(fromSnapshotId: number | null, toSnapshotId: number): Promise<SnapshotDiff>;
  /** Every appearance, status change and grant or revocation of an account, oldest first. */
  accountTimeline(connectionId: number, accountExternalId: string): Promise<TimelineEvent[]>;
  /** The grants an account holds in the connection's latest snapshot, direct and via groups. */
  currentGrants(connectionId: number, accountExternalId: string): Promise<HeldGrant[]>;
  /** The grants an account held at a snapshot (`access … --at`). */
  grantsAt(connectionId: number, accountExternalId: string, snapshotId: number): Promise<HeldGrant[]>;
  /** Who held an entitlement at a snapshot, directly and through groups (`who-has`). */
  holdersAt(connectionId: number, entitlement: EntitlementRef, snapshotId: number): Promise<Holder[]>;
  /** Usernames and entitlement names of the given ids as these snapshots saw them, later snapshots winning. */
  namesAt(
    snapshotIds: readonly number[],
    wanted: { readonly accounts: readonly string[]; readonly entitlements: readonly EntitlementRef[] },
  ): Promise<Names>;
  /** External ids of current accounts whose id is `idOrUsername` or whose username matches it case-insensitively. */
  findCurrentAccounts(connectionId: number, idOrUsername: string): Promise<string[]>;
  /** Current entitlements of a type whose id or exact name is `idOrName`. */
  findCurrentEntitlements(
    connectionId: number,
    type: string,
    idOrName: string,
  ): Promise<{ externalId: string; name: string }[]>;
}

/** `SnapshotStore` over Knex (Postgres or the embedded engine). */
export class KnexSnapshotStore implements SnapshotStore {
  constructor(private readonly knex: Knex) {}

  async listSnapshots(
    connectionId: number,
    options: { limit?: number; before?: Date } = {},
  ): Promise<Snapshot[]> {
    const query = this.knex<SnapshotRow>(Tables.snapshots)
      .where({ connection_id: connectionId })
      .orderBy('taken_at', 'desc')
      .limit(options.limit ?? 100);
    if (options.before) query.andWhere('taken_at', '<', options.before);
    return (await query).map(toSnapshot);
  }

  async getSnapshot(snapshotId: number): Promise<Snapshot | undefined> {
    const row = await this.knex<SnapshotRow>(Tables.snapshots).where({ id: snapshotId }).first();
    return row ? toSnapshot(row) : undefined;
  }

  async latestSnapshot(connectionId: number): Promise<Snapshot | undefined> {
    const [latest] = await this.listSnapshots(connectionId, { limit: 1 });
    return latest;
  }

  async snapshotAt(connectionId: number, at: Date): Promise<Snapshot | undefined> {
    const row = await this.knex<SnapshotRow>(Tables.snapshots)
      .where({ connection_id: connectionId })
      .andWhere('taken_at', '<=', at)
      .orderBy('taken_at', 'desc')
      .first();
    return row ? toSnapshot(row) : undefined;
  }

  async diff(fromSnapshotId: number | null, toSnapshotId: number): Promise<SnapshotDiff> {
    const to = await this.getSnapshot(toSnapshotId);
    if (!to)
      throw new NotFoundError(`Snapshot ${toSnapshotId} does not exist; list the connection's snapshots.`);
    if (fromSnapshotId !== null) {
      const from = await this.getSnapshot(fromSnapshotId);
      if (!from)
        throw new NotFoundError(
          `Snapshot ${fromSnapshotId} does not exist; list the connection's snapshots.`,
        );
      if (from.connectionId !== to.connectionId) {
        throw new InvalidInputError(
          `Snapshots ${fromSnapshotId} and ${toSnapshotId} belong to different connections; compare two snapshots of one connection.`,
        );
      }
      if (from.takenAt > to.takenAt) {
        throw new InvalidInputError(
          `Snapshot ${fromSnapshotId} is newer than ${toSnapshotId}; pass the older one first.`,
        );
      }
    }
    const bindings = [fromSnapshotId, toSnapshotId];
    const [grants, accounts, entitlements] = await Promise.all([
      this.knex.raw<{ rows: GrantChangeRow[] }>(
        `SELECT * FROM ${Functions.grantChanges}(?, ?)
         ORDER BY account_external_id, entitlement_type, entitlement_external_id, via_type NULLS FIRST, via_external_id NULLS FIRST`,
        bindings,
      ),
      this.knex.raw<{ rows: AccountChangeRow[] }>(
        `SELECT change, external_id, username, before_status, after_status
         FROM ${Functions.accountChanges}(?, ?) ORDER BY username, external_id`,
        bindings,
      ),
      this.knex.raw<{ rows: EntitlementChangeRow[] }>(
        `SELECT * FROM ${Functions.entitlementChanges}(?, ?) ORDER BY type, external_id`,
        bindings,
      ),
    ]);
    return {
      fromSnapshotId,
      toSnapshotId,
      grants: grants.rows.map(toGrantChange),
      accounts: accounts.rows.map(toAccountChange),
      entitlements: entitlements.rows.map(toEntitlementChange),
    };
  }

  async accountTimeline(connectionId: number, accountExternalId: string): Promise<TimelineEvent[]> {
    const result = await this.knex.raw<{ rows: TimelineRow[] }>(
      `SELECT * FROM ${Functions.accountTimeline}(?, ?)`,
      [connectionId, accountExternalId],
    );
    return result.rows.map(toTimelineEvent);
  }

  async findCurrentAccounts(connectionId: number, idOrUsername: string): Promise<string[]> {
    const rows = await this.knex(Views.currentAccounts)
      .where({ connection_id: connectionId })
      .andWhere((query) =>
        query.where('external_id', idOrUsername).orWhereRaw('lower(username) = lower(?)', [idOrUsername]),
      )
      .select<{ external_id: string }[]>('external_id');
    return rows.map((row) => row.external_id);
  }

  async findCurrentEntitlements(
    connectionId: number,
    type: string,
    idOrName: string,
  ): Promise<{ externalId: string; name: string }[]> {
    const rows = await this.knex(Views.currentEntitlements)
      .where({ connection_id: connectionId, type })
      .andWhere((query) => query.where('external_id', idOrName).orWhere('name', idOrName))
      .select<{ external_id: string; name: string }[]>('external_id', 'name');
    return rows.map((row) => ({ externalId: row.external_id, name: row.name }));
  }

  grantsAt(connectionId: number, accountExternalId: string, snapshotId: number): Promise<HeldGrant[]> {
    return grantsAt(this.knex, connectionId, accountExternalId, snapshotId);
  }

  holdersAt(connectionId: number, entitlement: EntitlementRef, snapshotId: number): Promise<Holder[]> {
    return holdersAt(this.knex, connectionId, entitlement, snapshotId);
  }

  namesAt(
    snapshotIds: readonly number[],
    wanted: { readonly accounts: readonly string[]; readonly entitlements: readonly EntitlementRef[] },
  ): Promise<Names> {
    return namesAt(this.knex, snapshotIds, wanted);
  }

  async currentGrants(connectionId: number, accountExternalId: string): Promise<HeldGrant[]> {
    // Versions of one grant that follow each other without a gap form one holding; it is held
    // since the first version of the holding that is current now.
    const result = await this.knex.raw<{ rows: HeldGrantRow[] }>(
      `WITH versions AS (
         SELECT g.*,
                CASE WHEN lag(g.valid_to_snapshot_id) OVER w = g.valid_from_snapshot_id THEN 0 ELSE 1 END AS starts_holding
         FROM ${Tables.grants} g
         WHERE g.connection_id = ? AND g.account_external_id = ?
         WINDOW w AS (PARTITION BY g.key_hash ORDER BY g.valid_from_snapshot_id)
       ),
       holdings AS (
         SELECT v.*, sum(v.starts_holding) OVER (PARTITION BY v.key_hash ORDER BY v.valid_from_snapshot_id) AS holding
         FROM versions v
       ),
       holding_starts AS (
         SELECT h.key_hash, h.holding, min(h.valid_from_snapshot_id) AS since_snapshot_id
         FROM holdings h GROUP BY h.key_hash, h.holding
       )
       SELECT h.account_external_id, h.entitlement_type, h.entitlement_external_id, e.name AS entitlement_name,
              h.via_type, h.via_external_id, via.name AS via_name, h.granted_at, h.expires_at, h.attributes,
              s.taken_at AS held_since
       FROM holdings h
       JOIN holding_starts hs ON hs.key_hash = h.key_hash AND hs.holding = h.holding
       JOIN ${Tables.snapshots} s ON s.id = hs.since_snapshot_id
       LEFT JOIN ${Views.currentEntitlements} e
         ON e.connection_id = h.connection_id AND e.type = h.entitlement_type AND e.external_id = h.entitlement_external_id
       LEFT JOIN ${Views.currentEntitlements} via
         ON via.connection_id = h.connection_id AND via.type = h.via_type AND via.external_id = h.via_external_id
       WHERE h.valid_to_snapshot_id IS NULL
       ORDER BY h.entitlement_type, h.entitlement_external_id, h.via_type NULLS FIRST, h.via_external_id NULLS FIRST`,
      [connectionId, accountExternalId],
    );
    return result.rows.map(toHeldGrant);
  }
}
