import 'reflect-metadata';
import {
  createRunContext,
  grantKey,
  entitlementKey,
  InMemoryCredentialStore,
  type Progress,
  type RunContext,
} from '@accessledger/core';
import { checkSyncConsistency, collectSync, type CollectedSync } from '@accessledger/core/testing';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OAuthSalesforceClientFactory } from '../client-factory.js';
import { salesforceConfigSchema } from '../config.js';
import { SalesforceConnector, salesforceManifest } from '../connector.js';
import { CredentialNames } from '../http/grants.js';

let emulator: EmulatorHandle;
let clean: CollectedSync;

function connector(queryBatchSize = 2000): SalesforceConnector {
  const config = salesforceConfigSchema.parse({
    domain: emulator.baseUrl,
    allowCustomHosts: true,
    auth: { flow: 'client-credentials', clientId: emulator.connectedApp.clientId },
    queryBatchSize,
  });
  const clients = new OAuthSalesforceClientFactory(config);
  clients.retry = { retries: 8, baseDelayMs: 5, maxDelayMs: 40 };
  return new SalesforceConnector(config, clients);
}

function context(progress: Progress[] = []): RunContext {
  return createRunContext({
    credentials: new InMemoryCredentialStore({
      [CredentialNames.clientSecret]: emulator.connectedApp.clientSecret,
    }),
    progress: { report: (entry) => void progress.push(entry) },
  });
}

type Row = Readonly<Record<string, unknown>>;
const rows = (objectName: string): Row[] => emulator.org.find(objectName) as Row[];
const countOf = <T>(list: readonly T[], predicate: (item: T) => boolean): number =>
  list.filter(predicate).length;

beforeAll(async () => {
  emulator = await startEmulator({ org: generateOrg({ seed: 5, preset: 'demo' }) });
  const started = performance.now();
  clean = await collectSync(connector(), context());
  console.log(
    `demo org sync: ${clean.accounts.length} accounts, ${clean.grants.length} grants in ${Math.round(performance.now() - started)} ms, ${emulator.org.apiUsage.used()} API calls`,
  );
});
afterAll(async () => emulator.close());
beforeEach(() => emulator.faults.reset());

