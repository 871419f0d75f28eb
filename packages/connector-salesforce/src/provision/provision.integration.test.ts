import 'reflect-metadata';
import {
  ConflictError,
  EntitlementTypes,
  InvalidInputError,
  UnsupportedError,
  type EntitlementRef,
  type OpResult,
} from '@accessledger/core';
import { describeConnectorConformance } from '@accessledger/core/testing';
import type { EmulatorHandle } from '@accessledger/salesforce-emulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  connectorFor,
  contextFor,
  idOf,
  plainUser,
  regularPermissionSet,
  rowsOf,
  startTinyOrg,
  unheldPermissionSet,
} from '../../test/emulated-org.js';
import type { SalesforceConnector } from '../connector.js';
import { SalesforceClient } from '../http/client.js';

let conformanceOrg: EmulatorHandle;
beforeAll(async () => {
  conformanceOrg = await startTinyOrg(31);
});
afterAll(async () => conformanceOrg.close());

describeConnectorConformance({
  name: 'salesforce provisioning (emulated tiny org)',
  createConnector: () => connectorFor(conformanceOrg),
  createContext: (signal) => contextFor(conformanceOrg, signal),
  grantFixture: () => {
    const user = plainUser(conformanceOrg);
    const permissionSet = unheldPermissionSet(conformanceOrg, idOf(user));
    return {
      accountExternalId: idOf(user),
      entitlement: { type: EntitlementTypes.permissionSet, externalId: idOf(permissionSet) },
    };
  },
});

/** Grants, checks, grants again, revokes, checks, revokes again: the wanted state and idempotency. */
async function roundTrip(
  connector: SalesforceConnector,
  handle: EmulatorHandle,
  accountExternalId: string,
  entitlement: EntitlementRef,
  holds: () => boolean,
): Promise<{ grant: OpResult; revoke: OpResult }> {
  const ctx = contextFor(handle);
  expect(holds()).toBe(false);
  const planned = await connector.provision(ctx, {
    kind: 'grant',
    accountExternalId,
    entitlement,
    dryRun: true,
  });
  expect(planned).toMatchObject({ changed: true, dryRun: true });
  expect(planned.calls.length).toBeGreaterThan(0);
  expect(holds()).toBe(false);
  const grant = await connector.provision(ctx, { kind: 'grant', accountExternalId, entitlement });
  expect(grant.changed).toBe(true);
  expect(grant.calls).toEqual(planned.calls);
  expect(holds()).toBe(true);
  expect(await connector.provision(ctx, { kind: 'grant', accountExternalId, entitlement })).toEqual({
    changed: false,
    dryRun: false,
    calls: [],
  });
  const revoke = await connector.provision(ctx, { kind: 'revoke', accountExternalId, entitlement });
  expect(revoke.changed).toBe(true);
  expect(holds()).toBe(false);
  const again = await connector.provision(ctx, { kind: 'revoke', accountExternalId, entitlement });
  expect(again).toMatchObject({ changed: false, calls: [] });
  return { grant, revoke };
}

