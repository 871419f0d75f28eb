import { InvalidInputError, NotFoundError } from '@accessledger/core';
import { expect, it } from 'vitest';
import { KnexSnapshotStore } from './history.js';
import { describeEachEngine } from '../test/engines.js';
import { account } from '../test/fixtures.js';
import { createConnection, writeSnapshot } from '../test/history-helpers.js';
import { seedHistory } from '../test/seed-history.js';
import type { SeededHistory } from '../test/seed-history.js';

describeEachEngine('KnexSnapshotStore', (database) => {
  let seeded: SeededHistory | undefined;
  const seed = async () => (seeded ??= await seedHistory(database().db, 'history-org'));
  const store = () => new KnexSnapshotStore(database().db.knex);
  const snapshot = (history: SeededHistory, index: number) => {
    const found = history.snapshots[index];
    if (!found) throw new Error(`The seed has no snapshot ${index}.`);
    return found;
  };

  it('lists snapshots newest first, pages back in time and finds the one in force at a time', async () => {
    const history = await seed();
    const listed = await store().listSnapshots(history.connectionId);
    expect(listed.map((entry) => entry.id)).toEqual(
      [...history.snapshots].reverse().map((entry) => entry.id),
    );
    const older = await store().listSnapshots(history.connectionId, {
      before: snapshot(history, 2).takenAt,
      limit: 1,
    });
    expect(older.map((entry) => entry.id)).toEqual([snapshot(history, 1).id]);
    expect((await store().latestSnapshot(history.connectionId))?.id).toBe(snapshot(history, 4).id);

    const between = new Date(snapshot(history, 1).takenAt.getTime() + 1_000);
    expect((await store().snapshotAt(history.connectionId, between))?.id).toBe(snapshot(history, 1).id);
    expect(await store().snapshotAt(history.connectionId, new Date(0))).toBeUndefined();
  });

  it('diffs two snapshots: grants, accounts and entitlements', async () => {
    const history = await seed();
    const diff = await store().diff(snapshot(history, 2).id, snapshot(history, 4).id);
    expect(
      diff.grants.map((change) => [change.change, change.accountExternalId, change.entitlement.externalId]),
    ).toEqual([
      ['changed', '005BOB', '0PGFINANCE'],
      ['added', '005DAVE', '050CPQ'],
      ['added', '005DAVE', '00eSTANDARD'],
      ['removed', '005ERIN', '050CPQ'],
    ]);
    expect(diff.accounts).toEqual([
      {
        change: 'created',
        externalId: '005DAVE',
        username: 'dave@acme.com',
        statusBefore: null,
        statusAfter: 'active',
      },
      {
        change: 'deactivated',
        externalId: '005ERIN',
        username: 'erin@acme.com',
        statusBefore: 'active',
        statusAfter: 'inactive',
      },
    ]);
    expect(diff.entitlements).toEqual([]);

    const licenseRaise = await store().diff(snapshot(history, 1).id, snapshot(history, 2).id);
    expect(licenseRaise.entitlements).toEqual([
      {
        change: 'changed',
        entitlement: { type: 'package_license', externalId: '050CPQ' },
        nameBefore: 'Salesforce CPQ',
        nameAfter: 'Salesforce CPQ',
        attributesBefore: { allowedLicenses: 3, namespacePrefix: 'SBQQ', status: 'Active' },
        attributesAfter: { allowedLicenses: 5, namespacePrefix: 'SBQQ', status: 'Active' },
      },
    ]);
  });

  it('diffs against an empty history and refuses snapshots in the wrong order or of other connections', async () => {
    const history = await seed();
    const fromNothing = await store().diff(null, snapshot(history, 0).id);
    expect(fromNothing.accounts.every((change) => change.change === 'created')).toBe(true);
    expect(fromNothing.accounts).toHaveLength(9);

    await expect(store().diff(snapshot(history, 3).id, snapshot(history, 1).id)).rejects.toThrow(
      InvalidInputError,
    );
    await expect(store().diff(null, 999_999)).rejects.toThrow(NotFoundError);
    const otherConnection = await createConnection(database().db);
    const other = await writeSnapshot(database().db, otherConnection, [account('005OTHER')]);
    await expect(store().diff(snapshot(history, 0).id, other.snapshot.id)).rejects.toThrow(
      /different connections/,
    );
    // The SQL function guards the same way for people querying by hand.
    await expect(
      database().db.knex.raw('SELECT * FROM grant_changes(?, ?)', [
        snapshot(history, 0).id,
        other.snapshot.id,
      ]),
    ).rejects.toThrow(/belong to different connections/);
  });

  it("tells an account's timeline", async () => {
    const history = await seed();
    const timeline = await store().accountTimeline(history.connectionId, '005ERIN');
    expect(timeline.map((event) => [event.snapshotId, event.event, event.entitlementName])).toEqual([
      [snapshot(history, 0).id, 'account_created', null],
      [snapshot(history, 0).id, 'granted', 'Salesforce CPQ'],
      [snapshot(history, 0).id, 'granted', 'Standard User'],
      [snapshot(history, 3).id, 'account_deactivated', null],
      [snapshot(history, 3).id, 'revoked', 'Salesforce CPQ'],
    ]);
    expect(timeline[3]?.at).toEqual(snapshot(history, 3).takenAt);
  });

  it('lists the grants an account holds now, held since the start of an uninterrupted holding', async () => {
    const history = await seed();
    const held = await store().currentGrants(history.connectionId, '005BOB');
    expect(held.map((grant) => [grant.entitlement.externalId, grant.entitlementName, grant.viaName])).toEqual(
      [
        ['050CPQ', 'Salesforce CPQ', null],
        ['0PSDATASTEWARD', 'Data Steward', 'Finance Admins'],
        ['0PGFINANCE', 'Finance Admins', null],
        ['00eSTANDARD', 'Standard User', null],
      ],
    );
    const group = held.find((grant) => grant.entitlement.type === 'permission_set_group');
    // Its expiry changed at snapshot 3 (a new version), but it has been held since snapshot 1.
    expect(group?.heldSince).toEqual(snapshot(history, 1).takenAt);
    expect(group?.expiresAt).toEqual(new Date('2027-12-31T00:00:00Z'));
    expect(held.find((grant) => grant.entitlement.type === 'profile')?.heldSince).toEqual(
      snapshot(history, 0).takenAt,
    );
  });

  it('finds current accounts by id or username and entitlements by id or name', async () => {
    const history = await seed();
    expect(await store().findCurrentAccounts(history.connectionId, 'BOB@acme.com')).toEqual(['005BOB']);
    expect(await store().findCurrentAccounts(history.connectionId, '005BOB')).toEqual(['005BOB']);
    expect(await store().findCurrentAccounts(history.connectionId, 'nobody@acme.com')).toEqual([]);
    expect(
      await store().findCurrentEntitlements(history.connectionId, 'permission_set', 'Data Steward'),
    ).toEqual([{ externalId: '0PSDATASTEWARD', name: 'Data Steward' }]);
    expect(await store().findCurrentEntitlements(history.connectionId, 'profile', 'Data Steward')).toEqual(
      [],
    );
  });
});
