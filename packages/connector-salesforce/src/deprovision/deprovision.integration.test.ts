import 'reflect-metadata';
import {
  ConflictError,
  EntitlementTypes,
  IncompleteOperationError,
  TransientError,
} from '@accessledger/core';
import type { EmulatorHandle } from '@accessledger/salesforce-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  connectorFor,
  contextFor,
  idOf,
  plainUser,
  unheldPermissionSet,
  rowsOf,
  startTinyOrg,
} from '../../test/emulated-org.js';
import type { SalesforceConnector } from '../connector.js';
import { SalesforceClient } from '../http/client.js';

describe.each([
  { label: 'SCIM', seed: 41, scim: 'always' as const, path: '/services/scim/v2/Users/' },
  { label: 'REST', seed: 42, scim: 'never' as const, path: '/services/data/v63.0/sobjects/User/' },
])('deactivate through $label', ({ seed, scim, path }) => {
  let handle: EmulatorHandle;
  let connector: SalesforceConnector;
  beforeAll(async () => {
    handle = await startTinyOrg(seed);
    connector = connectorFor(handle, { scim });
  });
  afterAll(async () => handle.close());

  it('sets IsActive false, never deletes, and is idempotent', async () => {
    const userId = idOf(plainUser(handle));
    const ctx = contextFor(handle);
    const planned = await connector.deprovision(ctx, {
      kind: 'deactivate',
      accountExternalId: userId,
      dryRun: true,
    });
    expect(planned).toMatchObject({ changed: true, dryRun: true });
    expect(planned.calls[0]?.path.startsWith(path)).toBe(true);
    expect(handle.org.get(userId)?.['IsActive']).toBe(true);
    const done = await connector.deprovision(ctx, { kind: 'deactivate', accountExternalId: userId });
    expect(done.calls).toEqual(planned.calls);
    expect(handle.org.get(userId)).toMatchObject({ IsActive: false });
    expect(await connector.deprovision(ctx, { kind: 'deactivate', accountExternalId: userId })).toMatchObject(
      {
        changed: false,
        calls: [],
      },
    );
  });

  it('refuses to deactivate the integration user itself, saying why', async () => {
    const error: unknown = await connector
      .deprovision(contextFor(handle), { kind: 'deactivate', accountExternalId: handle.org.adminUserId })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConflictError);
    expect(String(error)).toMatch(/integration user .* does not let a user deactivate themself/);
    expect(handle.org.get(handle.org.adminUserId)?.['IsActive']).toBe(true);
  });
});

