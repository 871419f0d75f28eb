import { expect, it } from 'vitest';
import { KnexSnapshotStore } from './history.js';
import { nameKey } from './access-reads.js';
import { describeEachEngine } from '../test/engines.js';
import { seedHistory, type SeededHistory } from '../test/seed-history.js';

describeEachEngine('access at a snapshot, holders of an entitlement, names of ids', (database) => {
  let seeded: SeededHistory | undefined;
  const seed = async () => (seeded ??= await seedHistory(database().db, 'access-reads-org'));
  const store = () => new KnexSnapshotStore(database().db.knex);
  const snapshotId = (history: SeededHistory, index: number): number => {
    const found = history.snapshots[index];
    if (!found) throw new Error(`The seed has no snapshot ${index}.`);
    return found.id;
  };

  it('grantsAt the latest snapshot equals currentGrants; at an older one it shows what was held then', async () => {
    const history = await seed();
    const latest = snapshotId(history, 4);
    expect(await store().grantsAt(history.connectionId, '005BOB', latest)).toEqual(
      await store().currentGrants(history.connectionId, '005BOB'),
    );
    // carol held Data Steward directly until snapshot 3.
    const before = await store().grantsAt(history.connectionId, '005CAROL', snapshotId(history, 1));
    expect(before.map((grant) => grant.entitlementName)).toContain('Data Steward');
    const after = await store().grantsAt(history.connectionId, '005CAROL', latest);
    expect(after.map((grant) => grant.entitlementName)).not.toContain('Data Steward');
  });

  it('holdersAt lists direct and group holders with usernames, as of a snapshot', async () => {
    const history = await seed();
    const dataSteward = { type: 'permission_set', externalId: '0PSDATASTEWARD' };
    const now = await store().holdersAt(history.connectionId, dataSteward, snapshotId(history, 4));
    expect(now.map((holder) => [holder.username, holder.viaName])).toEqual([
      ['bob@acme.com', 'Finance Admins'],
      ['frank@acme.com', null],
      // The seeded integration user holds it directly too (issue 7's account kinds).
      ['svc@acme.com', null],
    ]);
    const then = await store().holdersAt(history.connectionId, dataSteward, snapshotId(history, 1));
    expect(then.map((holder) => holder.username)).toContain('carol@acme.com');
  });

  it('namesAt resolves ids to usernames and entitlement names, the later snapshot winning', async () => {
    const history = await seed();
    const names = await store().namesAt([snapshotId(history, 0), snapshotId(history, 4)], {
      accounts: ['005DAVE', '005ALICE', '005NOBODY'],
      entitlements: [{ type: 'package_license', externalId: '050CPQ' }],
    });
    expect(names.accounts.get('005DAVE')).toBe('dave@acme.com');
    expect(names.accounts.get('005ALICE')).toBe('alice@acme.com');
    expect(names.accounts.has('005NOBODY')).toBe(false);
    expect(names.entitlements.get(nameKey({ type: 'package_license', externalId: '050CPQ' }))).toBe(
      'Salesforce CPQ',
    );
  });
});