describe('a sync of the demo org', () => {
  it('is consistent', () => {
    expect(checkSyncConsistency(clean, salesforceManifest)).toEqual([]);
  });

  it('emits every user, labelled by type, with frozen users suspended', () => {
    const users = rows('User');
    expect(clean.accounts.length).toBe(users.length);
    expect(clean.activity.length).toBe(users.length);
    const frozen = new Set(
      rows('UserLogin')
        .filter((login) => login['IsFrozen'] === true)
        .map((login) => login['UserId']),
    );
    const activeFrozen = countOf(users, (user) => user['IsActive'] === true && frozen.has(user['Id']));
    expect(activeFrozen).toBeGreaterThan(0);
    expect(countOf(clean.accounts, (account) => account.status === 'suspended')).toBe(activeFrozen);
    expect(countOf(clean.accounts, (account) => account.status === 'inactive')).toBe(
      countOf(users, (user) => user['IsActive'] !== true),
    );
    expect(new Set(clean.accounts.map((account) => account.accountType))).toEqual(
      new Set(users.map((user) => user['UserType'])),
    );
    const custom = clean.accounts.find((account) => typeof account.attributes['Cost_Center__c'] === 'string');
    expect(custom).toBeDefined();
    // Each documented kind is there, with UserType kept beside it (Object Reference "User": UserType).
    const kinds = new Map<unknown, Set<unknown>>();
    for (const account of clean.accounts) {
      const kind = account.attributes['kind'];
      kinds.set(kind, (kinds.get(kind) ?? new Set()).add(account.accountType));
    }
    expect(kinds.get('system')).toEqual(new Set(['AutomatedProcess']));
    expect(kinds.get('guest')).toEqual(new Set(['Guest']));
    expect(kinds.get('external')).toEqual(new Set(['PowerPartner', 'CspLitePortal']));
    expect(kinds.get('integration')).toEqual(new Set(['Standard']));
    expect(kinds.get('human')).toEqual(new Set(['Standard', 'CsnOnly']));
  });

  it('emits exactly the entitlements of the org', () => {
    const byType = (type: string): number =>
      countOf(clean.entitlements, (entitlement) => entitlement.type === type);
    const permissionSets = rows('PermissionSet');
    expect(byType('user_license')).toBe(rows('UserLicense').length);
    expect(byType('profile')).toBe(rows('Profile').length);
    expect(byType('role')).toBe(rows('UserRole').length);
    expect(byType('permission_set')).toBe(
      countOf(permissionSets, (set) => set['IsOwnedByProfile'] !== true && set['Type'] !== 'Group'),
    );
    expect(byType('permission_set_group')).toBe(rows('PermissionSetGroup').length);
    expect(byType('package_license')).toBe(rows('PackageLicense').length);
    expect(byType('public_group')).toBe(countOf(rows('Group'), (group) => group['Type'] === 'Regular'));
    expect(byType('queue')).toBe(countOf(rows('Group'), (group) => group['Type'] === 'Queue'));
    expect(byType('permission_set_license')).toBe(rows('PermissionSetLicense').length);
    expect(byType('derived_group')).toBeGreaterThan(0);
    const admin = clean.entitlements.find((entitlement) => entitlement.name === 'System Administrator');
    expect(admin?.attributes['permissions']).toMatchObject({ ModifyAllData: true, ApiEnabled: true });
    const license = clean.entitlements.find((entitlement) => entitlement.type === 'package_license');
    expect(license?.attributes).toHaveProperty('allowedLicenses');
    expect(license?.attributes).toHaveProperty('usedLicenses');
  });

  it('emits exactly the grants of the org', () => {
    const users = rows('User');
    const profiles = new Map(rows('Profile').map((profile) => [profile['Id'], profile]));
    const ownedByProfile = new Set(
      rows('PermissionSet')
        .filter((set) => set['IsOwnedByProfile'] === true)
        .map((set) => set['Id']),
    );
    const assignments = rows('PermissionSetAssignment').filter(
      (assignment) => !ownedByProfile.has(assignment['PermissionSetId']),
    );
    const groupAssignments = assignments.filter((assignment) => assignment['PermissionSetGroupId'] !== null);
    // Muting permission sets (0QM) are components too, but switch permissions off instead of granting.
    const componentsOf = (groupId: unknown): number =>
      countOf(
        rows('PermissionSetGroupComponent'),
        (component) =>
          component['PermissionSetGroupId'] === groupId &&
          !String(component['PermissionSetId']).startsWith('0QM'),
      );
    const grants = (type: string, via: 'direct' | 'via'): number =>
      countOf(
        clean.grants,
        (grant) => grant.entitlement.type === type && (via === 'direct') === (grant.via === null),
      );

    expect(grants('profile', 'direct')).toBe(users.length);
    expect(grants('user_license', 'via')).toBe(
      countOf(users, (user) => profiles.get(user['ProfileId'])?.['UserLicenseId'] != null),
    );
    expect(grants('role', 'direct')).toBe(countOf(users, (user) => user['UserRoleId'] !== null));
    expect(grants('permission_set', 'direct')).toBe(assignments.length - groupAssignments.length);
    expect(grants('permission_set_group', 'direct')).toBe(groupAssignments.length);
    expect(grants('permission_set', 'via')).toBe(
      groupAssignments.reduce((sum, assignment) => sum + componentsOf(assignment['PermissionSetGroupId']), 0),
    );
    expect(grants('package_license', 'direct')).toBe(rows('UserPackageLicense').length);

    const userLicenses = rows('PermissionSetLicenseAssign');
    expect(userLicenses.length).toBeGreaterThan(0);
    expect(grants('permission_set_license', 'direct')).toBe(userLicenses.length);
  });

  it('reports every effective member of each public group and queue, computed from the org by plain recursion', () => {
    // Object Reference "Group"/"GroupMember": members may be users, public groups, role groups
    // (users of the role: Group.RelatedId = User.UserRoleId), role-and-subordinates groups (the
    // UserRole.ParentRoleId subtree; the Internal variant without portal roles), the organization group.
    const groups = new Map(rows('Group').map((group) => [group['Id'], group]));
    const roles = rows('UserRole');
    const users = rows('User');
    const members = rows('GroupMember');
    const usersOfRoles = (roleIds: Set<unknown>) =>
      users.filter((user) => roleIds.has(user['UserRoleId'])).map((user) => user['Id']);
    const subtree = (roleId: unknown, internalOnly: boolean, into = new Set<unknown>()): Set<unknown> => {
      const role = roles.find((candidate) => candidate['Id'] === roleId);
      if (!role || into.has(roleId) || (internalOnly && role['PortalType'] !== 'None')) return into;
      into.add(roleId);
      for (const child of roles.filter((candidate) => candidate['ParentRoleId'] === roleId)) {
        subtree(child['Id'], internalOnly, into);
      }
      return into;
    };
    const external = new Set([
      'PowerPartner',
      'PowerCustomerSuccess',
      'CustomerSuccess',
      'CspLitePortal',
      'Guest',
    ]);
    const effective = (groupId: unknown, seen = new Set<unknown>()): Set<unknown> => {
      const result = new Set<unknown>();
      if (seen.has(groupId)) return result;
      seen.add(groupId);
      const group = groups.get(groupId);
      const related = group?.['RelatedId'];
      switch (group?.['Type']) {
        case 'Role':
          usersOfRoles(new Set([related])).forEach((id) => result.add(id));
          return result;
        case 'RoleAndSubordinates':
          usersOfRoles(subtree(related, false)).forEach((id) => result.add(id));
          return result;
        case 'RoleAndSubordinatesInternal':
          usersOfRoles(subtree(related, true)).forEach((id) => result.add(id));
          return result;
        case 'Organization':
          users
            .filter((user) => !external.has(String(user['UserType'])))
            .forEach((user) => result.add(user['Id']));
          return result;
      }
      for (const member of members.filter((candidate) => candidate['GroupId'] === groupId)) {
        const memberId = member['UserOrGroupId'];
        if (String(memberId).startsWith('005')) result.add(memberId);
        else effective(memberId, seen).forEach((id) => result.add(id));
      }
      return result;
    };
    const expected = new Set<string>();
    for (const [groupId, group] of groups) {
      if (group['Type'] !== 'Regular' && group['Type'] !== 'Queue') continue;
      const type = group['Type'] === 'Regular' ? 'public_group' : 'queue';
      for (const userId of effective(groupId)) expected.add(`${String(userId)} ${type} ${String(groupId)}`);
    }
    const reported = new Set(
      clean.grants
        .filter((grant) => grant.entitlement.type === 'public_group' || grant.entitlement.type === 'queue')
        .map(
          (grant) => `${grant.accountExternalId} ${grant.entitlement.type} ${grant.entitlement.externalId}`,
        ),
    );
    expect(reported).toEqual(expected);
    const derived = clean.grants.filter((grant) => grant.via?.type === 'derived_group');
    expect(derived.length).toBeGreaterThan(100);
    expect(
      new Set(
        clean.grants.filter((grant) => grant.entitlement.type === 'queue').map((grant) => grant.via?.type),
      ),
    ).toEqual(new Set([undefined, 'public_group', 'derived_group']));
  });

  it('reports progress for each phase', async () => {
    const progress: Progress[] = [];
    const tiny = await collectSync(connector(), context(progress));
    expect(tiny.accounts.length).toBe(clean.accounts.length);
    const phases = new Set(progress.map((entry) => entry.phase));
    for (const phase of ['entitlements', 'users', 'permission_set_assignments', 'done']) {
      expect(phases).toContain(phase);
    }
    const lastUsers = progress.filter((entry) => entry.phase === 'users').at(-1);
    expect(lastUsers?.done).toBe(lastUsers?.total);
  });

  it('gives the same result through 503s, dropped connections, token expiry and latency', async () => {
    emulator.faults.set({
      serverErrorRate: 0.04,
      dropConnectionRate: 0.04,
      expireTokenAfterCalls: 7,
      latencyMs: 3,
      latencyJitterMs: 5,
    });
    const faulty = await collectSync(connector(500), context());
    const counts = { ...emulator.faults.counts };
    emulator.faults.reset();
    expect(counts.serverError500 + counts.serverError503 + counts.droppedConnection).toBeGreaterThan(0);
    expect(counts.tokenExpired).toBeGreaterThan(0);
    const keys = (sync: CollectedSync) => ({
      accounts: sync.accounts.map((account) => JSON.stringify(account)).sort(),
      entitlements: sync.entitlements.map((entitlement) => entitlementKey(entitlement)).sort(),
      grants: sync.grants.map((grant) => grantKey(grant)).sort(),
      activity: sync.activity.length,
    });
    expect(keys(faulty)).toEqual(keys(clean));
  });
});