describe.each([
  { label: 'SCIM on (auto-detected)', seed: 32, scimEnabled: true, writes: '/services/scim/v2/' },
  { label: 'SCIM off (auto-detected)', seed: 33, scimEnabled: false, writes: '/services/data/v63.0/' },
])('grant and revoke with $label', ({ seed, scimEnabled, writes }) => {
  let handle: EmulatorHandle;
  let connector: SalesforceConnector;
  beforeAll(async () => {
    handle = await startTinyOrg(seed);
    handle.org.settings.scimEnabled = scimEnabled;
    connector = connectorFor(handle);
  });
  afterAll(async () => handle.close());

  it('permission sets, through SCIM entitlements where the org has SCIM', async () => {
    const userId = idOf(plainUser(handle));
    const permissionSetId = idOf(unheldPermissionSet(handle, userId));
    const holds = (): boolean =>
      rowsOf(handle, 'PermissionSetAssignment', { AssigneeId: userId, PermissionSetId: permissionSetId })
        .length === 1;
    const { grant, revoke } = await roundTrip(
      connector,
      handle,
      userId,
      { type: EntitlementTypes.permissionSet, externalId: permissionSetId },
      holds,
    );
    expect(grant.calls[0]?.path.startsWith(writes)).toBe(true);
    expect(revoke.calls[0]?.path.startsWith(writes)).toBe(true);
  });

  it('asks the org about SCIM once per connector', async () => {
    const probe = vi.spyOn(SalesforceClient.prototype, 'scimServiceProviderConfig');
    try {
      const fresh = connectorFor(handle);
      const userId = idOf(plainUser(handle));
      const entitlement = {
        type: EntitlementTypes.permissionSet,
        externalId: idOf(unheldPermissionSet(handle, userId)),
      };
      for (let round = 0; round < 3; round += 1) {
        const planned = await fresh.provision(contextFor(handle), {
          kind: 'grant',
          accountExternalId: userId,
          entitlement,
          dryRun: true,
        });
        expect(planned.calls[0]?.path.startsWith(writes)).toBe(true);
      }
      expect(probe).toHaveBeenCalledTimes(1);
    } finally {
      probe.mockRestore();
    }
  });

  it('roles: set and clear', async () => {
    const user = plainUser(handle, 1);
    const userId = idOf(user);
    handle.org.update('User', userId, { UserRoleId: null });
    const roleId = idOf(rowsOf(handle, 'UserRole')[0]);
    const { grant } = await roundTrip(
      connector,
      handle,
      userId,
      { type: EntitlementTypes.role, externalId: roleId },
      () => handle.org.get(userId)?.['UserRoleId'] === roleId,
    );
    expect(grant.calls[0]?.path.startsWith(writes)).toBe(true);
  });

  it('profiles: a grant replaces the profile, a revoke is refused', async () => {
    const user = plainUser(handle, 2);
    const userId = idOf(user);
    const before = String(user['ProfileId']);
    const other = idOf(
      rowsOf(handle, 'Profile', { Name: 'Read Only' }).find((profile) => profile['Id'] !== before),
    );
    const ctx = contextFor(handle);
    const entitlement = { type: EntitlementTypes.profile, externalId: other };
    const granted = await connector.provision(ctx, { kind: 'grant', accountExternalId: userId, entitlement });
    expect(granted.changed).toBe(true);
    expect(granted.calls[0]?.path.startsWith(writes)).toBe(true);
    expect(handle.org.get(userId)?.['ProfileId']).toBe(other);
    const ownedSets = new Set(
      rowsOf(handle, 'PermissionSet', { IsOwnedByProfile: true }).map((permissionSet) => permissionSet['Id']),
    );
    const profileAssignments = rowsOf(handle, 'PermissionSetAssignment', { AssigneeId: userId }).filter(
      (row) => ownedSets.has(row['PermissionSetId']),
    );
    expect(profileAssignments).toHaveLength(1);
    expect(
      (await connector.provision(ctx, { kind: 'grant', accountExternalId: userId, entitlement })).changed,
    ).toBe(false);
    await expect(
      connector.provision(ctx, { kind: 'revoke', accountExternalId: userId, entitlement }),
    ).rejects.toThrow(InvalidInputError);
    await expect(
      connector.provision(ctx, { kind: 'revoke', accountExternalId: userId, entitlement }),
    ).rejects.toThrow(/grant another profile instead/);
    await connector.provision(ctx, {
      kind: 'grant',
      accountExternalId: userId,
      entitlement: { type: EntitlementTypes.profile, externalId: before },
    });
    expect(handle.org.get(userId)?.['ProfileId']).toBe(before);
  });

  it('permission set groups, public groups and package licenses through REST', async () => {
    const userId = idOf(plainUser(handle, 3));
    const groupId = idOf(rowsOf(handle, 'PermissionSetGroup')[0]);
    const groupGrant = await roundTrip(
      connector,
      handle,
      userId,
      { type: EntitlementTypes.permissionSetGroup, externalId: groupId },
      () =>
        rowsOf(handle, 'PermissionSetAssignment', { AssigneeId: userId, PermissionSetGroupId: groupId })
          .length === 1,
    );
    expect(groupGrant.grant.calls[0]).toMatchObject({
      method: 'POST',
      path: '/services/data/v63.0/sobjects/PermissionSetAssignment',
      body: { AssigneeId: userId, PermissionSetGroupId: groupId },
    });

    const publicGroupId = idOf(
      rowsOf(handle, 'Group', { Type: 'Regular' }).find(
        (group) =>
          rowsOf(handle, 'GroupMember', { GroupId: idOf(group), UserOrGroupId: userId }).length === 0,
      ),
    );
    await roundTrip(
      connector,
      handle,
      userId,
      { type: EntitlementTypes.publicGroup, externalId: publicGroupId },
      () => rowsOf(handle, 'GroupMember', { GroupId: publicGroupId, UserOrGroupId: userId }).length === 1,
    );

    const license = rowsOf(handle, 'PackageLicense').find(
      (row) => row['Status'] !== 'Expired' && Number(row['UsedLicenses']) < Number(row['AllowedLicenses']),
    );
    const licenseId = idOf(license);
    const usedBefore = Number(license?.['UsedLicenses']);
    await roundTrip(
      connector,
      handle,
      userId,
      { type: EntitlementTypes.packageLicense, externalId: licenseId },
      () =>
        rowsOf(handle, 'UserPackageLicense', { UserId: userId, PackageLicenseId: licenseId }).length === 1,
    );
    expect(handle.org.get(licenseId)?.['UsedLicenses']).toBe(usedBefore);
  });
});

