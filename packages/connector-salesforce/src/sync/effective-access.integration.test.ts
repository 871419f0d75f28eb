import 'reflect-metadata';
import type { Grant, SyncItem } from '@accessledger/core';
import { collectSync } from '@accessledger/core/testing';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import {
  ConnectionStore,
  openDatabase,
  SnapshotWriter,
  SyncRunStore,
  type Database,
} from '@accessledger/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorFor, contextFor, idOf, rowsOf } from '../../test/emulated-org.js';

/**
 * Effective access as Salesforce computes it, synced from the emulated org
 * into storage twice with changes in between (a permission muted, a role
 * moved, an assignment expiring), and the rows of grant_changes that follow.
 * Rules: Object Reference "MutingPermissionSet", "PermissionSetGroup",
 * "PermissionSetAssignment", "Group", "GroupMember", "UserRole",
 * "PermissionSetLicenseAssign"; Help "Set Assignment Expiration Details for
 * Users in Permission Sets and Permission Set Groups".
 */
let emulator: EmulatorHandle;
let database: Database;
let connectionId: number;
let clock = Date.now();
const HOUR = 3_600_000;

type Row = Readonly<Record<string, unknown>>;

async function syncIntoStorage(): Promise<{ snapshotId: number; items: SyncItem[] }> {
  const items: SyncItem[] = [];
  for await (const item of connectorFor(emulator).sync(contextFor(emulator))) items.push(item);
  const run = await new SyncRunStore(database.knex).start({ connectionId, kind: 'sync' });
  async function* replay(): AsyncIterable<SyncItem> {
    yield* items;
  }
  const result = await new SnapshotWriter(database).write({ connectionId, runId: run.id, items: replay() });
  return { snapshotId: result.snapshot.id, items };
}

const grantsOf = (items: readonly SyncItem[], userId: string): Grant[] =>
  items.flatMap((item) =>
    item.kind === 'grant' && item.grant.accountExternalId === userId ? [item.grant] : [],
  );

function newUser(name: string, extra: Record<string, unknown> = {}): string {
  const profile = idOf(rowsOf(emulator, 'Profile', { Name: 'Standard User' })[0]);
  return emulator.org.create('User', {
    Username: `${name}.${Math.random().toString(36).slice(2)}@scenario.example.com`,
    LastName: name,
    Email: `${name}@scenario.example.com`,
    Alias: name.slice(0, 8),
    TimeZoneSidKey: 'America/Los_Angeles',
    LocaleSidKey: 'en_US',
    EmailEncodingKey: 'UTF-8',
    LanguageLocaleKey: 'en_US',
    ProfileId: profile,
    ...extra,
  });
}

const roleGroup = (roleId: string, type: string): string =>
  idOf(rowsOf(emulator, 'Group', { RelatedId: roleId, Type: type })[0]);

beforeAll(async () => {
  emulator = await startEmulator({
    org: generateOrg({ seed: 21, preset: 'tiny', now: () => new Date(clock) }),
  });
  database = await openDatabase({ engine: 'pglite', dataDir: null }, { migrate: true });
  connectionId = (
    await new ConnectionStore(database.knex).create({ connectorId: 'salesforce', name: 'scenario' })
  ).id;
});
afterAll(async () => {
  await emulator.close();
  await database.close();
});

