import 'reflect-metadata';
import { ConflictError, InvalidInputError } from '@accessledger/core';
import type { EmulatorHandle } from '@accessledger/salesforce-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorFor, contextFor, idOf, plainUser, rowsOf, startTinyOrg } from '../../test/emulated-org.js';
import type { SalesforceConnector } from '../connector.js';

/**
 * Queues (Group Type 'Queue', members through GroupMember) and permission set
 * licenses (Object Reference "PermissionSetLicenseAssign": create and delete;
 * "PermissionSet": LicenseId names the license a permission set needs).
 */
describe.each([
  { label: 'SCIM on', seed: 41, scimEnabled: true },
  { label: 'SCIM off', seed: 42, scimEnabled: false },
])('queues and permission set licenses with $label', ({ seed, scimEnabled }) => {
  let handle: EmulatorHandle;
  let connector: SalesforceConnector;
  beforeAll(async () => {
    handle = await startTinyOrg(seed);
    handle.org.settings.scimEnabled = scimEnabled;
    connector = connectorFor(handle);
  });
  afterAll(async () => handle.close());

  it('grants and revokes a queue membership, and refuses a queue named as a public group', async () => {
    const ctx = contextFor(handle);
    const userId = idOf(plainUser(handle, 4));
    const queueId = idOf(rowsOf(handle, 'Group', { Type: 'Queue' })[0]);
    const holds = () =>
      rowsOf(handle, 'GroupMember', { GroupId: queueId, UserOrGroupId: userId }).length === 1;
    if (holds())
      await connector.provision(ctx, {
        kind: 'revoke',
        accountExternalId: userId,
        entitlement: { type: 'queue', externalId: queueId },
      });
    const entitlement = { type: 'queue', externalId: queueId };
    expect(
      (await connector.provision(ctx, { kind: 'grant', accountExternalId: userId, entitlement })).changed,
    ).toBe(true);
    expect(holds()).toBe(true);
    expect(
      (await connector.provision(ctx, { kind: 'grant', accountExternalId: userId, entitlement })).changed,
    ).toBe(false);
    await expect(
      connector.provision(ctx, {
        kind: 'grant',
        accountExternalId: userId,
        entitlement: { type: 'public_group', externalId: queueId },
      }),
    ).rejects.toThrow(/grant it as queue/);
    expect(
      (await connector.provision(ctx, { kind: 'revoke', accountExternalId: userId, entitlement })).changed,
    ).toBe(true);
    expect(holds()).toBe(false);
  });

  it('refuses a permission set whose license the user lacks, naming the license; grants it after the license', async () => {
    const ctx = contextFor(handle);
    const userId = idOf(plainUser(handle, 5));
    const licenseId = idOf(
      rowsOf(handle, 'PermissionSetLicense', { DeveloperName: 'EinsteinAnalyticsPlusPsl' })[0],
    );
    const permissionSetId = idOf(rowsOf(handle, 'PermissionSet', { LicenseId: licenseId })[0]);
    for (const row of rowsOf(handle, 'PermissionSetAssignment', {
      AssigneeId: userId,
      PermissionSetId: permissionSetId,
    })) {
      handle.org.delete('PermissionSetAssignment', idOf(row));
    }
    for (const row of rowsOf(handle, 'PermissionSetLicenseAssign', {
      AssigneeId: userId,
      PermissionSetLicenseId: licenseId,
    })) {
      handle.org.delete('PermissionSetLicenseAssign', idOf(row));
    }
    const permissionSet = { type: 'permission_set', externalId: permissionSetId };
    const license = { type: 'permission_set_license', externalId: licenseId };
    const refused = connector.provision(ctx, {
      kind: 'grant',
      accountExternalId: userId,
      entitlement: permissionSet,
    });
    await expect(refused).rejects.toThrow(InvalidInputError);
    await expect(
      connector.provision(ctx, { kind: 'grant', accountExternalId: userId, entitlement: permissionSet }),
    ).rejects.toThrow(/CRM Analytics Plus.*grant permission_set_license/);

    const used = Number(handle.org.get(licenseId)?.['UsedLicenses']);
    const seat = await connector.provision(ctx, {
      kind: 'grant',
      accountExternalId: userId,
      entitlement: license,
    });
    expect(seat.calls[0]?.path).toContain('PermissionSetLicenseAssign');
    expect(handle.org.get(licenseId)?.['UsedLicenses']).toBe(used + 1);
    expect(
      (
        await connector.provision(ctx, {
          kind: 'grant',
          accountExternalId: userId,
          entitlement: permissionSet,
        })
      ).changed,
    ).toBe(true);
    expect(
      rowsOf(handle, 'PermissionSetAssignment', { AssigneeId: userId, PermissionSetId: permissionSetId }),
    ).toHaveLength(1);

    // Release removes the assignment before the seat it needs, and the queue membership too.
    const queueId = idOf(rowsOf(handle, 'Group', { Type: 'Queue' })[0]);
    await connector.provision(ctx, {
      kind: 'grant',
      accountExternalId: userId,
      entitlement: { type: 'queue', externalId: queueId },
    });
    const released = await connector.deprovision(ctx, { kind: 'release', accountExternalId: userId });
    expect(released.changed).toBe(true);
    expect(rowsOf(handle, 'PermissionSetLicenseAssign', { AssigneeId: userId })).toHaveLength(0);
    expect(rowsOf(handle, 'GroupMember', { UserOrGroupId: userId })).toHaveLength(0);
    expect(handle.org.get(licenseId)?.['UsedLicenses']).toBe(used);
  });

  it('refuses a full permission set license with the seats used', async () => {
    const ctx = contextFor(handle);
    const userId = idOf(plainUser(handle, 6));
    const licenseId = idOf(
      rowsOf(handle, 'PermissionSetLicense', { DeveloperName: 'SalesforceAPIIntegrationPsl' })[0],
    );
    const record = handle.org.store.table('PermissionSetLicense').live.get(licenseId);
    if (!record) throw new Error('no license');
    handle.org.store.updateRaw(record, 'PermissionSetLicense', {
      TotalLicenses: Number(record['UsedLicenses']),
    });
    await expect(
      connector.provision(ctx, {
        kind: 'grant',
        accountExternalId: userId,
        entitlement: { type: 'permission_set_license', externalId: licenseId },
      }),
    ).rejects.toThrow(ConflictError);
  });
});

