import { NotFoundError, throwIfAborted, type ActivityRecord } from '@accessledger/core';
import type { Database } from '../database.js';
import { toSnapshot } from '../mapping.js';
import type { ApiUsage, Snapshot } from '../model.js';
import type { SnapshotRow } from '../rows.js';
import { SyncRunStore } from '../runs.js';
import { Tables } from '../tables.js';
import { itemHashes } from './encoded-batch.js';
import { stagedKind, stagingDdl, stagingTable } from './staging.js';

export interface WriteActivityInput {
  readonly connectionId: number;
  /** The `activity` run this write finishes. */
  readonly runId: number;
  readonly records: AsyncIterable<ActivityRecord>;
  readonly signal: AbortSignal;
  readonly apiUsage?: () => ApiUsage | null;
}

const INSERT_BATCH = 500;

/**
 * Records an activity run (last logins read between full syncs) as a
 * snapshot of its own: every current account, entitlement and grant is
 * carried forward unchanged (their versions stay open, nothing is copied),
 * and only the activity versions whose value changed are closed and opened
 * again. History stays a sequence of snapshots, so "as of" questions keep
 * working; a full sync is needed first. Records are staged through one
 * temporary table (one small row per account) and merged in one transaction
 * with the run's finish.
 */
export class ActivityWriter {
  constructor(private readonly database: Database) {}

  async write(input: WriteActivityInput): Promise<{ snapshot: Snapshot; changed: number }> {
    const kind = stagedKind('activity');
    const staged: (string | number | null)[][] = [];
    let seq = 0;
    for await (const activity of input.records) {
      throwIfAborted(input.signal);
      const { keyHash, contentHash } = itemHashes({ kind: 'activity', activity });
      staged.push([
        (seq += 1),
        keyHash.toString('hex'),
        contentHash.toString('hex'),
        activity.accountExternalId,
        activity.source,
        activity.lastActivityAt ? activity.lastActivityAt.toISOString() : null,
      ]);
    }
    throwIfAborted(input.signal);
    const columns = kind.columns.map(([name]) => name);
    return this.database.knex.transaction(async (trx) => {
      const previous = await trx<SnapshotRow>(Tables.snapshots)
        .where({ connection_id: input.connectionId })
        .orderBy('taken_at', 'desc')
        .first();
      if (!previous) {
        throw new NotFoundError(
          'An activity run updates the activity of the latest snapshot: sync the connection once first.',
        );
      }
      const inserted = await trx.raw<{ rows: SnapshotRow[] }>(
        `INSERT INTO ${Tables.snapshots}
           (connection_id, sync_run_id, taken_at, account_count, entitlement_count, grant_count, activity_count,
            versions_opened, versions_closed)
         VALUES (?, ?, greatest(clock_timestamp(), ?::timestamptz + interval '1 millisecond'), ?, ?, ?, 0, 0, 0)
         RETURNING *`,
        [
          input.connectionId,
          input.runId,
          previous.taken_at,
          previous.account_count,
          previous.entitlement_count,
          previous.grant_count,
        ],
      );
      const snapshotId = Number(inserted.rows[0]?.id);
      // Created and dropped inside the transaction: a failure leaves nothing behind.
      const staging = stagingTable(kind, input.runId);
      await trx.raw(stagingDdl(kind, input.runId));
      for (let start = 0; start < staged.length; start += INSERT_BATCH) {
        const batch = staged.slice(start, start + INSERT_BATCH);
        await trx.raw(
          `INSERT INTO ${staging} (seq, key_hash, content_hash, ${columns.join(', ')}) VALUES ${batch
            .map(() => `(?, ?::uuid, ?::uuid, ${columns.map(() => '?').join(', ')})`)
            .join(', ')}`,
          batch.flat(),
        );
      }
      const closed = await trx.raw<{ rowCount: number | null }>(
        `UPDATE ${kind.table} v SET valid_to_snapshot_id = ?
         FROM ${staging} s
         WHERE v.connection_id = ? AND v.valid_to_snapshot_id IS NULL
           AND v.key_hash = s.key_hash AND v.content_hash <> s.content_hash`,
        [snapshotId, input.connectionId],
      );
      const opened = await trx.raw<{ rowCount: number | null }>(
        `INSERT INTO ${kind.table} (connection_id, key_hash, content_hash, valid_from_snapshot_id, ${columns.join(', ')})
         SELECT DISTINCT ON (s.key_hash) ?::bigint, s.key_hash, s.content_hash, ?::bigint,
                ${columns.map((column) => `s.${column}`).join(', ')}
         FROM ${staging} s
         WHERE NOT EXISTS (
           SELECT 1 FROM ${kind.table} v
           WHERE v.connection_id = ? AND v.valid_to_snapshot_id IS NULL AND v.key_hash = s.key_hash)
         ORDER BY s.key_hash, s.seq DESC`,
        [input.connectionId, snapshotId, input.connectionId],
      );
      await trx.raw(`DROP TABLE ${staging}`);
      const current = await trx(kind.table)
        .where({ connection_id: input.connectionId })
        .whereNull('valid_to_snapshot_id')
        .count<{ count: string | number }[]>({ count: '*' });
      const [row] = await trx<SnapshotRow>(Tables.snapshots)
        .where({ id: snapshotId })
        .update({
          activity_count: Number(current[0]?.count ?? 0),
          versions_opened: opened.rowCount ?? 0,
          versions_closed: closed.rowCount ?? 0,
        } as never)
        .returning('*');
      if (!row) throw new Error(`Snapshot ${snapshotId} vanished inside its own transaction.`);
      await new SyncRunStore(trx).finish(
        input.runId,
        {
          status: 'succeeded',
          itemCounts: { activity: staged.length },
          apiUsage: input.apiUsage?.() ?? null,
        },
        trx,
      );
      return { snapshot: toSnapshot(row), changed: (opened.rowCount ?? 0) + (closed.rowCount ?? 0) };
    });
  }
}
