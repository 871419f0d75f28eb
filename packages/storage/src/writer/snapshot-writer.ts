import type { SyncItem, SyncItemKind } from '@accessledger/core';
import {
  AbortedError,
  ConflictError,
  InvalidInputError,
  itemBatches,
  throwIfAborted,
  TransientError,
  toErrorInfo,
} from '@accessledger/core';
import type { Knex } from 'knex';
import type { Database } from '../database.js';
import { KnexSnapshotStore } from '../history.js';
import { toSnapshot } from '../mapping.js';
import type { ApiUsage, ItemCounts, Snapshot } from '../model.js';
import type { SnapshotRow, SyncRunRow } from '../rows.js';
import { SyncRunStore } from '../runs.js';
import { Tables } from '../tables.js';
import type { VersionedTable } from '../tables.js';
import { CopyPipeline, copyBatchFor } from './copy.js';
import type { CopyBatch } from './copy.js';
import { CurrentVersions, type PairInserter, type SeenTable } from './current-versions.js';
import { EncodedBatch, StagingRows } from './encoded-batch.js';
import { EventLoopTurns } from './event-loop-turns.js';
import { StagedKeys } from './staged-keys.js';
import { HASH_PAIR_BYTES, hashPairsInline, WorkerHasher, type HashedBatch } from './item-hasher.js';
import {
  STAGING_NAME_PATTERN,
  stagedKinds,
  stagingColumns,
  stagingDdl,
  stagingRunId,
  stagingTable,
  vanishedDdl,
  vanishedTable,
} from './staging.js';
import type { StagedKind } from './staging.js';

/** First key of the advisory lock that serialises writes of one connection (second key: connection id). */
export const MERGE_LOCK_NAMESPACE = 0x41_4c_4d_47; // "ALMG"

const DEFAULT_BATCH_ROWS = 5_000;
/**
 * Default of `hashBatchItems`: items hashed together, one message to the hashing thread. With 2,000
 * a large sync's 550 messages cost its reading thread ~0.25–0.55 s (waking the thread on two busy
 * cores); with 8,000, ~0.14 s.
 */
const HASH_BATCH_ITEMS = 8_000;
/** Batches handed to the hashing thread before the oldest is staged; bounds memory to a few thousand items. */
const HASH_BATCHES_AHEAD = 3;
/** Batches encoded ahead while the current versions load (up to about 2 MB each). */
const LOADING_BATCHES_AHEAD = 4;
/** Default of `inlineHashItems`: for smaller streams, starting a thread would cost more than it saves. */
const INLINE_HASH_ITEMS = 20_000;
/** Default of `bulkLoadMinRows`: below it, inserting into the indexes row by row is cheap enough. */
const BULK_LOAD_MIN_ROWS = 50_000;
/** Key-space slices the current versions of a kind are read in at once, on PostgreSQL. */
const CURRENT_VERSION_RANGES = 4;
/** The longest the stream is read in microtasks before sockets and the hashing thread get a turn (`EventLoopTurns`). */
const EVENT_LOOP_TURN_MS = 5;
/** Staging tables of a run still `running` this long after it started are dropped by the next write. */
const STALE_STAGING_HOURS = 24;

export interface WriteSnapshotInput {
  readonly connectionId: number;
  /** A `running` sync run of this connection; it is finished in the merge's transaction on success. */
  readonly runId: number;
  /** The connector's stream; consumed once, in order, never held in memory. */
  readonly items: AsyncIterable<SyncItem>;
  readonly signal?: AbortSignal;
  /** When the snapshot was taken; defaults to the database clock at merge time. Must be later than the connection's latest snapshot. */
  readonly takenAt?: Date;
  /** Read when the run is finished, so that it includes every call the stream made. */
  readonly apiUsage?: () => ApiUsage | null;
}

export interface WriteSnapshotResult {
  readonly snapshot: Snapshot;
  /** Set when the post-commit VACUUM/ANALYZE failed; the snapshot itself is committed. */
  readonly maintenanceError?: string;
}