describe('release', () => {
  let handle: EmulatorHandle;
  let connector: SalesforceConnector;
  beforeAll(async () => {
    handle = await startTinyOrg(43);
    connector = connectorFor(handle);
  });
  afterAll(async () => handle.close());

  it('removes every permission set, group, seat and public group membership, keeping profile and role', async () => {
    const user = plainUser(handle, 1);
    const userId = idOf(user);
    const ctx = contextFor(handle);
    const grant = async (type: string, externalId: string) =>
      connector.provision(ctx, {
        kind: 'grant',
        accountExternalId: userId,
        entitlement: { type, externalId },
      });
    await grant(EntitlementTypes.permissionSet, idOf(unheldPermissionSet(handle, userId)));
    await grant(EntitlementTypes.permissionSetGroup, idOf(rowsOf(handle, 'PermissionSetGroup')[1]));
    await grant(EntitlementTypes.publicGroup, idOf(rowsOf(handle, 'Group', { Type: 'Regular' })[2]));
    const license = rowsOf(handle, 'PackageLicense').find(
      (row) => row['Status'] !== 'Expired' && Number(row['UsedLicenses']) < Number(row['AllowedLicenses']),
    );
    await grant(EntitlementTypes.packageLicense, idOf(license));
    const ownedSets = new Set(
      rowsOf(handle, 'PermissionSet', { IsOwnedByProfile: true }).map((row) => row['Id']),
    );
    const releasable = () => ({
      assignments: rowsOf(handle, 'PermissionSetAssignment', { AssigneeId: userId }).filter(
        (row) => !ownedSets.has(row['PermissionSetId']),
      ).length,
      seats: rowsOf(handle, 'UserPackageLicense', { UserId: userId }).length,
      memberships: rowsOf(handle, 'GroupMember', { UserOrGroupId: userId }).length,
    });
    const before = releasable();
    expect(before.assignments).toBeGreaterThanOrEqual(2);

    const planned = await connector.deprovision(ctx, {
      kind: 'release',
      accountExternalId: userId,
      dryRun: true,
    });
    expect(planned.calls).toHaveLength(before.assignments + before.seats + before.memberships);
    expect(planned.calls.every((call) => call.method === 'DELETE')).toBe(true);
    expect(releasable()).toEqual(before);

    const released = await connector.deprovision(ctx, { kind: 'release', accountExternalId: userId });
    expect(released.changed).toBe(true);
    expect(releasable()).toEqual({ assignments: 0, seats: 0, memberships: 0 });
    expect(handle.org.get(userId)).toMatchObject({
      ProfileId: user['ProfileId'],
      UserRoleId: user['UserRoleId'],
    });
    expect(
      rowsOf(handle, 'PermissionSetAssignment', { AssigneeId: userId }).filter((row) =>
        ownedSets.has(row['PermissionSetId']),
      ),
    ).toHaveLength(1);
    expect(await connector.deprovision(ctx, { kind: 'release', accountExternalId: userId })).toMatchObject({
      changed: false,
      calls: [],
    });
  });
});