describe('grants Salesforce refuses, and time-limited grants', () => {
  let handle: EmulatorHandle;
  let connector: SalesforceConnector;
  beforeAll(async () => {
    handle = await startTinyOrg(34);
    connector = connectorFor(handle, { scim: 'never' });
  });
  afterAll(async () => handle.close());

  const grant = (accountExternalId: string, entitlement: EntitlementRef, expiresAt?: Date) =>
    connector.provision(contextFor(handle), {
      kind: 'grant',
      accountExternalId,
      entitlement,
      ...(expiresAt ? { expiresAt } : {}),
    });

  it('refuses profile-owned and group-aggregate permission sets with a clear InvalidInputError', async () => {
    const userId = idOf(plainUser(handle));
    const owned = idOf(rowsOf(handle, 'PermissionSet', { IsOwnedByProfile: true })[0]);
    await expect(grant(userId, { type: EntitlementTypes.permissionSet, externalId: owned })).rejects.toThrow(
      /belongs to profile .* grant or replace the profile instead/,
    );
    const aggregate = idOf(rowsOf(handle, 'PermissionSet', { Type: 'Group' })[0]);
    const error: unknown = await grant(userId, {
      type: EntitlementTypes.permissionSet,
      externalId: aggregate,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(String(error)).toMatch(/use the permission_set_group entitlement 0PG/);
    expect(
      rowsOf(handle, 'PermissionSetAssignment', { AssigneeId: userId, PermissionSetId: aggregate }),
    ).toEqual([]);
  });

  it('refuses user licenses (held through the profile) and ids of the wrong kind', async () => {
    const userId = idOf(plainUser(handle));
    const licenseId = idOf(rowsOf(handle, 'UserLicense')[0]);
    await expect(
      grant(userId, { type: EntitlementTypes.userLicense, externalId: licenseId }),
    ).rejects.toThrow(UnsupportedError);
    await expect(
      grant(userId, { type: EntitlementTypes.permissionSet, externalId: licenseId }),
    ).rejects.toThrow(/is not a PermissionSet Id.*starts with 0PS/);
    await expect(
      grant('not-a-user', {
        type: EntitlementTypes.permissionSet,
        externalId: idOf(regularPermissionSet(handle)),
      }),
    ).rejects.toThrow(/not a Salesforce user Id/);
  });

  it('reports a full package license as a ConflictError naming seats used and allowed, before writing', async () => {
    const userId = idOf(plainUser(handle));
    const full = rowsOf(handle, 'PackageLicense').find(
      (row) => row['Status'] !== 'Expired' && Number(row['UsedLicenses']) >= Number(row['AllowedLicenses']),
    );
    const licenseId = idOf(full);
    const seatsBefore = rowsOf(handle, 'UserPackageLicense', { PackageLicenseId: licenseId }).length;
    const error: unknown = await grant(userId, {
      type: EntitlementTypes.packageLicense,
      externalId: licenseId,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConflictError);
    expect(String(error)).toContain(
      `${String(full?.['UsedLicenses'])} of ${String(full?.['AllowedLicenses'])} seats used`,
    );
    expect(rowsOf(handle, 'UserPackageLicense', { PackageLicenseId: licenseId })).toHaveLength(seatsBefore);
  });

  it('writes expiresAt as ExpirationDate, and moves it on a second grant with another date', async () => {
    const userId = idOf(plainUser(handle, 1));
    const permissionSetId = idOf(unheldPermissionSet(handle, userId));
    const entitlement = { type: EntitlementTypes.permissionSet, externalId: permissionSetId };
    const first = new Date('2027-06-30T00:00:00.000Z');
    await grant(userId, entitlement, first);
    const [assignment] = rowsOf(handle, 'PermissionSetAssignment', {
      AssigneeId: userId,
      PermissionSetId: permissionSetId,
    });
    expect(new Date(String(assignment?.['ExpirationDate']).replace('+0000', 'Z')).getTime()).toBe(
      first.getTime(),
    );
    expect((await grant(userId, entitlement, first)).changed).toBe(false);
    const later = new Date('2027-09-30T00:00:00.000Z');
    const moved = await grant(userId, entitlement, later);
    expect(moved.calls[0]).toMatchObject({ method: 'PATCH', body: { ExpirationDate: later.toISOString() } });
    const [updated] = rowsOf(handle, 'PermissionSetAssignment', {
      AssigneeId: userId,
      PermissionSetId: permissionSetId,
    });
    expect(new Date(String(updated?.['ExpirationDate']).replace('+0000', 'Z')).getTime()).toBe(
      later.getTime(),
    );
  });
});
