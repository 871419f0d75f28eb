import { describe, expect, it } from 'vitest';
import { buildAccessCatalog, type CatalogRows } from './catalog.js';
import type { QueriedRecord } from './fields.js';
import { expandGroupNesting } from './group-nesting.js';
import { assignmentGrants, groupMemberGrants, mapUser, packageLicenseGrants, userItems } from './mapping.js';

// Ids are valid-looking 18-character Salesforce Ids; only their prefixes matter to the mapping.
const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(12, '0')}AAA`;
const LICENSE = id('100', 1);
const PROFILE = id('00e', 1);
const PROFILE_SET = id('0PS', 1);
const REGULAR_SET = id('0PS', 2);
const COMPONENT_SET = id('0PS', 3);
const AGGREGATE_SET = id('0PS', 4);
const PSG = id('0PG', 1);
const ROLE = id('00E', 1);
const PACKAGE = id('050', 1);
const [GROUP_A, GROUP_B, GROUP_C] = [id('00G', 1), id('00G', 2), id('00G', 3)] as [string, string, string];
const USER = id('005', 1);

function rows(overrides: Partial<CatalogRows> = {}): CatalogRows {
  return {
    userLicenses: [{ Id: LICENSE, Name: 'Salesforce', MasterLabel: 'Salesforce', Status: 'Active' }],
    profiles: [{ Id: PROFILE, Name: 'System Administrator', UserLicenseId: LICENSE, UserType: 'Standard' }],
    roles: [{ Id: ROLE, Name: 'CEO', DeveloperName: 'CEO' }],
    permissionSets: [
      {
        Id: PROFILE_SET,
        Name: 'X00e',
        Label: 'System Administrator',
        Type: 'Profile',
        IsOwnedByProfile: true,
        ProfileId: PROFILE,
      },
      { Id: REGULAR_SET, Name: 'Sales', Label: 'Sales', Type: 'Regular', IsOwnedByProfile: false },
      { Id: COMPONENT_SET, Name: 'Reports', Label: 'Reports', Type: 'Regular', IsOwnedByProfile: false },
      {
        Id: AGGREGATE_SET,
        Name: 'Bundle_Agg',
        Label: 'Bundle',
        Type: 'Group',
        IsOwnedByProfile: false,
        PermissionSetGroupId: PSG,
      },
    ],
    permissions: new Map([
      [PROFILE_SET, ['ModifyAllData', 'ApiEnabled']],
      [COMPONENT_SET, ['ViewAllData']],
      [AGGREGATE_SET, ['ViewAllData']],
    ]),
    permissionSetGroups: [{ Id: PSG, DeveloperName: 'Bundle', MasterLabel: 'Bundle', Status: 'Updated' }],
    permissionSetGroupComponents: [
      { PermissionSetGroupId: PSG, PermissionSetId: COMPONENT_SET },
      { PermissionSetGroupId: PSG, PermissionSetId: id('0QM', 1) }, // a muting permission set
    ],
    packageLicenses: [
      { Id: PACKAGE, NamespacePrefix: 'sbqq', AllowedLicenses: -1, UsedLicenses: 3, Status: 'Active' },
    ],
    publicGroups: [GROUP_A, GROUP_B, GROUP_C].map((groupId, index) => ({
      Id: groupId,
      Name: `Team ${index}`,
    })),
    publicGroupNesting: [
      { GroupId: GROUP_A, UserOrGroupId: GROUP_B },
      { GroupId: GROUP_B, UserOrGroupId: GROUP_C },
    ],
    ...overrides,
  };
}

describe('buildAccessCatalog', () => {
  const catalog = buildAccessCatalog(rows());
  const find = (type: string, externalId: string) =>
    catalog.entitlements.find(
      (entitlement) => entitlement.type === type && entitlement.externalId === externalId,
    );

  it('folds profile-owned permission sets into the profile instead of listing them', () => {
    expect(find('permission_set', PROFILE_SET)).toBeUndefined();
    expect(find('profile', PROFILE)?.attributes['permissions']).toEqual({
      ApiEnabled: true,
      ModifyAllData: true,
    });
    expect(find('profile', PROFILE)).toMatchObject({ exclusive: true, revocable: false });
  });

  it('folds group aggregates into the permission set group, with its components', () => {
    expect(find('permission_set', AGGREGATE_SET)).toBeUndefined();
    expect(find('permission_set_group', PSG)?.attributes).toMatchObject({
      permissions: { ViewAllData: true },
      permissionSetIds: [COMPONENT_SET],
      aggregatePermissionSetId: AGGREGATE_SET,
    });
    expect(catalog.groupComponents.get(PSG)).toEqual([COMPONENT_SET]);
  });

  it('keeps package license seat counts as the cookbook names them', () => {
    expect(find('package_license', PACKAGE)?.attributes).toMatchObject({
      allowedLicenses: -1,
      usedLicenses: 3,
      namespacePrefix: 'sbqq',
      status: 'Active',
    });
  });
});

describe('grants from assignment rows', () => {
  const catalog = buildAccessCatalog(rows());

  it('expands a permission set group assignment into the group and each component via the group', () => {
    const grants = assignmentGrants(
      {
        Id: id('0Pa', 1),
        AssigneeId: USER,
        PermissionSetId: AGGREGATE_SET,
        PermissionSetGroupId: PSG,
        ExpirationDate: '2026-06-01T00:00:00.000+0000',
        IsActive: true,
      },
      catalog,
    );
    expect(
      grants.map((grant) => [
        grant.entitlement.type,
        grant.entitlement.externalId,
        grant.via?.externalId ?? null,
      ]),
    ).toEqual([
      ['permission_set_group', PSG, null],
      ['permission_set', COMPONENT_SET, PSG],
    ]);
    expect(grants.every((grant) => grant.expiresAt?.toISOString() === '2026-06-01T00:00:00.000Z')).toBe(true);
  });

  it('grants a regular permission set directly and ignores one that is not an entitlement', () => {
    const direct = assignmentGrants(
      { Id: id('0Pa', 2), AssigneeId: USER, PermissionSetId: REGULAR_SET, PermissionSetGroupId: null },
      catalog,
    );
    expect(direct).toHaveLength(1);
    expect(direct[0]).toMatchObject({
      entitlement: { type: 'permission_set', externalId: REGULAR_SET },
      via: null,
      expiresAt: null,
    });
    expect(
      assignmentGrants(
        { Id: id('0Pa', 3), AssigneeId: USER, PermissionSetId: PROFILE_SET, PermissionSetGroupId: null },
        catalog,
      ),
    ).toEqual([]);
  });

  it('grants a package license seat', () => {
    const [seat] = packageLicenseGrants(
      {
        Id: id('051', 1),
        PackageLicenseId: PACKAGE,
        UserId: USER,
        CreatedDate: '2025-01-02T03:04:05.000+0000',
      },
      catalog,
    );
    expect(seat).toMatchObject({
      accountExternalId: USER,
      entitlement: { type: 'package_license', externalId: PACKAGE },
    });
    expect(seat?.grantedAt?.toISOString()).toBe('2025-01-02T03:04:05.000Z');
  });
});

describe('public group membership', () => {
  it('records direct membership and every enclosing group via the group the user is in', () => {
    const catalog = buildAccessCatalog(rows());
    const grants = groupMemberGrants({ Id: id('011', 1), GroupId: GROUP_C, UserOrGroupId: USER }, catalog);
    expect(grants.map((grant) => [grant.entitlement.externalId, grant.via?.externalId ?? null])).toEqual([
      [GROUP_C, null],
      [GROUP_A, GROUP_C],
      [GROUP_B, GROUP_C],
    ]);
    expect(
      groupMemberGrants({ Id: id('011', 2), GroupId: GROUP_A, UserOrGroupId: GROUP_B }, catalog),
    ).toEqual([]);
  });

  it('survives a cycle in group nesting and never makes a group its own ancestor', () => {
    const ancestors = expandGroupNesting([
      { parentId: 'A', childId: 'B' },
      { parentId: 'B', childId: 'C' },
      { parentId: 'C', childId: 'A' },
    ]);
    expect(ancestors.get('A')).toEqual(['B', 'C']);
    expect(ancestors.get('B')).toEqual(['A', 'C']);
    expect(ancestors.get('C')).toEqual(['A', 'B']);
  });

  it('ignores nesting edges that name a group outside the public groups', () => {
    const catalog = buildAccessCatalog(
      rows({ publicGroupNesting: [{ GroupId: id('00G', 9), UserOrGroupId: GROUP_A }] }),
    );
    expect(catalog.publicGroupAncestors.size).toBe(0);
  });
});

describe('users', () => {
  const catalog = buildAccessCatalog(rows());
  const user: QueriedRecord = {
    Id: USER,
    Username: 'ada@example.com',
    Email: 'ada@example.com',
    Name: 'Ada Lovelace',
    IsActive: true,
    UserType: 'CsnOnly',
    ProfileId: PROFILE,
    UserRoleId: ROLE,
    LastLoginDate: '2026-02-01T10:00:00.000+0000',
    CreatedDate: '2024-01-01T00:00:00.000+0000',
    Department: 'R&D',
    Cost_Center__c: 'CC-1',
    Manager: { attributes: { type: 'User' }, Name: 'nested records are not attributes' },
  };
  const mapping = {
    attributeFields: ['Department', 'Cost_Center__c', 'Manager'],
    frozenUserIds: new Set<string>(),
  };

  it('maps status: active, suspended when frozen, inactive when deactivated', () => {
    expect(mapUser(user, mapping).status).toBe('active');
    expect(mapUser(user, { ...mapping, frozenUserIds: new Set([USER]) }).status).toBe('suspended');
    expect(mapUser({ ...user, IsActive: false }, { ...mapping, frozenUserIds: new Set([USER]) }).status).toBe(
      'inactive',
    );
  });

  it('labels the user type and keeps scalar attributes only', () => {
    const account = mapUser(user, mapping);
    expect(account.accountType).toBe('CsnOnly');
    expect(account.attributes).toEqual({
      userTypeLabel: 'Chatter Free',
      Department: 'R&D',
      Cost_Center__c: 'CC-1',
    });
    expect(account.createdAt?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });

  it('grants the profile, the user license through it and the role, and reports the last login', () => {
    const items = userItems(user, mapping, catalog);
    const grants = items.flatMap((item) => (item.kind === 'grant' ? [item.grant] : []));
    expect(grants.map((grant) => [grant.entitlement.type, grant.via?.type ?? null])).toEqual([
      ['profile', null],
      ['user_license', 'profile'],
      ['role', null],
    ]);
    const activity = items.find((item) => item.kind === 'activity');
    expect(activity).toMatchObject({ activity: { source: 'User.LastLoginDate', accountExternalId: USER } });
  });
});