describe('two syncs of an org whose effective access changes', () => {
  const org = () => emulator.org;
  const ids: Record<string, string> = {};

  beforeAll(() => {
    ids.exporter = org().create('PermissionSet', {
      Name: 'Exporter',
      Label: 'Exporter',
      PermissionsViewAllData: true,
      PermissionsApiEnabled: true,
    });
    ids.ops = org().create('PermissionSetGroup', { DeveloperName: 'Ops', MasterLabel: 'Ops' });
    org().create('PermissionSetGroupComponent', {
      PermissionSetGroupId: ids.ops,
      PermissionSetId: ids.exporter,
    });
    ids.muted = newUser('Muted');
    org().create('PermissionSetAssignment', { AssigneeId: ids.muted, PermissionSetGroupId: ids.ops });

    ids.top = org().create('UserRole', { Name: 'Scenario Top' });
    ids.child = org().create('UserRole', { Name: 'Scenario Child', ParentRoleId: ids.top });
    ids.grandchild = org().create('UserRole', { Name: 'Scenario Grandchild', ParentRoleId: ids.child });
    ids.other = org().create('UserRole', { Name: 'Scenario Other' });
    ids.team = org().create('Group', { Name: 'Scenario Team', Type: 'Regular' });
    ids.queue = org().create('Group', { Name: 'Scenario Queue', Type: 'Queue' });
    ids.subordinates = roleGroup(ids.top, 'RoleAndSubordinates');
    org().create('GroupMember', { GroupId: ids.team, UserOrGroupId: ids.subordinates });
    org().create('GroupMember', { GroupId: ids.queue, UserOrGroupId: ids.team });
    // A nesting cycle (Scenario Team in a group inside it) must not hang or duplicate anything.
    ids.loop = org().create('Group', { Name: 'Scenario Loop', Type: 'Regular' });
    org().create('GroupMember', { GroupId: ids.team, UserOrGroupId: ids.loop });
    org().create('GroupMember', { GroupId: ids.loop, UserOrGroupId: ids.team });
    ids.mover = newUser('Mover', { UserRoleId: ids.grandchild });

    ids.temporary = newUser('Temporary');
    ids.temp = org().create('PermissionSet', { Name: 'Temp_Access', Label: 'Temp Access' });
    org().create('PermissionSetAssignment', {
      AssigneeId: ids.temporary,
      PermissionSetId: ids.temp,
      ExpirationDate: new Date(clock + HOUR).toISOString(),
    });
    ids.session = idOf(rowsOf(emulator, 'PermissionSet', { Type: 'Session', LicenseId: null })[0]);
    org().create('PermissionSetAssignment', { AssigneeId: ids.temporary, PermissionSetId: ids.session });
    ids.analytics = idOf(
      rowsOf(emulator, 'PermissionSetLicense', { DeveloperName: 'EinsteinAnalyticsPlusPsl' })[0],
    );
    org().create('PermissionSetLicenseAssign', {
      AssigneeId: ids.temporary,
      PermissionSetLicenseId: ids.analytics,
    });
  });

  it('reports muting, derived membership, time-limited and session-based access, and the changes between syncs', async () => {
    const first = await syncIntoStorage();
    const opsGroup = first.items.find(
      (item) => item.kind === 'entitlement' && item.entitlement.externalId === ids.ops,
    );
    expect(opsGroup?.kind === 'entitlement' && opsGroup.entitlement.attributes['permissions']).toEqual({
      ApiEnabled: true,
      ViewAllData: true,
    });
    const viaOps = grantsOf(first.items, ids.muted ?? '').find((grant) => grant.via?.externalId === ids.ops);
    expect(viaOps?.attributes['mutedPermissions']).toBeUndefined();

    const scenarioGroups = new Set([ids.team, ids.loop, ids.queue]);
    const moverGroups = grantsOf(first.items, ids.mover ?? '')
      .filter(
        (grant) => scenarioGroups.has(grant.entitlement.externalId) || grant.entitlement.type === 'role',
      )
      .map((grant) => [
        grant.entitlement.type,
        grant.entitlement.externalId,
        grant.via?.type ?? null,
        grant.via?.externalId ?? null,
      ])
      .sort();
    expect(moverGroups).toEqual(
      [
        ['public_group', ids.loop, 'derived_group', ids.subordinates],
        ['public_group', ids.team, 'derived_group', ids.subordinates],
        ['queue', ids.queue, 'derived_group', ids.subordinates],
        ['role', ids.grandchild, null, null],
      ].sort(),
    );
    const temporary = grantsOf(first.items, ids.temporary ?? '');
    expect(
      temporary.find((grant) => grant.entitlement.externalId === ids.temp)?.attributes['accessKind'],
    ).toBe('time_limited');
    expect(
      temporary.find((grant) => grant.entitlement.externalId === ids.session)?.attributes['accessKind'],
    ).toBe('session_based');
    expect(temporary.some((grant) => grant.entitlement.type === 'permission_set_license')).toBe(true);

    // Between the syncs: View All Data muted in Ops, the mover's role moved out of the subtree,
    // and the temporary assignment's expiry passing.
    const muting = org().create('MutingPermissionSet', {
      DeveloperName: 'Ops_Muting',
      MasterLabel: 'Ops muting',
      PermissionsViewAllData: true,
    });
    org().create('PermissionSetGroupComponent', { PermissionSetGroupId: ids.ops, PermissionSetId: muting });
    org().update('User', ids.mover ?? '', { UserRoleId: ids.other });
    clock += 2 * HOUR;

    const second = await syncIntoStorage();
    const ours = new Set([ids.muted, ids.mover, ids.temporary]);
    const changes = (
      await database.knex.raw<{ rows: Row[] }>('SELECT * FROM grant_changes(?, ?)', [
        first.snapshotId,
        second.snapshotId,
      ])
    ).rows
      .filter((row) => ours.has(String(row['account_external_id'])))
      .map((row) => [
        row['change'],
        row['account_external_id'],
        row['entitlement_type'],
        row['entitlement_external_id'],
        row['via_type'],
      ])
      .sort();
    expect(changes).toEqual(
      [
        ['changed', ids.muted, 'permission_set', ids.exporter, 'permission_set_group'],
        ['removed', ids.mover, 'public_group', ids.team, 'derived_group'],
        ['removed', ids.mover, 'public_group', ids.loop, 'derived_group'],
        ['removed', ids.mover, 'queue', ids.queue, 'derived_group'],
        ['removed', ids.mover, 'role', ids.grandchild, null],
        ['added', ids.mover, 'role', ids.other, null],
        ['removed', ids.temporary, 'permission_set', ids.temp, null],
      ].sort(),
    );
    const effective = await database.knex.raw<{ rows: Row[] }>(
      `SELECT account_external_id, entitlement_external_id FROM current_effective_permissions
       WHERE connection_id = ? AND permission = 'ViewAllData' AND account_external_id = ?`,
      [connectionId, ids.muted ?? ''],
    );
    expect(effective.rows).toEqual([]);
    const entitlementChange = await database.knex.raw<{ rows: Row[] }>(
      'SELECT after_attributes FROM entitlement_changes(?, ?) WHERE external_id = ?',
      [first.snapshotId, second.snapshotId, ids.ops ?? ''],
    );
    expect(entitlementChange.rows[0]?.['after_attributes']).toMatchObject({
      permissions: { ApiEnabled: true },
      mutedPermissions: { ViewAllData: true },
      mutingPermissionSetId: muting,
    });
  });

  it('reports a group whose aggregate is not recalculated yet with its status, over-reporting its permissions', async () => {
    org().settings.permissionSetGroupRecalculation = 'deferred';
    try {
      const broad = org().create('PermissionSet', {
        Name: 'Pending_Power',
        Label: 'Pending Power',
        PermissionsModifyAllData: true,
      });
      org().create('PermissionSetGroupComponent', { PermissionSetGroupId: ids.ops, PermissionSetId: broad });
      const sync = await collectSync(connectorFor(emulator), contextFor(emulator));
      const ops = sync.entitlements.find((entitlement) => entitlement.externalId === ids.ops);
      expect(ops?.attributes).toMatchObject({
        status: 'Outdated',
        aggregateCurrent: false,
        permissions: { ApiEnabled: true, ModifyAllData: true },
      });
      // View All Data stays muted: the muting set is applied to the components' permissions too.
      expect(ops?.attributes, JSON.stringify(ops?.attributes)).not.toHaveProperty('permissions.ViewAllData');
    } finally {
      org().settings.permissionSetGroupRecalculation = 'immediate';
    }
  });
});