export interface SnapshotWriterOptions {
  /** Rows per COPY batch and kind; bounds memory. */
  readonly batchRows?: number;
  /** VACUUM (ANALYZE) the tables a merge changed, after commit. Default true; the embedded engine has no autovacuum. */
  readonly maintenance?: boolean;
  /** Streams up to this many items are hashed in the writer's thread, longer ones on a worker thread. */
  readonly inlineHashItems?: number;
  /** A kind with at least this many rows staged may be merged as a bulk load (`isBulkLoad`). Default 50,000. */
  readonly bulkLoadMinRows?: number;
  /** Items hashed together (one message to the hashing thread). Default 8,000. */
  readonly hashBatchItems?: number;
}

type MutableCounts = { -readonly [K in keyof ItemCounts]: number };

const countKey: Record<SyncItemKind, keyof ItemCounts> = {
  account: 'accounts',
  entitlement: 'entitlements',
  grant: 'grants',
  activity: 'activity',
};

/**
 * Turns a connector's stream into a snapshot. Only the merge is a transaction;
 * the load before it holds no transaction and no connection between batches,
 * so a sync that spends minutes on the network keeps the database free for
 * readers (the embedded engine has one connection):
 *
 * 1. note the latest snapshot and read the hashes of the connection's current
 *    versions (`CurrentVersions`), while the stream is already read and encoded;
 * 2. stream the items: an item whose hash is current is only marked seen; new
 *    and changed items are COPYed, in batches that overlap the reading of the
 *    stream, into UNLOGGED staging tables of this run;
 * 3. COPY the keys of current versions not seen again;
 * 4. one transaction, holding a per-connection advisory lock, checks that no
 *    other snapshot of the connection was committed since step 1, closes the
 *    vanished versions, opens the staged ones, records the snapshot, finishes
 *    the run and drops the staging tables.
 *
 * Writes of one connection in one process wait for each other; a write that
 * finds another process's snapshot committed since it read the current
 * versions fails with a (retryable) TransientError and writes nothing.
 * Anything that goes wrong before commit (an error, the abort signal, the
 * process dying) leaves no trace but the run's failure record: staging tables
 * are dropped at once, or by the next write's sweep when the process died.
 */
export class SnapshotWriter {
  private readonly runs: SyncRunStore;
  private readonly copyBatch: CopyBatch;
  private readonly batchRows: number;
  private readonly maintenance: boolean;
  private readonly copyDepth: number;
  private readonly inlineHashItems: number;
  private readonly bulkLoadMinRows: number;
  private readonly hashBatchItems: number;

  constructor(
    private readonly database: Database,
    options: SnapshotWriterOptions = {},
  ) {
    this.runs = new SyncRunStore(database.knex);
    this.copyBatch = copyBatchFor(database.engine);
    this.batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
    this.maintenance = options.maintenance ?? true;
    this.inlineHashItems = options.inlineHashItems ?? INLINE_HASH_ITEMS;
    this.bulkLoadMinRows = options.bulkLoadMinRows ?? BULK_LOAD_MIN_ROWS;
    this.hashBatchItems = options.hashBatchItems ?? HASH_BATCH_ITEMS;
    // Two batches in flight keep Postgres loading while the next is encoded; the embedded engine runs
    // in this thread, so a second batch in flight would only wait.
    this.copyDepth = database.engine === 'pg' ? 2 : 1;
  }

  async write(input: WriteSnapshotInput): Promise<WriteSnapshotResult> {
    return inTurn(this.database.knex, input.connectionId, () => this.writeInTurn(input));
  }

