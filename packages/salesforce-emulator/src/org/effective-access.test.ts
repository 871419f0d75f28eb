import { afterEach, describe, expect, it } from 'vitest';
import { generateOrg } from '../generator/generate-org.js';
import { toSalesforceDateTime } from './datetime.js';
import type { EmulatedOrg } from './emulated-org.js';
import { SalesforceApiError } from './errors.js';
import { runSoql } from '../soql/index.js';

/**
 * Salesforce's rules for effective access, each test naming the page it follows:
 * Object Reference "MutingPermissionSet", "PermissionSetGroup",
 * "PermissionSetGroupComponent", "PermissionSetAssignment", "PermissionSetLicense",
 * "PermissionSetLicenseAssign", "Group", and Help "Set Assignment Expiration
 * Details for Users in Permission Sets and Permission Set Groups".
 */
const orgs: EmulatedOrg[] = [];
let clock = new Date('2026-06-01T00:00:00.000Z').getTime();
function freshOrg(): EmulatedOrg {
  clock = new Date('2026-06-01T00:00:00.000Z').getTime();
  const org = generateOrg({ seed: 11, preset: 'tiny', now: () => new Date(clock) });
  orgs.push(org);
  return org;
}
afterEach(() => orgs.splice(0).forEach((org) => org.dispose()));

function failure(action: () => unknown): SalesforceApiError {
  try {
    action();
  } catch (error) {
    if (error instanceof SalesforceApiError) return error;
    throw error;
  }
  throw new Error('expected a SalesforceApiError');
}

type Row = Readonly<Record<string, unknown>>;
const idOf = (row: Row | undefined): string => String(row?.['Id']);

function standardUser(org: EmulatedOrg): string {
  const profile = idOf(org.find('Profile', { Name: 'Standard User' })[0]);
  return org.create('User', {
    Username: `effective.${Math.random().toString(36).slice(2)}@example.com`,
    LastName: 'Effective',
    Email: 'effective@example.com',
    Alias: 'eff',
    TimeZoneSidKey: 'America/Los_Angeles',
    LocaleSidKey: 'en_US',
    EmailEncodingKey: 'UTF-8',
    LanguageLocaleKey: 'en_US',
    ProfileId: profile,
  });
}

function permissionSet(org: EmulatedOrg, name: string, permissions: Record<string, boolean>): string {
  return org.create('PermissionSet', { Name: name, Label: name.replace(/_/g, ' '), ...permissions });
}

function aggregateOf(org: EmulatedOrg, groupId: string): Row | undefined {
  return org.find('PermissionSet', { PermissionSetGroupId: groupId, Type: 'Group' })[0];
}

