import type { SyncItem } from '@accessledger/core';
import {
  AbortedError,
  InvalidInputError,
  SYNC_ITEM_BATCHES,
  type BatchedSyncItems,
} from '@accessledger/core';
import { expect, it, onTestFinished } from 'vitest';
import type { Database } from '../database.js';
import { KnexSnapshotStore } from '../history.js';
import { SyncRunStore } from '../runs.js';
import { Tables } from '../tables.js';
import { createTestDatabase, describeEachEngine } from '../../test/engines.js';
import { account, activity, entitlement, grant, ref } from '../../test/fixtures.js';
import { countRows, createConnection, stagingTables, writeSnapshot } from '../../test/history-helpers.js';
import { SnapshotWriter } from './snapshot-writer.js';
import { stagedKinds, stagingDdl } from './staging.js';

const adminPs = ref('permission_set', '0PS000000000001');
const profile = ref('profile', '00e000000000001');

function baseOrg(): SyncItem[] {
  return [
    entitlement('profile', profile.externalId, 'Standard User'),
    entitlement('permission_set', adminPs.externalId, 'Admin Tools', {
      permissions: { ModifyAllData: true },
    }),
    account('005A'),
    account('005B'),
    grant('005A', profile),
    grant('005B', profile),
    grant('005A', adminPs),
    activity('005A', new Date('2026-11-01T10:00:00Z')),
  ];
}