  private async writeInTurn(input: WriteSnapshotInput): Promise<WriteSnapshotResult> {
    const signal = input.signal ?? new AbortController().signal;
    const counts: MutableCounts = { accounts: 0, entitlements: 0, grants: 0, activity: 0 };
    const knex = this.database.knex;
    let snapshot: Snapshot;
    let changed: VersionedTable[];
    let staged = false;
    try {
      await this.assertRunnable(knex, input);
      await sweepStaleStaging(knex);
      for (const kind of stagedKinds) {
        staged = true;
        await knex.raw(stagingDdl(kind, input.runId));
        await knex.raw(vanishedDdl(kind, input.runId));
      }
      const { staged: loaded, base } = await this.load(input, signal, counts);
      throwIfAborted(signal);
      ({ snapshot, changed } = await knex.transaction(async (trx) => {
        await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', [MERGE_LOCK_NAMESPACE, input.connectionId]);
        const latest = await latestSnapshotId(trx, input.connectionId);
        if (latest !== base) {
          // Retryable: the next attempt reads the new current versions and merges cleanly.
          throw new TransientError(
            `Another sync of connection ${input.connectionId} committed snapshot ${String(latest)} while this one ` +
              `was reading; nothing of this sync was written. Run it again.`,
            { upstreamCode: 'CONCURRENT_SNAPSHOT' },
          );
        }
        const merged = await this.merge(trx, input, counts, loaded);
        await this.runs.finish(
          input.runId,
          { status: 'succeeded', itemCounts: counts, apiUsage: input.apiUsage?.() ?? null },
          trx,
        );
        await dropStaging(trx, input.runId);
        // The last moment an abort can still undo everything.
        throwIfAborted(signal);
        return merged;
      }));
      staged = false;
    } catch (error) {
      const failure = signal.aborted && !(error instanceof AbortedError) ? abortedFrom(signal, error) : error;
      if (staged) await dropStaging(knex, input.runId).catch(() => undefined);
      await this.recordFailure(input, failure, counts);
      throw failure;
    }
    const maintenanceError = this.maintenance ? await this.maintain(changed) : undefined;
    return maintenanceError ? { snapshot, maintenanceError } : { snapshot };
  }

  private async assertRunnable(knex: Knex, input: WriteSnapshotInput): Promise<void> {
    const run = await knex<SyncRunRow>(Tables.syncRuns).where({ id: input.runId }).first();
    if (!run)
      throw new InvalidInputError(
        `Sync run ${input.runId} does not exist; start one with SyncRunStore.start.`,
      );
    if (Number(run.connection_id) !== input.connectionId) {
      throw new InvalidInputError(
        `Sync run ${input.runId} belongs to connection ${String(run.connection_id)}, not ${input.connectionId}.`,
      );
    }
    if (run.kind !== 'sync')
      throw new InvalidInputError(`Sync run ${input.runId} is an ${run.kind} run, not a sync.`);
    if (run.status !== 'running') {
      throw new ConflictError(`Sync run ${input.runId} already finished as ${run.status}; start a new run.`);
    }
  }