describe('transfer', () => {
  let handle: EmulatorHandle;
  let connector: SalesforceConnector;
  beforeAll(async () => {
    handle = await startTinyOrg(44);
    connector = connectorFor(handle);
  });
  afterAll(async () => handle.close());
  afterEach(() => {
    vi.restoreAllMocks();
    handle.faults.reset();
  });

  function seedRecords(ownerId: string, accounts: number, opportunities: number): void {
    for (let index = 0; index < accounts; index += 1) {
      handle.org.create('Account', { Name: `Transfer test ${index}`, OwnerId: ownerId });
    }
    const accountId = idOf(rowsOf(handle, 'Account', { OwnerId: ownerId })[0]);
    for (let index = 0; index < opportunities; index += 1) {
      handle.org.create('Opportunity', {
        Name: `Deal ${index}`,
        OwnerId: ownerId,
        AccountId: accountId,
        StageName: 'Prospecting',
        CloseDate: '2026-12-31',
      });
    }
  }

  /** Live records the user owns, archived activities included (the store's queryAll view, less deleted rows). */
  const owned = (ownerId: string, objectName: string): number =>
    [...handle.org.store.scan(objectName, { includeDeleted: true })].filter(
      (row) => row['OwnerId'] === ownerId && row['IsDeleted'] !== true,
    ).length;

  it('refuses an inactive target before any write', async () => {
    const from = idOf(plainUser(handle, 0));
    const inactive = idOf(rowsOf(handle, 'User', { IsActive: false })[0]);
    seedRecords(from, 2, 0);
    const before = owned(from, 'Account');
    const error: unknown = await connector
      .deprovision(contextFor(handle), {
        kind: 'transfer',
        accountExternalId: from,
        toAccountExternalId: inactive,
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConflictError);
    expect(String(error)).toMatch(/inactive.*Nothing was changed/);
    expect(owned(from, 'Account')).toBe(before);
  });

  it('moves > 25 records in batches, carries on past lock faults, and a resume moves the failed ones', async () => {
    const from = idOf(plainUser(handle, 1));
    const to = idOf(plainUser(handle, 2));
    seedRecords(from, 40, 7);
    const accounts = owned(from, 'Account');
    const opportunities = owned(from, 'Opportunity');
    const tasks = owned(from, 'Task');
    const toBefore = owned(to, 'Account');
    const ctx = contextFor(handle);

    const planned = await connector.deprovision(ctx, {
      kind: 'transfer',
      accountExternalId: from,
      toAccountExternalId: to,
      dryRun: true,
    });
    expect(planned.calls).toHaveLength(
      Math.ceil(accounts / 25) + Math.ceil(opportunities / 25) + Math.ceil(tasks / 25),
    );
    expect(planned.summary).toBe(
      `Would move: Account: ${accounts}, Opportunity: ${opportunities}, Task: ${tasks}`,
    );
    expect(owned(from, 'Account')).toBe(accounts);

    // The second batch loses three row locks.
    const original = SalesforceClient.prototype.compositeBatch;
    let batches = 0;
    vi.spyOn(SalesforceClient.prototype, 'compositeBatch').mockImplementation(function (
      this: SalesforceClient,
      ...args
    ) {
      batches += 1;
      if (batches === 2) handle.faults.set({ lockRowNext: 3 });
      return original.apply(this, args);
    });
    const stopped: unknown = await connector
      .deprovision(ctx, { kind: 'transfer', accountExternalId: from, toAccountExternalId: to })
      .catch((caught: unknown) => caught);
    expect(handle.faults.counts.unableToLockRow).toBe(3);
    expect(stopped).toBeInstanceOf(IncompleteOperationError);
    const partial = (stopped as IncompleteOperationError).partial;
    expect(partial).toMatchObject({
      unit: 'records',
      completed: accounts - 3 + opportunities + tasks,
      failed: 3,
    });
    expect(partial.resumeToken).toBeDefined();
    // The failures do not stop the rest: every other record of every type moved.
    expect((stopped as Error).message).toMatch(
      /^Transfer incomplete: Moved: Account: \d+, Opportunity: \d+, Task: \d+\. 3 records failed \(Account: UNABLE_TO_LOCK_ROW/,
    );
    expect(owned(from, 'Account')).toBe(3);
    expect(owned(from, 'Opportunity')).toBe(0);
    const body = partial.calls[0]?.body as { batchRequests: unknown[]; haltOnError: boolean };
    expect(body.batchRequests).toHaveLength(25);
    expect(body.haltOnError).toBe(false);

    const resumed = await connector.deprovision(ctx, {
      kind: 'transfer',
      accountExternalId: from,
      toAccountExternalId: to,
      resumeToken: partial.resumeToken as string,
    });
    expect(resumed.summary).toBe('Moved: Account: 3');
    expect(owned(from, 'Account') + owned(from, 'Opportunity') + owned(from, 'Task')).toBe(0);
    expect(owned(to, 'Account')).toBe(toBefore + accounts);
    expect(
      await connector.deprovision(ctx, {
        kind: 'transfer',
        accountExternalId: from,
        toAccountExternalId: to,
      }),
    ).toMatchObject({ changed: false, calls: [] });
  });

  it('moves archived tasks (only queryAll returns them) and never deleted ones', async () => {
    const from = idOf(plainUser(handle, 4));
    const to = idOf(plainUser(handle, 2));
    const archived = handle.org.create('Task', {
      Subject: 'Closed long ago',
      Status: 'Completed',
      OwnerId: from,
    });
    const record = handle.org.store.table('Task').live.get(archived);
    if (!record) throw new Error('no task');
    handle.org.store.updateRaw(record, 'Task', { IsArchived: true });
    expect(rowsOf(handle, 'Task', { OwnerId: from }).some((row) => row['Id'] === archived)).toBe(false);
    const deleted = handle.org.create('Task', {
      Subject: 'In the recycle bin',
      Status: 'Completed',
      OwnerId: from,
    });
    handle.org.delete('Task', deleted);
    const done = await connector.deprovision(contextFor(handle), {
      kind: 'transfer',
      accountExternalId: from,
      toAccountExternalId: to,
      objectTypes: ['Task'],
    });
    // Completed in one call (a failure would have thrown IncompleteOperationError).
    expect(done).toMatchObject({ changed: true, dryRun: false });
    expect(done.summary).toMatch(/^Moved: Task: \d+$/);
    expect(handle.org.store.table('Task').live.get(archived)?.['OwnerId']).toBe(to);
    expect(handle.org.store.table('Task').deleted.get(deleted)?.['OwnerId']).toBe(from);
    expect(owned(from, 'Task')).toBe(0);
  });

  it('keeps moving the other records when one fails every time, and a resume retries only that one', async () => {
    const from = idOf(plainUser(handle, 5));
    const to = idOf(plainUser(handle, 2));
    seedRecords(from, 30, 2);
    const stuck = handle.org.create('Account', { Name: 'Locked by a rule', OwnerId: from });
    const rule = {
      objectName: 'Account',
      name: 'Owner_Frozen',
      errorMessage: 'The owner of this account cannot change',
      condition: (candidate: Readonly<Record<string, unknown>>) =>
        candidate['Id'] === stuck && candidate['OwnerId'] !== from,
    };
    handle.org.validationRules.push(rule);
    try {
      const ctx = contextFor(handle);
      const request = { kind: 'transfer', accountExternalId: from, toAccountExternalId: to } as const;
      const first: unknown = await connector.deprovision(ctx, request).catch((caught: unknown) => caught);
      expect(first).toBeInstanceOf(IncompleteOperationError);
      const stopped = first as IncompleteOperationError;
      expect(stopped.message).toMatch(/1 records failed \(Account: FIELD_CUSTOM_VALIDATION_EXCEPTION/);
      expect(stopped.partial.failed).toBe(1);
      expect(owned(from, 'Account')).toBe(1);
      expect(owned(from, 'Opportunity')).toBe(0);
      const again = await connector
        .deprovision(ctx, {
          ...request,
          resumeToken: stopped.partial.resumeToken as string,
        })
        .catch((caught: unknown) => caught);
      expect(again).toBeInstanceOf(IncompleteOperationError);
      expect((again as IncompleteOperationError).message).toMatch(/Moved: Account: 0\. 1 records failed/);
      expect((again as IncompleteOperationError).partial.calls).toHaveLength(1);
    } finally {
      handle.org.validationRules.splice(handle.org.validationRules.indexOf(rule), 1);
    }
  });

  it('reports a transfer that a failed call stopped after records moved as incomplete, with a resume token', async () => {
    const from = idOf(plainUser(handle, 3));
    const to = idOf(plainUser(handle, 2));
    seedRecords(from, 30, 0);
    // The generated org may give this user accounts of its own besides the seeded ones.
    const ownedBefore = owned(from, 'Account');
    const original = SalesforceClient.prototype.compositeBatch;
    let batches = 0;
    vi.spyOn(SalesforceClient.prototype, 'compositeBatch').mockImplementation(function (
      this: SalesforceClient,
      ...args
    ) {
      batches += 1;
      if (batches === 2) return Promise.reject(new TransientError('connection reset'));
      return original.apply(this, args);
    });
    const error: unknown = await connector
      .deprovision(contextFor(handle), {
        kind: 'transfer',
        accountExternalId: from,
        toAccountExternalId: to,
        objectTypes: ['Account'],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IncompleteOperationError);
    const stopped = error as IncompleteOperationError;
    expect(stopped.cause).toBeInstanceOf(TransientError);
    expect(stopped.partial).toMatchObject({ completed: 25, failed: 0 });
    const token = stopped.partial.resumeToken;
    expect(token).toBeDefined();
    vi.restoreAllMocks();
    const resumed = await connector.deprovision(contextFor(handle), {
      kind: 'transfer',
      accountExternalId: from,
      toAccountExternalId: to,
      resumeToken: token as string,
    });
    expect(resumed.summary).toBe(`Moved: Account: ${ownedBefore - 25}`);
    expect(owned(from, 'Account')).toBe(0);
  });
});