describe('muting in permission set groups (Object Reference: MutingPermissionSet, PermissionSetGroup)', () => {
  it('recalculates the aggregate from the components minus the muting permission set', () => {
    const org = freshOrg();
    const broad = permissionSet(org, 'Broad', { PermissionsViewAllData: true, PermissionsApiEnabled: true });
    const group = org.create('PermissionSetGroup', { DeveloperName: 'Ops', MasterLabel: 'Ops' });
    org.create('PermissionSetGroupComponent', { PermissionSetGroupId: group, PermissionSetId: broad });
    expect(aggregateOf(org, group)).toMatchObject({
      PermissionsViewAllData: true,
      PermissionsApiEnabled: true,
    });

    const muting = org.create('MutingPermissionSet', {
      DeveloperName: 'Ops_Muting',
      MasterLabel: 'Ops muting',
      PermissionsViewAllData: true,
    });
    expect(muting.startsWith('0QM')).toBe(true);
    const component = org.create('PermissionSetGroupComponent', {
      PermissionSetGroupId: group,
      PermissionSetId: muting,
    });
    expect(aggregateOf(org, group)).toMatchObject({
      PermissionsViewAllData: false,
      PermissionsApiEnabled: true,
    });
    expect(org.get(group)?.['Status']).toBe('Updated');

    // A permission changed in a component, or the muting set removed, moves the aggregate too.
    org.update('PermissionSet', broad, { PermissionsModifyAllData: true });
    expect(aggregateOf(org, group)?.['PermissionsModifyAllData']).toBe(true);
    org.delete('PermissionSetGroupComponent', component);
    expect(aggregateOf(org, group)?.['PermissionsViewAllData']).toBe(true);
  });

  it('allows at most one muting permission set per group (PermissionSetGroupComponent)', () => {
    const org = freshOrg();
    const group = org.create('PermissionSetGroup', { DeveloperName: 'One', MasterLabel: 'One' });
    for (const name of ['First', 'Second']) {
      const muting = org.create('MutingPermissionSet', { DeveloperName: name, MasterLabel: name });
      const attempt = () =>
        org.create('PermissionSetGroupComponent', { PermissionSetGroupId: group, PermissionSetId: muting });
      if (name === 'First') attempt();
      else expect(failure(attempt).errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
    }
  });

  it('leaves a group Outdated with its stale aggregate until recalculation runs (Status)', () => {
    const org = freshOrg();
    org.settings.permissionSetGroupRecalculation = 'deferred';
    const set = permissionSet(org, 'Later', { PermissionsViewAllData: true });
    const group = org.create('PermissionSetGroup', { DeveloperName: 'Later', MasterLabel: 'Later' });
    org.create('PermissionSetGroupComponent', { PermissionSetGroupId: group, PermissionSetId: set });
    expect(org.get(group)?.['Status']).toBe('Outdated');
    expect(aggregateOf(org, group)?.['PermissionsViewAllData']).toBe(false);
    expect(org.recalculatePermissionSetGroups()).toBe(1);
    expect(org.get(group)?.['Status']).toBe('Updated');
    expect(aggregateOf(org, group)?.['PermissionsViewAllData']).toBe(true);
  });

  it('refuses edits of an aggregate permission set, whose permissions are calculated', () => {
    const org = freshOrg();
    const group = org.create('PermissionSetGroup', { DeveloperName: 'Calc', MasterLabel: 'Calc' });
    const error = failure(() =>
      org.update('PermissionSet', idOf(aggregateOf(org, group)), { PermissionsViewAllData: true }),
    );
    expect(error.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
  });

  it('generates orgs whose aggregates are calculated and whose first group mutes View All Data', () => {
    const org = freshOrg();
    const [first] = org.find('PermissionSetGroup', { DeveloperName: 'Bundle_1' });
    const components = org.find('PermissionSetGroupComponent', { PermissionSetGroupId: idOf(first) });
    expect(components.some((component) => String(component['PermissionSetId']).startsWith('0QM'))).toBe(true);
    const aggregate = aggregateOf(org, idOf(first));
    expect(aggregate?.['PermissionsApiEnabled']).toBe(true);
    expect(aggregate?.['PermissionsViewAllData']).toBe(false);
  });
});

describe('assignment expiration (PermissionSetAssignment.ExpirationDate; Help "Set Assignment Expiration Details")', () => {
  it('removes an assignment when its expiration date passes', () => {
    const org = freshOrg();
    const user = standardUser(org);
    const set = permissionSet(org, 'Temporary', { PermissionsApiEnabled: true });
    const expires = toSalesforceDateTime(new Date(clock + 86_400_000));
    org.create('PermissionSetAssignment', {
      AssigneeId: user,
      PermissionSetId: set,
      ExpirationDate: expires,
    });
    expect(org.runDueJobs()).toBe(0);
    expect(org.find('PermissionSetAssignment', { AssigneeId: user, PermissionSetId: set })).toHaveLength(1);
    clock += 2 * 86_400_000;
    expect(org.runDueJobs()).toBe(1);
    expect(org.find('PermissionSetAssignment', { AssigneeId: user, PermissionSetId: set })).toHaveLength(0);
  });

  it('refuses an expiration date on a set with Manage Users, and in orgs without the setting', () => {
    const org = freshOrg();
    const user = standardUser(org);
    const expires = toSalesforceDateTime(new Date(clock + 86_400_000));
    const admin = permissionSet(org, 'User_Admin', { PermissionsManageUsers: true });
    const refused = failure(() =>
      org.create('PermissionSetAssignment', {
        AssigneeId: user,
        PermissionSetId: admin,
        ExpirationDate: expires,
      }),
    );
    expect(refused.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
    expect(refused.message).toContain('Manage Users');

    const plain = permissionSet(org, 'Plain', {});
    org.settings.assignmentExpirationEnabled = false;
    const off = failure(() =>
      org.create('PermissionSetAssignment', {
        AssigneeId: user,
        PermissionSetId: plain,
        ExpirationDate: expires,
      }),
    );
    expect(off.message).toContain('User Management Settings');
    org.settings.assignmentExpirationEnabled = true;
    const past = failure(() =>
      org.create('PermissionSetAssignment', {
        AssigneeId: user,
        PermissionSetId: plain,
        ExpirationDate: toSalesforceDateTime(new Date(clock - 1000)),
      }),
    );
    expect(past.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
  });

  it('starts session-based assignments inactive (IsActive)', () => {
    const org = freshOrg();
    const user = standardUser(org);
    const session = org.create('PermissionSet', { Name: 'Elevated', Label: 'Elevated' });
    org.store.updateRaw(org.store.table('PermissionSet').live.get(session) ?? {}, 'PermissionSet', {
      Type: 'Session',
    });
    const id = org.create('PermissionSetAssignment', { AssigneeId: user, PermissionSetId: session });
    expect(org.get(id)?.['IsActive']).toBe(false);
    const group = org.create('PermissionSetGroup', {
      DeveloperName: 'OnDemand',
      MasterLabel: 'On demand',
      HasActivationRequired: true,
    });
    const groupAssignment = org.create('PermissionSetAssignment', {
      AssigneeId: user,
      PermissionSetGroupId: group,
    });
    expect(org.get(groupAssignment)?.['IsActive']).toBe(false);
  });
});

describe('permission set licenses (Object Reference: PermissionSetLicense, PermissionSetLicenseAssign)', () => {
  it('counts seats, refuses a full license, and requires the license before its permission sets', () => {
    const org = freshOrg();
    const user = standardUser(org);
    const [license] = org.find('PermissionSetLicense', { DeveloperName: 'EinsteinAnalyticsPlusPsl' });
    const licenseId = idOf(license);
    const [needing] = org.find('PermissionSet', { LicenseId: licenseId });
    const refused = failure(() =>
      org.create('PermissionSetAssignment', { AssigneeId: user, PermissionSetId: idOf(needing) }),
    );
    expect(refused.message).toContain('CRM Analytics Plus');

    const used = Number(license?.['UsedLicenses']);
    const seat = org.create('PermissionSetLicenseAssign', {
      AssigneeId: user,
      PermissionSetLicenseId: licenseId,
    });
    expect(org.get(licenseId)?.['UsedLicenses']).toBe(used + 1);
    const assignment = org.create('PermissionSetAssignment', {
      AssigneeId: user,
      PermissionSetId: idOf(needing),
    });
    expect(failure(() => org.delete('PermissionSetLicenseAssign', seat)).message).toContain('requires it');
    org.delete('PermissionSetAssignment', assignment);
    org.delete('PermissionSetLicenseAssign', seat);
    expect(org.get(licenseId)?.['UsedLicenses']).toBe(used);

    org.store.updateRaw(
      org.store.table('PermissionSetLicense').live.get(licenseId) ?? {},
      'PermissionSetLicense',
      {
        TotalLicenses: used,
      },
    );
    const full = failure(() =>
      org.create('PermissionSetLicenseAssign', { AssigneeId: user, PermissionSetLicenseId: licenseId }),
    );
    expect(full.errorCode).toBe('LICENSE_LIMIT_EXCEEDED');
  });
});

describe('derived group members and user kinds in generated orgs (Object Reference: Group, User, UserRole)', () => {
  it('puts organization and role groups inside public groups and queues, over a deep hierarchy', () => {
    const org = generateOrg({ seed: 11, preset: 'demo' });
    orgs.push(org);
    const groups = new Map(org.find('Group').map((group) => [group['Id'], group]));
    const nestedTypes = new Set<unknown>();
    for (const member of org.find('GroupMember')) {
      const child = groups.get(member['UserOrGroupId']);
      const parent = groups.get(member['GroupId']);
      if (child !== undefined) nestedTypes.add(`${String(parent?.['Type'])}<${String(child['Type'])}`);
    }
    for (const pair of [
      'Regular<Organization',
      'Regular<RoleAndSubordinates',
      'Regular<Role',
      'Regular<RoleAndSubordinatesInternal',
      'Queue<RoleAndSubordinatesInternal',
      'Queue<Regular',
    ]) {
      expect(nestedTypes).toContain(pair);
    }
    const parents = new Map<unknown, unknown>(
      org.find('UserRole').map((role) => [role['Id'], role['ParentRoleId']]),
    );
    const depth = (id: unknown): number => (id === null || id === undefined ? 0 : 1 + depth(parents.get(id)));
    expect(Math.max(...[...parents.keys()].map(depth))).toBeGreaterThanOrEqual(4);
    const portalRoles = org.find('UserRole', { PortalType: 'Partner' });
    expect(portalRoles).toHaveLength(1);
    expect(org.find('Group', { RelatedId: idOf(portalRoles[0]) }).map((group) => group['Type'])).toEqual([
      'Role',
      'RoleAndSubordinates',
    ]);
    expect(org.find('User', { UserRoleId: idOf(portalRoles[0]) }).length).toBeGreaterThan(0);
  });

  it('has users of every kind with the license each really uses; Automated Process takes no seat', () => {
    const org = freshOrg();
    const profiles = new Map<unknown, Row>(org.find('Profile').map((profile) => [profile['Id'], profile]));
    const licenses = new Map<unknown, Row>(
      org.find('UserLicense').map((license) => [license['Id'], license]),
    );
    const licenseOf = (user: Row) => licenses.get(profiles.get(user['ProfileId'])?.['UserLicenseId']);
    const users = org.find('User');
    const types = new Set(users.map((user) => user['UserType']));
    for (const type of ['Standard', 'PowerPartner', 'CspLitePortal', 'Guest', 'AutomatedProcess']) {
      expect(types).toContain(type);
    }
    const automation = users.find((user) => user['UserType'] === 'AutomatedProcess');
    expect(automation && licenseOf(automation)).toBeUndefined();
    const integration = users.find((user) => licenseOf(user)?.['Name'] === 'Salesforce Integration');
    expect(integration).toBeDefined();
    expect(
      org
        .find('PermissionSetLicenseAssign', { AssigneeId: idOf(integration) })
        .map((seat) => org.get(String(seat['PermissionSetLicenseId']))?.['MasterLabel']),
    ).toContain('Salesforce API Integration');
    const used = users.filter(
      (user) => user['IsActive'] === true && licenseOf(user)?.['Name'] === 'Salesforce',
    );
    expect(org.find('UserLicense', { Name: 'Salesforce' })[0]?.['UsedLicenses']).toBe(used.length);
  });
});

describe('archived activities (SOAP API Developer Guide "queryAll()"; Object Reference "Task": IsArchived)', () => {
  it('leaves archived tasks out of query and returns them from queryAll', () => {
    const org = freshOrg();
    const soql = 'SELECT Id FROM Task WHERE IsArchived = true';
    expect(runSoql(soql, org.store, { includeDeleted: false, apiVersion: '63.0' }).rows).toHaveLength(0);
    const all = runSoql(soql, org.store, { includeDeleted: true, apiVersion: '63.0' }).rows;
    const archived = [...org.store.table('Task').live.values()].filter((task) => task.IsArchived === true);
    expect(all.length).toBe(archived.length);
    expect(all.length).toBeGreaterThan(0);
  });
});