  /**
   * Stages the stream; returns what was staged per kind, and the id of the latest snapshot (null before
   * the first), read before the current versions: the merge checks that it is still the latest.
   */
  private async load(
    input: WriteSnapshotInput,
    signal: AbortSignal,
    counts: MutableCounts,
  ): Promise<{ staged: Map<StagedKind, StagedSummary>; base: number | null }> {
    const knex = this.database.knex;
    const copies = new CopyPipeline(knex, this.copyBatch, this.copyDepth);
    // The stream is read while the current versions load: a connector's first items come after its
    // slowest round trips (a token, its catalog's queries), which then overlap the database's work, and
    // batches are encoded meanwhile; they are hashed once the versions are there.
    const current = new Map<StagedKind, CurrentVersions>();
    // Every kind at once, and on PostgreSQL a large kind in slices that server processes read at once.
    const ranges = this.database.engine === 'pg' ? CURRENT_VERSION_RANGES : 1;
    let tables: (SeenTable | null)[] | undefined;
    let loadFailure: { readonly error: unknown } | undefined;
    let base: number | null = null;
    const hashing = new BatchHashing(this.inlineHashItems);
    const tablesLoaded = latestSnapshotOf(knex, input.connectionId)
      .then((latest) => {
        base = latest?.id ?? null;
        // Its current versions are the things of the latest snapshot, so its counts size their tables.
        const expected = (kind: StagedKind): number => latest?.counts[countKey[kind.kind]] ?? 0;
        // A large connection's tables are filled on the hashing thread, which will hash its stream:
        // a million versions took this thread ~0.4 s just as the first pages came in.
        const total = stagedKinds.reduce((sum, kind) => sum + expected(kind), 0);
        const inserter = total > this.inlineHashItems ? hashing.inserter() : undefined;
        return Promise.all(
          stagedKinds.map((kind) =>
            CurrentVersions.load(knex, kind, input.connectionId, {
              ranges,
              engine: this.database.engine,
              expected: expected(kind),
              ...(inserter ? { inserter } : {}),
            }),
          ),
        );
      })
      .then(
        (loaded) => {
          stagedKinds.forEach((kind, index) => {
            const versions = loaded[index];
            if (versions) current.set(kind, versions);
          });
          tables = stagedKinds.map((kind) => current.get(kind)?.table() ?? null);
          return tables;
        },
        (error: unknown) => {
          loadFailure = { error };
          throw error;
        },
      );
    // Awaited by the first batch hashed, or after the stream.
    tablesLoaded.catch(() => undefined);
    const rows = new Map<StagedKind, StagingRows>(stagedKinds.map((kind) => [kind, new StagingRows()]));
    const stagedRows = new Map<StagedKind, number>(stagedKinds.map((kind) => [kind, 0]));
    const stagedKeys = new Map<StagedKind, StagedKeys>(stagedKinds.map((kind) => [kind, new StagedKeys()]));
    const flush = async (kind: StagedKind, staged: StagingRows): Promise<void> => {
      stagedRows.set(kind, (stagedRows.get(kind) ?? 0) + staged.count);
      const { bytes, release } = staged.take();
      await copies.push(stagingTable(kind, input.runId), stagingColumns(kind), bytes, release);
    };
    let seq = 0;
    // Items hashed in arrival order. The hasher marks an item whose content hash is a current version
    // seen (and skips its key hash): it is only counted, not staged.
    const hash = (batch: EncodedBatch): Promise<HashedBatch> => {
      if (tables) return hashing.hash(batch, tables);
      const hashes = tablesLoaded.then((loaded) => hashing.hash(batch, loaded));
      hashes.catch(() => undefined);
      return hashes;
    };
    const stage = async (batch: EncodedBatch, { hashes, seen }: HashedBatch): Promise<void> => {
      const hashWords = new DataView(hashes.buffer, hashes.byteOffset, hashes.byteLength);
      for (let index = 0; index < batch.count; index += 1) {
        seq += 1;
        if (seen[index] === 1) continue;
        const kind = batch.kind(index);
        const staged = rows.get(kind);
        if (!staged) continue;
        staged.add(batch, index, seq, hashes, index * HASH_PAIR_BYTES);
        stagedKeys.get(kind)?.add(hashWords, index * HASH_PAIR_BYTES);
        if (staged.count >= this.batchRows) await flush(kind, staged);
      }
    };
    const waiting: { readonly batch: EncodedBatch; readonly hashes: Promise<HashedBatch> }[] = [];
    // Batches are reused once staged: their buffers are allocated once per sync, not once per batch.
    const spare: EncodedBatch[] = [];
    const stageOldest = async (): Promise<void> => {
      const oldest = waiting.shift();
      if (!oldest) return;
      await stage(oldest.batch, await oldest.hashes);
      oldest.batch.clear();
      spare.push(oldest.batch);
    };
    try {
      let batch = new EncodedBatch(this.hashBatchItems);
      const turns = new EventLoopTurns(EVENT_LOOP_TURN_MS);
      // A batch at a time when the connector offers them (`BatchedSyncItems`).
      for await (const items of itemBatches(input.items)) {
        for (const item of items) {
          const turn = turns.take();
          if (turn) await turn;
          throwIfAborted(signal);
          if (loadFailure) throw loadFailure.error;
          batch.add(item);
          counts[countKey[item.kind]] += 1;
          if (batch.count >= this.hashBatchItems) {
            waiting.push({ batch, hashes: hash(batch) });
            batch = spare.pop() ?? new EncodedBatch(this.hashBatchItems);
            // A few batches ahead: the hashing thread works while this one reads and stages. More
            // while the current versions load, so that the stream is not held up by the database.
            while (waiting.length > (tables ? HASH_BATCHES_AHEAD : LOADING_BATCHES_AHEAD))
              await stageOldest();
          }
        }
      }
      if (batch.count > 0) waiting.push({ batch, hashes: hash(batch) });
      while (waiting.length > 0) await stageOldest();
      await tablesLoaded;
      for (const [kind, staged] of rows) if (staged.count > 0) await flush(kind, staged);
      for (const [kind, versions] of current) {
        let vanished: string[] = [];
        const push = (): Promise<void> =>
          copies.push(
            vanishedTable(kind, input.runId),
            ['key_hash'],
            Buffer.from(vanished.join(''), 'latin1'),
          );
        for (const keyHash of versions.unseenKeyHashes()) {
          vanished.push(`${keyHash}\n`);
          if (vanished.length >= this.batchRows) {
            await push();
            vanished = [];
          }
        }
        if (vanished.length > 0) await push();
      }
    } finally {
      await hashing.close();
      // Never leave a COPY running on a table about to be dropped.
      await copies.drain().catch((error: unknown) => {
        if (!signal.aborted) throw error;
      });
    }
    const staged = new Map(
      stagedKinds.map((kind) => [
        kind,
        { rows: stagedRows.get(kind) ?? 0, repeats: stagedKeys.get(kind)?.repeats ?? true },
      ]),
    );
    return { staged, base };
  }