describe('a grant SCIM refuses goes through REST (errors mapped by HTTP status, never by detail wording)', () => {
  let handle: EmulatorHandle;
  beforeAll(async () => {
    handle = await startTinyOrg(43);
    handle.org.settings.scimEntitlementWrites = false;
  });
  afterAll(async () => handle.close());

  it('falls back to the PermissionSetAssignment create when PATCH /Entitlements answers 405', async () => {
    const connector = connectorFor(handle);
    const ctx = contextFor(handle);
    const userId = idOf(plainUser(handle, 1));
    const held = new Set(
      rowsOf(handle, 'PermissionSetAssignment', { AssigneeId: userId }).map((row) => row['PermissionSetId']),
    );
    const permissionSetId = idOf(
      rowsOf(handle, 'PermissionSet', { Type: 'Regular', IsOwnedByProfile: false, LicenseId: null }).find(
        (row) => !held.has(row['Id']),
      ),
    );
    const entitlement = { type: 'permission_set', externalId: permissionSetId };
    const granted = await connector.provision(ctx, { kind: 'grant', accountExternalId: userId, entitlement });
    expect(granted.changed).toBe(true);
    expect(granted.calls.map((call) => [call.method, call.path.split('/').slice(0, 4).join('/')])).toEqual([
      ['PATCH', '/services/scim/v2'],
      ['POST', '/services/data/v63.0'],
    ]);
    expect(
      rowsOf(handle, 'PermissionSetAssignment', { AssigneeId: userId, PermissionSetId: permissionSetId }),
    ).toHaveLength(1);
    const revoked = await connector.provision(ctx, {
      kind: 'revoke',
      accountExternalId: userId,
      entitlement,
    });
    expect(revoked.calls.map((call) => call.method)).toEqual(['PATCH', 'DELETE']);
    expect(
      rowsOf(handle, 'PermissionSetAssignment', { AssigneeId: userId, PermissionSetId: permissionSetId }),
    ).toHaveLength(0);
  });
});
