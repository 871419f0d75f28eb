import 'reflect-metadata';
import {
  ConflictError,
  EntitlementTypes,
  IncompleteOperationError,
  InvalidInputError,
  TransientError,
  type NewAccount,
} from '@accessledger/core';
import type { EmulatorHandle } from '@accessledger/salesforce-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  connectorFor,
  contextFor,
  idOf,
  plainUser,
  regularPermissionSet,
  rowsOf,
  startTinyOrg,
} from '../../test/emulated-org.js';
import type { SalesforceConnector } from '../connector.js';
import { SalesforceClient } from '../http/client.js';

let handle: EmulatorHandle;
let connector: SalesforceConnector;
beforeAll(async () => {
  handle = await startTinyOrg(51);
  connector = connectorFor(handle);
});
afterAll(async () => handle.close());
afterEach(() => {
  vi.restoreAllMocks();
  handle.faults.reset();
});

const standardProfile = (): string => idOf(rowsOf(handle, 'Profile', { Name: 'Standard User' })[0]);

function newAccount(username: string, extra: Partial<NewAccount> = {}): NewAccount {
  return {
    username,
    email: 'ada.lovelace@example.com',
    displayName: 'Ada Lovelace',
    firstName: 'Ada',
    lastName: 'Lovelace',
    entitlements: [{ type: EntitlementTypes.profile, externalId: standardProfile() }],
    ...extra,
  };
}

describe('createAccount', () => {
  it('reports a user created whose grant then failed as an IncompleteOperationError naming the user', async () => {
    const groupId = idOf(rowsOf(handle, 'Group', { Type: 'Regular' })[0]);
    const account = newAccount('ada.partial@accessledger-test.example.com', {
      entitlements: [
        { type: EntitlementTypes.profile, externalId: standardProfile() },
        { type: EntitlementTypes.publicGroup, externalId: groupId },
      ],
    });
    const original = SalesforceClient.prototype.create;
    vi.spyOn(SalesforceClient.prototype, 'create').mockImplementation(function (
      this: SalesforceClient,
      sobject,
      ...rest
    ) {
      if (sobject === 'GroupMember') return Promise.reject(new ConflictError('group is locked'));
      return original.call(this, sobject, ...rest);
    });
    const error: unknown = await connector
      .provision(contextFor(handle), { kind: 'createAccount', account })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IncompleteOperationError);
    const stopped = error as IncompleteOperationError;
    const userId = idOf(rowsOf(handle, 'User', { Username: account.username })[0]);
    expect(stopped.partial).toMatchObject({
      unit: 'grants',
      completed: 0,
      failed: 1,
      createdExternalId: userId,
    });
    expect(stopped.partial.calls.map((call) => call.method)).toEqual(['POST']);
    expect(stopped.message).toContain(
      `User ${userId} was created, but granting public_group ${groupId} failed`,
    );
    expect(stopped.cause).toBeInstanceOf(ConflictError);
  });

  it('creates a user with the required fields, then grants the other entitlements', async () => {
    const permissionSetId = idOf(regularPermissionSet(handle));
    const groupId = idOf(rowsOf(handle, 'Group', { Type: 'Regular' })[0]);
    const roleId = idOf(rowsOf(handle, 'UserRole')[0]);
    const account = newAccount('ada.lovelace@accessledger-test.example.com', {
      entitlements: [
        { type: EntitlementTypes.profile, externalId: standardProfile() },
        { type: EntitlementTypes.role, externalId: roleId },
        { type: EntitlementTypes.permissionSet, externalId: permissionSetId },
        { type: EntitlementTypes.publicGroup, externalId: groupId },
      ],
      attributes: { Department: 'Research', TimeZoneSidKey: 'Europe/London' },
    });
    const ctx = contextFor(handle);
    const planned = await connector.provision(ctx, { kind: 'createAccount', account, dryRun: true });
    expect(planned.changed).toBe(true);
    expect(planned.calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      'POST /services/data/v63.0/sobjects/User',
      expect.stringMatching(/^PATCH \/services\/scim\/v2\/Entitlements\/0PS/),
      'POST /services/data/v63.0/sobjects/GroupMember',
    ]);
    expect(rowsOf(handle, 'User', { Username: account.username })).toEqual([]);

    const created = await connector.provision(ctx, { kind: 'createAccount', account });
    const userId = created.createdExternalId as string;
    expect(created).toMatchObject({ changed: true, dryRun: false });
    expect(created.calls).toHaveLength(3);
    expect(handle.org.get(userId)).toMatchObject({
      Username: account.username,
      LastName: 'Lovelace',
      FirstName: 'Ada',
      Alias: 'alovelac',
      ProfileId: standardProfile(),
      UserRoleId: roleId,
      Department: 'Research',
      TimeZoneSidKey: 'Europe/London',
      LocaleSidKey: 'en_US',
      EmailEncodingKey: 'UTF-8',
      LanguageLocaleKey: 'en_US',
      IsActive: true,
    });
    expect(
      rowsOf(handle, 'PermissionSetAssignment', { AssigneeId: userId, PermissionSetId: permissionSetId }),
    ).toHaveLength(1);
    expect(rowsOf(handle, 'GroupMember', { GroupId: groupId, UserOrGroupId: userId })).toHaveLength(1);

    const again: unknown = await connector
      .provision(ctx, { kind: 'createAccount', account })
      .catch((caught: unknown) => caught);
    expect(again).toBeInstanceOf(ConflictError);
    expect(String(again)).toContain(userId);
  });

  it('says clearly that a profile is required', async () => {
    const error: unknown = await connector
      .provision(contextFor(handle), {
        kind: 'createAccount',
        account: newAccount('no.profile@accessledger-test.example.com', { entitlements: [] }),
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(String(error)).toMatch(/must have a profile: add \{ type: 'profile'/);
  });

  it('reports a create whose answer was lost as created, after looking the user up by Username', async () => {
    const account = newAccount('lost.answer@accessledger-test.example.com');
    const original = SalesforceClient.prototype.create;
    // The request lands, then the connection drops before the answer: the emulator drops before
    // running a request, so the landing is played by creating the user directly first.
    vi.spyOn(SalesforceClient.prototype, 'create').mockImplementation(async function (
      this: SalesforceClient,
      ...args
    ) {
      handle.org.create('User', args[1]);
      handle.faults.set({ dropConnectionRate: 1 });
      try {
        return await original.apply(this, args);
      } finally {
        handle.faults.set({ dropConnectionRate: 0 });
      }
    });
    const created = await connector.provision(contextFor(handle), { kind: 'createAccount', account });
    expect(handle.faults.counts.droppedConnection).toBe(1);
    expect(created.createdExternalId).toBe(idOf(rowsOf(handle, 'User', { Username: account.username })[0]));
    expect(rowsOf(handle, 'User', { Username: account.username })).toHaveLength(1);
  });

  it('never retries a create whose connection dropped, and says it is safe to retry when no user exists', async () => {
    const account = newAccount('dropped.create@accessledger-test.example.com');
    const original = SalesforceClient.prototype.create;
    vi.spyOn(SalesforceClient.prototype, 'create').mockImplementation(async function (
      this: SalesforceClient,
      ...args
    ) {
      handle.faults.set({ dropConnectionRate: 1 });
      try {
        return await original.apply(this, args);
      } finally {
        handle.faults.set({ dropConnectionRate: 0 });
      }
    });
    const error: unknown = await connector
      .provision(contextFor(handle), { kind: 'createAccount', account })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientError);
    expect(String(error)).toMatch(/so it was not created: it is safe to try again/);
    expect(handle.faults.counts.droppedConnection).toBe(1);
    expect(rowsOf(handle, 'User', { Username: account.username })).toEqual([]);
  });
});