  private async merge(
    trx: Knex.Transaction,
    input: WriteSnapshotInput,
    counts: ItemCounts,
    staged: ReadonlyMap<StagedKind, StagedSummary>,
  ): Promise<{ snapshot: Snapshot; changed: VersionedTable[] }> {
    // Sorting and hashing the staged rows in memory rather than on disk (a first snapshot of 50,000
    // users sorts ~150 MB of grants). The embedded engine keeps its memory inside this process: less.
    const memory = this.database.engine === 'pg' ? '256MB' : '64MB';
    await trx.raw(`SET LOCAL work_mem = '${memory}'`);
    // And building indexes again after a bulk load (`isBulkLoad`).
    await trx.raw(`SET LOCAL maintenance_work_mem = '${memory}'`);
    const snapshotRow = await this.insertSnapshot(trx, input, counts);
    const snapshotId = Number(snapshotRow.id);

    let opened = 0;
    let closed = 0;
    const changed: VersionedTable[] = [];
    for (const kind of stagedKinds) {
      const summary = staged.get(kind) ?? { rows: 0, repeats: true };
      const bulk = await isBulkLoad(trx, kind, summary.rows, this.bulkLoadMinRows);
      const result = await mergeKind(trx, kind, input.connectionId, input.runId, snapshotId, {
        bulk,
        repeats: summary.repeats,
      });
      opened += result.opened;
      closed += result.closed;
      if (result.opened + result.closed > 0) changed.push(kind.table);
    }
    const [row] = await trx<SnapshotRow>(Tables.snapshots)
      .where({ id: snapshotId })
      .update({ versions_opened: opened, versions_closed: closed })
      .returning('*');
    if (!row) throw new Error(`Snapshot ${snapshotId} vanished inside its own transaction.`);
    return { snapshot: toSnapshot(row), changed };
  }

