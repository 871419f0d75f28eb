import { NotFoundError } from '@accessledger/core';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines.js';
import { activity } from '../../test/fixtures.js';
import { seedHistory } from '../../test/seed-history.js';
import { ConnectionStore } from '../connections.js';
import { KnexSnapshotStore } from '../history.js';
import { SyncRunStore } from '../runs.js';
import { ActivityWriter } from './activity-writer.js';

async function* records(...items: ReturnType<typeof activity>[]) {
  for (const item of items) if (item.kind === 'activity') yield item.activity;
}

describeEachEngine('ActivityWriter: activity between full syncs', (database) => {
  it('records an activity run as a snapshot that carries access forward and versions changed logins only', async () => {
    const { db } = database();
    const history = await seedHistory(db, 'activity-org');
    const store = new KnexSnapshotStore(db.knex);
    const runs = new SyncRunStore(db.knex);
    const latest = history.snapshots[history.snapshots.length - 1];
    if (!latest) throw new Error('no seeded snapshot');
    const loginsBefore = await db.knex('current_activity').where({ connection_id: history.connectionId });
    const alice = loginsBefore.find(
      (row: { account_external_id: string }) => row.account_external_id === '005ALICE',
    ) as {
      last_activity_at: Date;
    };
    const run = await runs.start({ connectionId: history.connectionId, kind: 'activity' });
    const now = new Date();
    const { snapshot, changed } = await new ActivityWriter(db).write({
      connectionId: history.connectionId,
      runId: run.id,
      signal: new AbortController().signal,
      records: records(
        activity('005ALICE', new Date(alice.last_activity_at)), // unchanged
        activity('005FRANK', now), // first login ever
      ),
    });
    expect(snapshot.id).toBeGreaterThan(latest.id);
    expect(snapshot.counts).toMatchObject({ accounts: latest.counts.accounts, grants: latest.counts.grants });
    expect(snapshot.versionsOpened).toBe(1);
    expect(snapshot.versionsClosed).toBe(1);
    expect(changed).toBe(2);
    expect((await runs.get(run.id))?.status).toBe('succeeded');
    expect((await runs.get(run.id))?.kind).toBe('activity');

    const frank = await db
      .knex('current_activity')
      .where({ connection_id: history.connectionId, account_external_id: '005FRANK' })
      .first();
    expect(new Date(frank.last_activity_at).getTime()).toBe(now.getTime());
    // Access is carried forward: the new snapshot shows the same grants, and the diff has no access changes.
    const diff = await store.diff(latest.id, snapshot.id);
    expect(diff.grants).toEqual([]);
    expect(diff.accounts).toEqual([]);
    expect(await store.grantsAt(history.connectionId, '005BOB', snapshot.id)).toEqual(
      await store.grantsAt(history.connectionId, '005BOB', latest.id),
    );
    // As of the older snapshot frank had never logged in.
    const before = await db.knex.raw<{ rows: { last_activity_at: Date | null }[] }>(
      `SELECT last_activity_at FROM activity_as_of(?::bigint) WHERE account_external_id = '005FRANK'`,
      [latest.id],
    );
    expect(before.rows[0]?.last_activity_at).toBeNull();
  });

  it('needs a full sync first', async () => {
    const { db } = database();
    const connection = await new ConnectionStore(db.knex).create({
      connectorId: 'salesforce',
      name: 'never-synced',
    });
    const run = await new SyncRunStore(db.knex).start({ connectionId: connection.id, kind: 'activity' });
    await expect(
      new ActivityWriter(db).write({
        connectionId: connection.id,
        runId: run.id,
        signal: new AbortController().signal,
        records: records(activity('005X', new Date())),
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