describeEachEngine('SnapshotWriter', (database, engine) => {
  it('writes versions for a first snapshot and records the snapshot and the succeeded run', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const { snapshot, runId } = await writeSnapshot(db, connectionId, baseOrg());

    expect(snapshot.counts).toEqual({ accounts: 2, entitlements: 2, grants: 3, activity: 1 });
    expect(snapshot.versionsOpened).toBe(8);
    expect(snapshot.versionsClosed).toBe(0);
    expect(await countRows(db, Tables.grants, { connection_id: connectionId })).toBe(3);
    const run = await new SyncRunStore(db.knex).get(runId);
    expect(run?.status).toBe('succeeded');
    expect(run?.itemCounts).toEqual({ accounts: 2, entitlements: 2, grants: 3, activity: 1 });
  });

  it('writes no versions for an unchanged org, in any item order and attribute key order', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    await writeSnapshot(db, connectionId, [
      ...baseOrg(),
      entitlement('package_license', '050A', 'CPQ', { allowedLicenses: 10, namespacePrefix: 'SBQQ' }),
    ]);
    const reordered = [
      ...baseOrg().reverse(),
      entitlement('package_license', '050A', 'CPQ', { namespacePrefix: 'SBQQ', allowedLicenses: 10 }),
    ];
    const { snapshot } = await writeSnapshot(db, connectionId, reordered, { batchRows: 2 });
    expect(snapshot.versionsOpened).toBe(0);
    expect(snapshot.versionsClosed).toBe(0);
    expect(await countRows(db, Tables.accounts, { connection_id: connectionId })).toBe(2);
  });

  it('closes vanished and changed versions and opens new ones', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const first = await writeSnapshot(db, connectionId, baseOrg());
    const second = await writeSnapshot(db, connectionId, [
      entitlement('profile', profile.externalId, 'Standard User'),
      entitlement('permission_set', adminPs.externalId, 'Admin Tools', {
        permissions: { ModifyAllData: true },
      }),
      account('005A'),
      account('005B', { status: 'inactive' }),
      account('005C'),
      grant('005A', profile),
      grant('005B', profile),
      grant('005C', profile),
      activity('005A', new Date('2026-11-01T10:00:00Z')),
    ]);
    // 005B changed, 005C new, 005C's grant new; 005A's admin grant vanished, 005B's old version closed.
    expect(second.snapshot.versionsOpened).toBe(3);
    expect(second.snapshot.versionsClosed).toBe(2);

    const rows = await db
      .knex(Tables.accounts)
      .where({ connection_id: connectionId, external_id: '005B' })
      .orderBy('valid_from_snapshot_id')
      .select<{ status: string; valid_from_snapshot_id: unknown; valid_to_snapshot_id: unknown }[]>(
        'status',
        'valid_from_snapshot_id',
        'valid_to_snapshot_id',
      );
    expect(
      rows.map((row) => [
        row.status,
        Number(row.valid_from_snapshot_id),
        row.valid_to_snapshot_id && Number(row.valid_to_snapshot_id),
      ]),
    ).toEqual([
      ['active', first.snapshot.id, second.snapshot.id],
      ['inactive', second.snapshot.id, null],
    ]);
    const adminGrant = await db
      .knex(Tables.grants)
      .where({ connection_id: connectionId, entitlement_external_id: adminPs.externalId })
      .first<{ valid_to_snapshot_id: unknown }>('valid_to_snapshot_id');
    expect(Number(adminGrant?.valid_to_snapshot_id)).toBe(second.snapshot.id);
  });

  it('keeps text with tabs, newlines, backslashes and non-Latin characters intact through COPY', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const tricky = 'Tab\there\nnew line \\N not null \\ back\\slash \r — Zoë 名前 🚀';
    await writeSnapshot(db, connectionId, [
      account('005T', {
        displayName: tricky,
        email: null,
        attributes: { note: tricky, nested: { list: [1, 'two', null] } },
      }),
    ]);
    const row = await db
      .knex(Tables.accounts)
      .where({ connection_id: connectionId })
      .first<{ display_name: string; email: string | null; attributes: unknown }>(
        'display_name',
        'email',
        'attributes',
      );
    expect(row?.display_name).toBe(tricky);
    expect(row?.email).toBeNull();
    expect(row?.attributes).toEqual({ note: tricky, nested: { list: [1, 'two', null] } });
  });

  it('hashes a large stream on a worker thread exactly as in its own thread, across hash batches', async () => {
    const { db } = database();
    // 5,000 grants: three hash batches, each holding items of every kind.
    const largeOrg = (renamed: ReadonlySet<string> = new Set()): SyncItem[] =>
      Array.from({ length: 1_250 }, (_, index) => {
        const id = `005L${String(index).padStart(5, '0')}`;
        return [
          account(id, renamed.has(id) ? { displayName: 'renamed' } : {}),
          grant(id, profile),
          grant(id, adminPs, null, { attributes: { b: index, a: 'x', nested: { z: 1, y: [2] } } }),
          activity(id, new Date(Date.UTC(2026, 10, 1, 0, index))),
        ];
      }).flat();
    const inThread = await createConnection(db);
    const onWorker = await createConnection(db);
    await writeSnapshot(db, inThread, largeOrg(), {
      inlineHashItems: Number.MAX_SAFE_INTEGER,
      hashBatchItems: 2_000,
    });
    await writeSnapshot(db, onWorker, largeOrg(), { inlineHashItems: 0, hashBatchItems: 2_000 });
    const hashes = (connectionId: number) => grantHashes(db, connectionId);
    expect(await hashes(onWorker)).toEqual(await hashes(inThread));
    expect((await hashes(onWorker)).length).toBe(2_500);

    const unchanged = await writeSnapshot(db, onWorker, largeOrg().reverse(), { inlineHashItems: 0 });
    expect(unchanged.snapshot.versionsOpened).toBe(0);
    expect(unchanged.snapshot.versionsClosed).toBe(0);
    // Renamed accounts sit in the first and the last hash batch.
    const changed = await writeSnapshot(db, onWorker, largeOrg(new Set(['005L00001', '005L01249'])), {
      inlineHashItems: 0,
    });
    expect(changed.snapshot.versionsOpened).toBe(2);
    expect(changed.snapshot.versionsClosed).toBe(2);
  });

  it('merges a bulk load (indexes dropped, rows inserted, indexes built again) into exactly what a row-by-row merge writes', async () => {
    // A database of its own: a bulk load needs a table that holds less than half of what is staged.
    const own = await createTestDatabase(engine);
    onTestFinished(() => own.dispose());
    const { db } = own;
    const org = (renamed: ReadonlySet<string> = new Set()): SyncItem[] =>
      Array.from({ length: 300 }, (_, index) => {
        const id = `005B${String(index).padStart(5, '0')}`;
        return [
          account(id, renamed.has(id) ? { displayName: 'renamed' } : {}),
          grant(id, profile),
          grant(id, adminPs, null, { attributes: { index } }),
        ];
      }).flat();
    const indexes = async (table: string) =>
      (
        await db.knex.raw<{ rows: { definition: string }[] }>(
          `SELECT pg_get_indexdef(indexrelid) AS definition FROM pg_index WHERE indrelid = ?::regclass ORDER BY 1`,
          [table],
        )
      ).rows.map((row) => row.definition);
    // Built again, an index is a new relation with a new oid.
    const oids = async (table: string) =>
      (
        await db.knex.raw<{ rows: { oid: number }[] }>(
          `SELECT indexrelid::int AS oid FROM pg_index WHERE indrelid = ?::regclass AND NOT indisprimary ORDER BY 1`,
          [table],
        )
      ).rows.map((row) => row.oid);
    // An index an administrator added stays too, and one behind a constraint is left in place.
    await db.knex.raw(
      `CREATE INDEX grants_by_via ON ${Tables.grants} (via_external_id) WHERE via_type IS NOT NULL`,
    );
    await db.knex.raw(
      `ALTER TABLE ${Tables.grants} ADD CONSTRAINT grants_id_connection UNIQUE (id, connection_id)`,
    );
    const before = await indexes(Tables.grants);
    const oidsBefore = await oids(Tables.grants);
    const primaryBefore = await primaryKeyIndex(db, Tables.grants);
    expect(before.length).toBeGreaterThan(3);
    const bulk = await createConnection(db);
    const rowByRow = await createConnection(db);
    // 600 grants staged into an empty table: a bulk load at a threshold of 100.
    const loaded = await writeSnapshot(db, bulk, org(), { bulkLoadMinRows: 100 });
    expect(loaded.snapshot.versionsOpened).toBe(900);
    expect(await indexes(Tables.grants)).toEqual(before);
    const oidsAfterBulk = await oids(Tables.grants);
    // Every index but the constraint's was built again, the primary key's too.
    expect(oidsAfterBulk.filter((oid) => oidsBefore.includes(oid))).toHaveLength(1);
    const primaryAfter = await primaryKeyIndex(db, Tables.grants);
    expect(primaryAfter.oid).not.toBe(primaryBefore.oid);
    expect(primaryAfter.definition).toBe(primaryBefore.definition);
    // The table now holds as many rows as the next load stages: merged row by row.
    await writeSnapshot(db, rowByRow, org(), { bulkLoadMinRows: 100 });
    expect(await oids(Tables.grants)).toEqual(oidsAfterBulk);
    const versions = async (connectionId: number) =>
      (
        await db
          .knex(Tables.grants)
          .where({ connection_id: connectionId })
          .select<{ key_hash: string; content_hash: string; attributes: unknown }[]>(
            'key_hash',
            'content_hash',
            'attributes',
          )
      )
        .map((row) => JSON.stringify(row))
        .sort();
    expect(await versions(bulk)).toEqual(await versions(rowByRow));
    expect(await indexes(Tables.grants)).toEqual(before);
    // The rebuilt unique index still keeps one current version per thing.
    const changed = await writeSnapshot(db, bulk, org(new Set(['005B00007'])), { bulkLoadMinRows: 100 });
    expect(changed.snapshot.versionsOpened).toBe(1);
    expect(changed.snapshot.versionsClosed).toBe(1);
    expect(await countRows(db, Tables.grants, { connection_id: bulk, valid_to_snapshot_id: null })).toBe(600);
  });

  it('keeps the primary key in place through a bulk load when a foreign key refers to it', async () => {
    // DROP CONSTRAINT would refuse a key another table's foreign key depends on.
    const own = await createTestDatabase(engine);
    onTestFinished(() => own.dispose());
    const { db } = own;
    await db.knex.raw(`CREATE TABLE grant_notes (grant_id bigint REFERENCES ${Tables.grants} (id))`);
    const primaryBefore = await primaryKeyIndex(db, Tables.grants);
    const connectionId = await createConnection(db);
    const items = Array.from({ length: 200 }, (_, index) =>
      grant(`005F${String(index).padStart(5, '0')}`, profile),
    );
    const { snapshot } = await writeSnapshot(db, connectionId, items, { bulkLoadMinRows: 100 });
    expect(snapshot.versionsOpened).toBe(200);
    expect(await primaryKeyIndex(db, Tables.grants)).toEqual(primaryBefore);
    const [first] = await db.knex(Tables.grants).where({ connection_id: connectionId }).select('id').limit(1);
    await db.knex('grant_notes').insert({ grant_id: first.id });
    await expect(db.knex('grant_notes').insert({ grant_id: -1 })).rejects.toThrow(/foreign key/);
  });

  it('reads a stream that offers batches a batch at a time, to the same snapshot', async () => {
    const { db } = database();
    const items = [account('005X1'), grant('005X1', profile), account('005X2'), grant('005X2', adminPs)];
    const batched = await createConnection(db);
    const oneByOne = await createConnection(db);
    // Read item by item, this stream fails: the writer must take its batches.
    const stream: BatchedSyncItems = {
      [SYNC_ITEM_BATCHES]: async function* () {
        yield items.slice(0, 3);
        yield [];
        yield items.slice(3);
      },
      [Symbol.asyncIterator]: () => {
        throw new Error('read item by item');
      },
    };
    const written = await writeSnapshot(db, batched, stream);
    await writeSnapshot(db, oneByOne, items);
    expect(written.snapshot.versionsOpened).toBe(4);
    const hashes = (connectionId: number) => grantHashes(db, connectionId);
    expect(await hashes(batched)).toEqual(await hashes(oneByOne));
  });

  it('keeps one version when a stream repeats a thing', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const { snapshot } = await writeSnapshot(db, connectionId, [
      account('005D', { displayName: 'first' }),
      account('005D', { displayName: 'second' }),
    ]);
    expect(snapshot.versionsOpened).toBe(1);
    const row = await db
      .knex(Tables.accounts)
      .where({ connection_id: connectionId })
      .first<{ display_name: string }>('display_name');
    expect(row?.display_name).toBe('second');
  });

  it('keeps one version when a stream repeats a thing exactly, far apart in the stream', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const fillers = Array.from({ length: 50 }, (_, index) =>
      account(`005F${String(index).padStart(3, '0')}`),
    );
    const { snapshot } = await writeSnapshot(
      db,
      connectionId,
      [account('005E'), ...fillers, account('005E')],
      {
        batchRows: 7,
      },
    );
    expect(snapshot.versionsOpened).toBe(51);
    expect(await countRows(db, Tables.accounts, { connection_id: connectionId, external_id: '005E' })).toBe(
      1,
    );
  });

  it('leaves the previous snapshot as the latest when the stream fails midway, and records the failure', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const first = await writeSnapshot(db, connectionId, baseOrg());
    async function* failing(): AsyncIterable<SyncItem> {
      yield account('005X');
      yield grant('005X', adminPs);
      throw new Error('connection reset by peer');
    }
    const run = await new SyncRunStore(db.knex).start({ connectionId, kind: 'sync' });
    await expect(
      new SnapshotWriter(db, { batchRows: 1 }).write({ connectionId, runId: run.id, items: failing() }),
    ).rejects.toThrow('connection reset by peer');

    const latest = await new KnexSnapshotStore(db.knex).latestSnapshot(connectionId);
    expect(latest?.id).toBe(first.snapshot.id);
    expect(await countRows(db, Tables.accounts, { connection_id: connectionId, external_id: '005X' })).toBe(
      0,
    );
    expect(await countRows(db, Tables.snapshots, { connection_id: connectionId })).toBe(1);
    const failed = await new SyncRunStore(db.knex).get(run.id);
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toEqual({ code: 'INTERNAL', message: 'connection reset by peer' });
    expect(await stagingTables(db)).toEqual([]);
  });

  it('starts the stream before it reads the current versions, and fails cleanly when the stream fails before its first item', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    await writeSnapshot(db, connectionId, baseOrg());
    const events: string[] = [];
    const onQuery = (query: { sql: string }): void => {
      // The latest snapshot's counts, which size their tables, start the read (on PostgreSQL the pages
      // are COPY output, which knex does not see).
      if (query.sql.includes('from "snapshots"') && query.sql.includes('order by "taken_at" desc'))
        events.push('current versions read');
    };
    db.knex.on('query', onQuery);
    async function* failing(): AsyncIterable<SyncItem> {
      events.push('stream started');
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (events.length > 0) throw new Error('token endpoint unreachable');
      yield account('005Y');
    }
    const run = await new SyncRunStore(db.knex).start({ connectionId, kind: 'sync' });
    const writing = new SnapshotWriter(db).write({ connectionId, runId: run.id, items: failing() });
    await expect(writing).rejects.toThrow('token endpoint unreachable');
    db.knex.off('query', onQuery);
    expect(events.slice(0, 2)).toEqual(['stream started', 'current versions read']);
    expect((await new SyncRunStore(db.knex).get(run.id))?.status).toBe('failed');
    expect(await countRows(db, Tables.snapshots, { connection_id: connectionId })).toBe(1);
    expect(await stagingTables(db)).toEqual([]);
  });

  it('fails with the database error, closing the stream and dropping its staging tables, when the current versions cannot be read', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    await writeSnapshot(db, connectionId, baseOrg());
    let closed = false;
    async function* stream(): AsyncIterable<SyncItem> {
      try {
        for (let index = 0; index < 10; index += 1) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          yield account(`005L${index}`);
        }
      } finally {
        closed = true;
      }
    }
    const run = await new SyncRunStore(db.knex).start({ connectionId, kind: 'sync' });
    await db.knex.raw(`ALTER TABLE ${Tables.grants} RENAME TO grants_away`);
    try {
      await expect(
        new SnapshotWriter(db).write({ connectionId, runId: run.id, items: stream() }),
      ).rejects.toThrow(/grants/);
    } finally {
      await db.knex.raw(`ALTER TABLE grants_away RENAME TO ${Tables.grants}`);
    }
    expect(closed).toBe(true);
    expect((await new SyncRunStore(db.knex).get(run.id))?.status).toBe('failed');
    expect(await stagingTables(db)).toEqual([]);
    expect(await countRows(db, Tables.snapshots, { connection_id: connectionId })).toBe(1);
  });

  it('sweeps staging tables of runs that ended or that have been running for over a day, and keeps live ones', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const runs = new SyncRunStore(db.knex);
    const dead = await runs.start({
      connectionId,
      kind: 'sync',
      startedAt: new Date(Date.now() - 25 * 3600_000),
    });
    const failed = await runs.start({ connectionId, kind: 'sync' });
    await runs.finish(failed.id, { status: 'failed', error: { code: 'INTERNAL', message: 'killed' } });
    const live = await runs.start({ connectionId, kind: 'sync' });
    for (const run of [dead, failed, live]) {
      for (const kind of stagedKinds) await db.knex.raw(stagingDdl(kind, run.id));
    }
    await writeSnapshot(db, connectionId, baseOrg());
    const left = await stagingTables(db);
    expect(left.length).toBe(stagedKinds.length);
    expect(left.every((name) => name.endsWith(`_r${live.id}`))).toBe(true);
    for (const name of left) await db.knex.raw(`DROP TABLE ${name}`);
  });

  it('stages outside a transaction: the database answers other queries while a sync streams', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    await writeSnapshot(db, connectionId, baseOrg());
    const seenMidStream: { snapshots: number; staging: number; openTransactions: number }[] = [];
    async function* slowOrg(): AsyncIterable<SyncItem> {
      for (let index = 0; index < 30; index += 1) {
        yield account(`005S${index}`);
        if (index === 20) {
          // On the embedded engine (one connection) this query would wait forever behind a load held in
          // a transaction; on Postgres, no session of this database may be idle inside one.
          const open = await db.knex.raw<{ rows: { n: string | number }[] }>(
            `SELECT count(*) AS n FROM pg_stat_activity
             WHERE datname = current_database() AND state = 'idle in transaction'`,
          );
          seenMidStream.push({
            snapshots: await countRows(db, Tables.snapshots, { connection_id: connectionId }),
            staging: (await stagingTables(db)).length,
            openTransactions: Number(open.rows[0]?.n ?? 0),
          });
        }
      }
    }
    const { snapshot } = await writeSnapshot(db, connectionId, slowOrg(), { batchRows: 5 });
    expect(seenMidStream).toEqual([{ snapshots: 1, staging: 8, openTransactions: 0 }]);
    expect(snapshot.counts.accounts).toBe(30);
    expect(await stagingTables(db)).toEqual([]);
  });

  it('rejects malformed items with a message naming the field, keeping nothing', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const malformed = { kind: 'account', account: { externalId: '', username: 'x' } } as unknown as SyncItem;
    const run = await new SyncRunStore(db.knex).start({ connectionId, kind: 'sync' });
    const attempt = new SnapshotWriter(db).write({
      connectionId,
      runId: run.id,
      items: (async function* () {
        yield account('005OK');
        yield malformed;
      })(),
    });
    await expect(attempt).rejects.toThrow(InvalidInputError);
    await expect(attempt).rejects.toThrow(/account\.externalId must be a non-empty string/);
    expect(await countRows(db, Tables.accounts, { connection_id: connectionId })).toBe(0);
    expect((await new SyncRunStore(db.knex).get(run.id))?.error?.code).toBe('INVALID_INPUT');
  });

  it('stops on the abort signal, records the run as aborted and keeps nothing', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const first = await writeSnapshot(db, connectionId, baseOrg());
    const controller = new AbortController();
    let produced = 0;
    async function* endless(): AsyncIterable<SyncItem> {
      for (let index = 0; ; index += 1) {
        produced += 1;
        if (index === 250) controller.abort(new Error('daemon shutting down'));
        yield account(`005Z${index}`);
      }
    }
    const run = await new SyncRunStore(db.knex).start({ connectionId, kind: 'sync' });
    await expect(
      new SnapshotWriter(db, { batchRows: 100 }).write({
        connectionId,
        runId: run.id,
        items: endless(),
        signal: controller.signal,
      }),
    ).rejects.toThrow(AbortedError);

    expect(produced).toBeLessThan(260);
    expect((await new KnexSnapshotStore(db.knex).latestSnapshot(connectionId))?.id).toBe(first.snapshot.id);
    expect(await countRows(db, Tables.accounts, { connection_id: connectionId })).toBe(2);
    const aborted = await new SyncRunStore(db.knex).get(run.id);
    expect(aborted?.status).toBe('aborted');
    expect(aborted?.error?.message).toContain('daemon shutting down');
    expect(await stagingTables(db)).toEqual([]);
  });

  it('refuses a run that is not running and a snapshot older than the latest', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const { runId } = await writeSnapshot(db, connectionId, baseOrg(), {
      takenAt: new Date('2026-06-01T00:00:00Z'),
    });
    await expect(
      new SnapshotWriter(db).write({ connectionId, runId, items: (async function* () {})() }),
    ).rejects.toThrow(/already finished as succeeded/);
    await expect(
      writeSnapshot(db, connectionId, baseOrg(), { takenAt: new Date('2026-05-01T00:00:00Z') }),
    ).rejects.toThrow(/would not be the latest/);
    expect(await countRows(db, Tables.snapshots, { connection_id: connectionId })).toBe(1);
  });

  it('keeps the histories of two connections apart', async () => {
    const { db } = database();
    const one = await createConnection(db);
    const two = await createConnection(db);
    await writeSnapshot(db, one, baseOrg());
    const { snapshot } = await writeSnapshot(db, two, baseOrg().slice(0, 3));
    expect(snapshot.versionsOpened).toBe(3);
    expect(await countRows(db, Tables.grants, { connection_id: one })).toBe(3);
    const again = await writeSnapshot(db, one, baseOrg());
    expect(again.snapshot.versionsOpened + again.snapshot.versionsClosed).toBe(0);
  });
});

/** The primary key's index of a table: its oid (new when built again) and definition. */
async function primaryKeyIndex(db: Database, table: string): Promise<{ oid: number; definition: string }> {
  const found = await db.knex.raw<{ rows: { oid: number; definition: string }[] }>(
    `SELECT indexrelid::int AS oid, pg_get_indexdef(indexrelid) AS definition
     FROM pg_index WHERE indrelid = ?::regclass AND indisprimary`,
    [table],
  );
  const row = found.rows[0];
  if (!row) throw new Error(`${table} has no primary key.`);
  return row;
}

/** A connection's grant versions as sorted "key_hash content_hash" lines. */
async function grantHashes(db: Database, connectionId: number): Promise<string[]> {
  const rows = await db
    .knex(Tables.grants)
    .where({ connection_id: connectionId })
    .select<{ key_hash: string; content_hash: string }[]>('key_hash', 'content_hash');
  return rows.map((row) => `${row.key_hash} ${row.content_hash}`).sort();
}