  private async insertSnapshot(
    trx: Knex.Transaction,
    input: WriteSnapshotInput,
    counts: ItemCounts,
  ): Promise<SnapshotRow> {
    const result = await trx.raw<{ rows: SnapshotRow[] }>(
      `INSERT INTO ${Tables.snapshots}
         (connection_id, sync_run_id, taken_at, account_count, entitlement_count, grant_count, activity_count,
          versions_opened, versions_closed)
       VALUES (?, ?, coalesce(?::timestamptz, clock_timestamp()), ?, ?, ?, ?, 0, 0)
       RETURNING *`,
      [
        input.connectionId,
        input.runId,
        input.takenAt ?? null,
        counts.accounts,
        counts.entitlements,
        counts.grants,
        counts.activity,
      ],
    );
    const row = result.rows[0];
    if (!row) throw new Error('INSERT … RETURNING returned no snapshot row.');
    const later = await trx(Tables.snapshots)
      .where('connection_id', input.connectionId)
      .andWhereNot('id', Number(row.id))
      .andWhere('taken_at', '>=', row.taken_at)
      .first('id', 'taken_at');
    if (later) {
      throw new InvalidInputError(
        `A snapshot of connection ${input.connectionId} taken at ${new Date(row.taken_at).toISOString()} would not be ` +
          `the latest: snapshot ${String(later.id)} was taken at or after it. Snapshots are recorded in time order.`,
      );
    }
    return row;
  }

  private async recordFailure(input: WriteSnapshotInput, error: unknown, counts: ItemCounts): Promise<void> {
    const info = toErrorInfo(error);
    try {
      await this.runs.finish(input.runId, {
        status: info.code === 'ABORTED' ? 'aborted' : 'failed',
        error: { code: info.code, message: info.message },
        itemCounts: counts,
        apiUsage: input.apiUsage?.() ?? null,
      });
    } catch {
      // The run may be unknown or already finished (the error we are reporting may be exactly that).
    }
  }