describe('updateAccount', () => {
  it('patches only the fields that differ, and nothing the second time', async () => {
    const userId = idOf(plainUser(handle, 2));
    const ctx = contextFor(handle);
    const changes = {
      email: 'renamed@example.com',
      lastName: 'Renamed',
      attributes: { Department: 'Legal' },
    };
    const planned = await connector.provision(ctx, {
      kind: 'updateAccount',
      accountExternalId: userId,
      changes,
      dryRun: true,
    });
    expect(planned.calls).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        path: `/services/data/v63.0/sobjects/User/${userId}`,
        body: { Email: 'renamed@example.com', LastName: 'Renamed', Department: 'Legal' },
      }),
    ]);
    expect(handle.org.get(userId)?.['Email']).not.toBe('renamed@example.com');
    const updated = await connector.provision(ctx, {
      kind: 'updateAccount',
      accountExternalId: userId,
      changes,
    });
    expect(updated.changed).toBe(true);
    expect(handle.org.get(userId)).toMatchObject({
      Email: 'renamed@example.com',
      LastName: 'Renamed',
      Department: 'Legal',
    });
    expect(
      await connector.provision(ctx, { kind: 'updateAccount', accountExternalId: userId, changes }),
    ).toMatchObject({
      changed: false,
      calls: [],
    });
  });

  it('refuses fields that only grants and deprovisioning change', async () => {
    await expect(
      connector.provision(contextFor(handle), {
        kind: 'updateAccount',
        accountExternalId: idOf(plainUser(handle)),
        changes: { attributes: { ProfileId: standardProfile() } },
      }),
    ).rejects.toThrow(/ProfileId cannot be set through attributes/);
  });
});

describe('createAccount checks every requested entitlement before creating', () => {
  it('refuses a full package license without leaving a user behind', async () => {
    const full = rowsOf(handle, 'PackageLicense').find(
      (row) => row['Status'] !== 'Expired' && Number(row['UsedLicenses']) >= Number(row['AllowedLicenses']),
    );
    const account = newAccount('full.license@accessledger-test.example.com', {
      entitlements: [
        { type: EntitlementTypes.profile, externalId: standardProfile() },
        { type: EntitlementTypes.packageLicense, externalId: idOf(full) },
      ],
    });
    await expect(connector.provision(contextFor(handle), { kind: 'createAccount', account })).rejects.toThrow(
      ConflictError,
    );
    expect(rowsOf(handle, 'User', { Username: account.username })).toEqual([]);
  });
});
