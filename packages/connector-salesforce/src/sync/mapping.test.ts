import { describe, expect, it } from 'vitest';
import { buildAccessCatalog, type CatalogRows } from './catalog.js';
import type { QueriedRecord } from './fields.js';
import { RoleMembers } from './group-membership.js';
import { expandGroupNesting } from '@accessledger/connector-kit';
import {
  accountKind,
  assignmentGrants,
  derivedMemberGrants,
  groupMemberGrants,
  mapUser,
  packageLicenseGrants,
  userItems,
} from './mapping.js';

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
const MUTING = id('0QM', 1);
const QUEUE = id('00G', 4);
const [ROLE_GROUP, SUBORDINATES_GROUP, INTERNAL_GROUP, ORG_GROUP] = [5, 6, 7, 8].map((n) => id('00G', n)) as [
  string,
  string,
  string,
  string,
];
const [CHILD_ROLE, PORTAL_ROLE] = [id('00E', 2), id('00E', 3)] as [string, string];

function rows(overrides: Partial<CatalogRows> = {}): CatalogRows {
  return {
    userLicenses: [{ Id: LICENSE, Name: 'Salesforce', MasterLabel: 'Salesforce', Status: 'Active' }],
    profiles: [{ Id: PROFILE, Name: 'System Administrator', UserLicenseId: LICENSE, UserType: 'Standard' }],
    roles: [
      { Id: ROLE, Name: 'CEO', DeveloperName: 'CEO', PortalType: 'None' },
      { Id: CHILD_ROLE, Name: 'VP', DeveloperName: 'VP', ParentRoleId: ROLE, PortalType: 'None' },
      {
        Id: PORTAL_ROLE,
        Name: 'Partner',
        DeveloperName: 'P',
        ParentRoleId: CHILD_ROLE,
        PortalType: 'Partner',
      },
    ],
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
    // The component has View All Data and API Enabled; the muting set switches View All Data off,
    // so the aggregate Salesforce calculated holds API Enabled only.
    permissions: new Map([
      [PROFILE_SET, ['ModifyAllData', 'ApiEnabled']],
      [COMPONENT_SET, ['ApiEnabled', 'ViewAllData']],
      [AGGREGATE_SET, ['ApiEnabled']],
      [MUTING, ['ViewAllData']],
    ]),
    permissionSetGroups: [{ Id: PSG, DeveloperName: 'Bundle', MasterLabel: 'Bundle', Status: 'Updated' }],
    permissionSetGroupComponents: [
      { PermissionSetGroupId: PSG, PermissionSetId: COMPONENT_SET },
      { PermissionSetGroupId: PSG, PermissionSetId: MUTING },
    ],
    mutingPermissionSets: [{ Id: MUTING, DeveloperName: 'Bundle_Muting', MasterLabel: 'Bundle muting' }],
    permissionSetLicenses: [],
    packageLicenses: [
      { Id: PACKAGE, NamespacePrefix: 'sbqq', AllowedLicenses: -1, UsedLicenses: 3, Status: 'Active' },
    ],
    groups: [
      ...[GROUP_A, GROUP_B, GROUP_C].map((groupId, index) => ({
        Id: groupId,
        Name: `Team ${index}`,
        Type: 'Regular',
      })),
      { Id: QUEUE, Name: 'Support', Type: 'Queue' },
      { Id: ROLE_GROUP, Type: 'Role', RelatedId: CHILD_ROLE },
      { Id: SUBORDINATES_GROUP, Type: 'RoleAndSubordinates', RelatedId: ROLE },
      { Id: INTERNAL_GROUP, Type: 'RoleAndSubordinatesInternal', RelatedId: ROLE },
      { Id: ORG_GROUP, Type: 'Organization', RelatedId: null },
    ],
    groupNesting: [
      { GroupId: GROUP_A, UserOrGroupId: GROUP_B },
      { GroupId: GROUP_B, UserOrGroupId: GROUP_C },
      { GroupId: QUEUE, UserOrGroupId: GROUP_C },
      { GroupId: GROUP_A, UserOrGroupId: SUBORDINATES_GROUP },
      { GroupId: GROUP_B, UserOrGroupId: INTERNAL_GROUP },
      { GroupId: QUEUE, UserOrGroupId: ROLE_GROUP },
      { GroupId: GROUP_C, UserOrGroupId: ORG_GROUP },
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

  it("gives a permission set group its aggregate's permissions, muting honoured (Object Reference: MutingPermissionSet)", () => {
    expect(find('permission_set', AGGREGATE_SET)).toBeUndefined();
    expect(find('permission_set_group', PSG)?.attributes).toMatchObject({
      permissions: { ApiEnabled: true },
      mutedPermissions: { ViewAllData: true },
      mutingPermissionSetId: MUTING,
      permissionSetIds: [COMPONENT_SET],
      aggregatePermissionSetId: AGGREGATE_SET,
      aggregateCurrent: true,
    });
    expect(catalog.groupComponents.get(PSG)).toEqual([
      { permissionSetId: COMPONENT_SET, mutedPermissions: ['ViewAllData'] },
    ]);
  });

  it('over-reports a group whose Status is not Updated: its aggregate may be stale', () => {
    const stale = buildAccessCatalog(
      rows({
        permissionSetGroups: [
          { Id: PSG, DeveloperName: 'Bundle', MasterLabel: 'Bundle', Status: 'Outdated' },
        ],
        permissions: new Map([
          [COMPONENT_SET, ['ApiEnabled', 'ViewAllData', 'ModifyAllData']],
          [AGGREGATE_SET, ['ApiEnabled', 'ViewAllData']],
          [MUTING, ['ViewAllData']],
        ]),
      }),
    );
    const group = stale.entitlements.find((entitlement) => entitlement.externalId === PSG);
    // The stale aggregate still grants View All Data (muted only after recalculation): it stays reported.
    expect(group?.attributes).toMatchObject({
      status: 'Outdated',
      aggregateCurrent: false,
      permissions: { ApiEnabled: true, ViewAllData: true, ModifyAllData: true },
    });
    expect(stale.groupComponents.get(PSG)).toEqual([
      { permissionSetId: COMPONENT_SET, mutedPermissions: [] },
    ]);
  });

  it('makes queues and the derived groups nested in public groups or queues entitlements', () => {
    expect(find('queue', QUEUE)).toMatchObject({ grantable: true, revocable: true });
    expect(find('derived_group', SUBORDINATES_GROUP)).toMatchObject({
      name: 'Role and subordinates: CEO',
      grantable: false,
      attributes: { groupType: 'RoleAndSubordinates', roleId: ROLE },
    });
    expect(find('derived_group', ORG_GROUP)?.name).toBe('All internal users');
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
      new Date('2026-05-01T00:00:00.000Z'),
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
    expect(grants[1]?.attributes).toMatchObject({
      mutedPermissions: { ViewAllData: true },
      accessKind: 'time_limited',
    });
  });

  it('leaves out expired and revoked assignments and labels session-based ones (PermissionSetAssignment)', () => {
    const row = {
      Id: id('0Pa', 9),
      AssigneeId: USER,
      PermissionSetId: REGULAR_SET,
      PermissionSetGroupId: null,
    };
    const now = new Date('2026-06-01T00:00:00.000Z');
    expect(
      assignmentGrants({ ...row, ExpirationDate: '2026-05-31T23:59:59.000+0000' }, catalog, now),
    ).toEqual([]);
    expect(assignmentGrants({ ...row, IsRevoked: true, IsActive: true }, catalog, now)).toEqual([]);
    expect(assignmentGrants({ ...row, IsActive: true }, catalog, now)[0]?.attributes['accessKind']).toBe(
      'standing',
    );
    expect(assignmentGrants({ ...row, IsActive: false }, catalog, now)[0]?.attributes['accessKind']).toBe(
      'session_based',
    );
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
    expect(
      grants.map((grant) => [
        grant.entitlement.type,
        grant.entitlement.externalId,
        grant.via?.externalId ?? null,
      ]),
    ).toEqual([
      ['public_group', GROUP_C, null],
      ['public_group', GROUP_A, GROUP_C],
      ['public_group', GROUP_B, GROUP_C],
      ['queue', QUEUE, GROUP_C],
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

  it('ignores nesting edges that name a group it did not read', () => {
    const catalog = buildAccessCatalog(
      rows({ groupNesting: [{ GroupId: id('00G', 9), UserOrGroupId: GROUP_A }] }),
    );
    expect(catalog.groupMembership.ancestors.size).toBe(0);
  });

  it('derives members of role, role-and-subordinates (internal or not) and organization groups (Object Reference: Group)', () => {
    const catalog = buildAccessCatalog(rows());
    const members = new RoleMembers();
    const [ceo, vp, partner, other] = [1, 2, 3, 4].map((n) => id('005', n)) as [
      string,
      string,
      string,
      string,
    ];
    members.add(ceo, ROLE, true);
    members.add(vp, CHILD_ROLE, true);
    members.add(partner, PORTAL_ROLE, false);
    members.add(other, null, true);
    const batches = [...derivedMemberGrants(catalog, members)];
    // In batches of at most the given size, the same grants in the same order.
    const small = [...derivedMemberGrants(catalog, members, 2)];
    expect(small.every((batch) => batch.length > 0 && batch.length <= 2)).toBe(true);
    expect(small.length).toBeGreaterThan(1);
    expect(small.flat()).toEqual(batches.flat());
    const held = batches
      .flat()
      .map(
        (grant) =>
          `${grant.accountExternalId.slice(0, 3)}${grant.accountExternalId.slice(14, 15)} ${grant.entitlement.type}:${grant.entitlement.externalId === QUEUE ? 'Q' : grant.entitlement.externalId.slice(14, 15)} via ${grant.via?.externalId.slice(14, 15)}`,
      )
      .sort();
    // Group ids end …1 (A), …2 (B), …3 (C), …4 (queue); user ids …1 ceo, …2 vp, …3 partner, …4 other.
    expect(held).toEqual(
      [
        // RoleAndSubordinates of the CEO (6) in A: ceo, vp and the partner under vp.
        '0051 public_group:1 via 6',
        '0052 public_group:1 via 6',
        '0053 public_group:1 via 6',
        // RoleAndSubordinatesInternal of the CEO (7) in B, and so in A: the partner's portal role is left out.
        '0051 public_group:1 via 7',
        '0051 public_group:2 via 7',
        '0052 public_group:1 via 7',
        '0052 public_group:2 via 7',
        // The VP's Role group (5) in the queue.
        '0052 queue:Q via 5',
        // All internal users (8) in C, and so in B, A and the queue.
        ...['0051', '0052', '0054'].flatMap((user) =>
          ['public_group:1', 'public_group:2', 'public_group:3', 'queue:Q'].map(
            (group) => `${user} ${group} via 8`,
          ),
        ),
      ].sort(),
    );
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

  it('copies the selected scalar fields into attributes, keys in sorted order (the writer then needs no sort)', () => {
    const { attributes } = mapUser({ ...user, Department: null }, mapping);
    expect(attributes).toEqual({
      Cost_Center__c: 'CC-1',
      Department: null,
      kind: 'human',
      userTypeLabel: 'Chatter Free',
    });
    const keys = Object.keys(attributes);
    expect(keys).toEqual([...keys].sort());
  });

  it('refuses a user without IsActive rather than reading it as inactive (checkboxes are never null in SOQL)', () => {
    const { IsActive: _omitted, ...withoutIsActive } = user;
    expect(() => mapUser(withoutIsActive, mapping)).toThrow(/without a true\/false IsActive/);
    expect(() => mapUser({ ...user, IsActive: null }, mapping)).toThrow(/without a true\/false IsActive/);
  });

  it('labels the user type and keeps scalar attributes only', () => {
    const account = mapUser(user, mapping);
    expect(account.accountType).toBe('CsnOnly');
    expect(account.attributes).toEqual({
      userTypeLabel: 'Chatter Free',
      kind: 'human',
      Department: 'R&D',
      Cost_Center__c: 'CC-1',
    });
    expect(account.createdAt?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });

  it('derives the account kind from UserType and the user license (Object Reference: User)', () => {
    const integration = { name: 'Salesforce Integration', definitionKey: null };
    expect(accountKind('AutomatedProcess', undefined)).toBe('system');
    expect(accountKind('Guest', undefined)).toBe('guest');
    for (const type of [
      'PowerPartner',
      'PowerCustomerSuccess',
      'CustomerSuccess',
      'CspLitePortal',
      'SelfService',
    ]) {
      expect(accountKind(type, undefined)).toBe('external');
    }
    expect(accountKind('Standard', integration)).toBe('integration');
    expect(accountKind('Standard', { name: 'Salesforce', definitionKey: 'SFDC' })).toBe('human');
    expect(accountKind('CsnOnly', undefined)).toBe('human');
    expect(accountKind('SomethingNew', undefined)).toBe('human');
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