  private async maintain(tables: readonly VersionedTable[]): Promise<string | undefined> {
    if (tables.length === 0) return undefined;
    try {
      // Closing a version rewrites its row; VACUUM makes the old copy's space reusable and ANALYZE keeps
      // plans good as history grows. Outside the transaction: VACUUM cannot run inside one.
      await this.database.knex.raw(`VACUUM (ANALYZE) ${tables.join(', ')}`);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}

/** What the load staged of one kind. */
interface StagedSummary {
  readonly rows: number;
  /** Whether the stream may have repeated a thing (then the merge keeps one row per thing). */
  readonly repeats: boolean;
}

async function mergeKind(
  trx: Knex.Transaction,
  kind: StagedKind,
  connectionId: number,
  runId: number,
  snapshotId: number,
  { bulk, repeats }: { readonly bulk: boolean; readonly repeats: boolean },
): Promise<{ opened: number; closed: number }> {
  const closedResult = await trx.raw<{ rowCount: number | null }>(
    `UPDATE ${kind.table} v SET valid_to_snapshot_id = ?
     FROM ${vanishedTable(kind, runId)} x
     WHERE v.connection_id = ? AND v.valid_to_snapshot_id IS NULL AND v.key_hash = x.key_hash`,
    [snapshotId, connectionId],
  );
  // A bulk load drops the table's indexes and primary key (not other constraints') for the insert and builds them
  // again after it, in this transaction: readers of the table wait for the commit, as for any merge's writes.
  const rebuild = bulk ? await dropIndexes(trx, kind.table) : undefined;
  const columns = kind.columns.map(([name]) => name);
  // When a stream repeats a thing with different content, a current version matching one of the
  // repeats stays; otherwise the last repeat wins. A stream that repeated nothing (`StagedKeys`) has
  // one staged row per thing already: no sort to find the last.
  const openedResult = await trx.raw<{ rowCount: number | null }>(
    `INSERT INTO ${kind.table} (connection_id, key_hash, content_hash, valid_from_snapshot_id, ${columns.join(', ')})
     SELECT ${repeats ? 'DISTINCT ON (s.key_hash) ' : ''}?::bigint, s.key_hash, s.content_hash, ?::bigint,
            ${columns.map((column) => `s.${column}`).join(', ')}
     FROM ${stagingTable(kind, runId)} s
     WHERE NOT EXISTS (
       SELECT 1 FROM ${kind.table} v
       WHERE v.connection_id = ? AND v.valid_to_snapshot_id IS NULL AND v.key_hash = s.key_hash)
     ${repeats ? 'ORDER BY s.key_hash, s.seq DESC' : ''}`,
    [connectionId, snapshotId, connectionId],
  );
  for (const index of rebuild ?? []) await trx.raw(index.definition);
  return { opened: openedResult.rowCount ?? 0, closed: closedResult.rowCount ?? 0 };
}

/**
 * A bulk load: at least `bulkLoadMinRows` rows staged, and at least twice as
 * many as the table holds (a connection's first snapshot into a new or small
 * database). Inserting a million rows into a table's secondary indexes one by
 * one, in an order that is random for all but one of them, took 17.5 s where
 * the same insert without them and building them afterwards took 10.3 s
 * (PostgreSQL's "Populating a Database": remove indexes, load, recreate). For
 * a table that already holds more than half as much, rebuilding costs more
 * than it saves.
 */
async function isBulkLoad(
  trx: Knex.Transaction,
  kind: StagedKind,
  stagedRows: number,
  minRows: number,
): Promise<boolean> {
  if (stagedRows < minRows) return false;
  // The planner's estimate is kept by the VACUUM (ANALYZE) after each merge; -1 means never analysed.
  const estimate = await trx.raw<{ rows: { reltuples: number | string }[] }>(
    `SELECT reltuples FROM pg_class WHERE oid = ?::regclass`,
    [kind.table],
  );
  let rows = Number(estimate.rows[0]?.reltuples ?? -1);
  if (rows < 0) {
    const counted = await trx.raw<{ rows: { count: number | string }[] }>(
      `SELECT count(*) AS count FROM ${kind.table}`,
    );
    rows = Number(counted.rows[0]?.count ?? 0);
  }
  return stagedRows >= 2 * rows;
}

/**
 * Drops a table's indexes other than constraints' (an administrator's unique constraint, say: DROP
 * INDEX would refuse it), and its primary key unless a foreign key refers to it; returns the
 * statements that build them again. Keeping the primary key's index up to date row by row cost
 * 0.5–1.2 s of a million-row insert where building it afterwards took 0.3–0.5 s.
 */
async function dropIndexes(trx: Knex.Transaction, table: string): Promise<{ definition: string }[]> {
  const found = await trx.raw<{ rows: { name: string; definition: string }[] }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i
     WHERE i.indrelid = ?::regclass AND NOT i.indisprimary
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
     ORDER BY 1`,
    [table],
  );
  const primary = await trx.raw<{ rows: { name: string; definition: string }[] }>(
    `SELECT c.conname AS name, pg_get_constraintdef(c.oid) AS definition
     FROM pg_constraint c
     WHERE c.conrelid = ?::regclass AND c.contype = 'p'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.confrelid = c.conrelid AND f.contype = 'f')`,
    [table],
  );
  if (found.rows.length > 0) await trx.raw(`DROP INDEX ${found.rows.map((index) => index.name).join(', ')}`);
  const key = primary.rows[0];
  if (key) await trx.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdentifier(key.name)}`);
  return [
    ...(key
      ? [{ definition: `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdentifier(key.name)} ${key.definition}` }]
      : []),
    ...found.rows.map(({ definition }) => ({ definition })),
  ];
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The connection's latest snapshot (none before its first). */
function latestSnapshotOf(knex: Knex, connectionId: number): Promise<Snapshot | undefined> {
  return new KnexSnapshotStore(knex).latestSnapshot(connectionId);
}

/** The id of the connection's latest snapshot, or null before its first. */
async function latestSnapshotId(knex: Knex, connectionId: number): Promise<number | null> {
  return (await latestSnapshotOf(knex, connectionId))?.id ?? null;
}

async function dropStaging(knex: Knex, runId: number): Promise<void> {
  const tables = stagedKinds.flatMap((kind) => [stagingTable(kind, runId), vanishedTable(kind, runId)]);
  await knex.raw(`DROP TABLE IF EXISTS ${tables.join(', ')}`);
}

/**
 * Drops the staging tables of runs that are no longer running: what a process
 * that died mid-load left behind (its run is failed as abandoned later, or
 * already was). Tables of runs still running are another sync's, in progress,
 * unless the run started more than a day ago.
 */
async function sweepStaleStaging(knex: Knex): Promise<void> {
  const found = await knex.raw<{ rows: { relname: string }[] }>(
    `SELECT c.relname FROM pg_class c
     WHERE c.relkind = 'r' AND c.relname LIKE ? AND pg_table_is_visible(c.oid)`,
    [STAGING_NAME_PATTERN],
  );
  const byRun = new Map<number, string[]>();
  for (const { relname } of found.rows) {
    const runId = stagingRunId(relname);
    if (runId === undefined) continue;
    byRun.set(runId, [...(byRun.get(runId) ?? []), relname]);
  }
  if (byRun.size === 0) return;
  // On a server database a run whose process died stays `running` (another replica may own it), so a
  // run still `running` a day after it started is taken for dead too: no sync takes that long.
  const running = new Set(
    (
      await knex<SyncRunRow>(Tables.syncRuns)
        .whereIn('id', [...byRun.keys()])
        .andWhere({ status: 'running' })
        .andWhereRaw(`started_at > now() - interval '${STALE_STAGING_HOURS} hours'`)
        .select('id')
    ).map((row) => Number(row.id)),
  );
  const stale = [...byRun].filter(([runId]) => !running.has(runId)).flatMap(([, tables]) => tables);
  if (stale.length > 0) await knex.raw(`DROP TABLE IF EXISTS ${stale.join(', ')}`);
}

/** Writes of one connection through one database handle run one after another. */
const turns = new WeakMap<Knex, Map<number, Promise<unknown>>>();

async function inTurn<T>(knex: Knex, connectionId: number, work: () => Promise<T>): Promise<T> {
  const queue = turns.get(knex) ?? new Map<number, Promise<unknown>>();
  turns.set(knex, queue);
  const previous = queue.get(connectionId) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(work);
  const settled = mine.catch(() => undefined);
  queue.set(connectionId, settled);
  try {
    return await mine;
  } finally {
    if (queue.get(connectionId) === settled) queue.delete(connectionId);
  }
}

function abortedFrom(signal: AbortSignal, cause: unknown): AbortedError {
  try {
    throwIfAborted(signal);
  } catch (error) {
    if (error instanceof AbortedError) return error;
  }
  return new AbortedError(undefined, { cause });
}

/**
 * Hashes a stream's batches: in this thread until the stream has shown itself
 * large, then on a worker thread (started once, closed with the load).
 */
class BatchHashing {
  private hashedInline = 0;
  private worker: WorkerHasher | undefined;

  constructor(private readonly inlineLimit: number) {}

  hash(items: EncodedBatch, tables: readonly (SeenTable | null)[]): Promise<HashedBatch> {
    const batch = items.hashBatch(tables);
    if (!this.worker && this.hashedInline + items.count <= this.inlineLimit) {
      this.hashedInline += items.count;
      return Promise.resolve(hashPairsInline(batch));
    }
    this.worker ??= new WorkerHasher();
    const hashes = this.worker.hash(batch);
    // Awaited in order by the load; a batch left waiting when the load fails must not be reported unhandled.
    hashes.catch(() => undefined);
    return hashes;
  }

  /** Fills current-version tables on the thread (started now if it is not yet). */
  inserter(): PairInserter {
    const worker = (this.worker ??= new WorkerHasher());
    return (table, limit, pairs) => worker.insert(table, limit, pairs);
  }

  async close(): Promise<void> {
    await this.worker?.close();
  }
}
