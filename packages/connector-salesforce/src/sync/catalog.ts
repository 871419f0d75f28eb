import { entitlementFlags, SalesforceEntitlementTypes } from '../manifest.js';
import { EntitlementTypes, type Entitlement, type EntitlementRef, type JsonObject } from '@accessledger/core';
import { count, dateTime, flag, requiredText, text, type QueriedRecord } from './fields.js';
import { DERIVED_GROUP_TYPES, GroupMembership, type GroupRow } from './group-membership.js';

/**
 * The small half of an org, held in memory for the length of a sync: every
 * entitlement and what the big streams need to turn an assignment row into
 * grants (which permission sets belong to which group, which profile holds
 * which license, which public groups nest in which).
 */
export interface AccessCatalog {
  readonly entitlements: readonly Entitlement[];
  /** Profile Id → its user license Id, when the profile has one. */
  readonly profileLicense: ReadonlyMap<string, string | null>;
  /** User license Id → its name and LicenseDefinitionKey (to tell integration users apart). */
  readonly userLicenses: ReadonlyMap<
    string,
    { readonly name: string; readonly definitionKey: string | null }
  >;
  readonly roleIds: ReadonlySet<string>;
  /** Permission sets that are entitlements of their own (not profile-owned, not group aggregates). */
  readonly permissionSetIds: ReadonlySet<string>;
  /** Session-based permission sets (Type 'Session'): held only once activated in a session. */
  readonly sessionPermissionSetIds: ReadonlySet<string>;
  /** Permission set group Id → its component permission sets (entitlements only) and what each has muted. */
  readonly groupComponents: ReadonlyMap<string, readonly GroupComponent[]>;
  /** Permission set groups that need activation in a session (HasActivationRequired). */
  readonly sessionGroupIds: ReadonlySet<string>;
  readonly packageLicenseIds: ReadonlySet<string>;
  readonly permissionSetLicenseIds: ReadonlySet<string>;
  /** Public groups, queues and the derived groups nested in them. */
  readonly groupMembership: GroupMembership;
}

/** A permission set held through a group, with the permissions the group's muting set switches off in it. */
export interface GroupComponent {
  readonly permissionSetId: string;
  readonly mutedPermissions: readonly string[];
}

/** The rows the catalog is built from, as queried. */
export interface CatalogRows {
  readonly userLicenses: readonly QueriedRecord[];
  readonly profiles: readonly QueriedRecord[];
  readonly roles: readonly QueriedRecord[];
  /** Every PermissionSet row, including profile-owned and group-aggregate ones. */
  readonly permissionSets: readonly QueriedRecord[];
  /** Permission set Id → its enabled permissions, named without the `Permissions` prefix. */
  readonly permissions: ReadonlyMap<string, readonly string[]>;
  readonly permissionSetGroups: readonly QueriedRecord[];
  readonly permissionSetGroupComponents: readonly QueriedRecord[];
  /** MutingPermissionSet rows; their permissions are in `permissions` by Id. */
  readonly mutingPermissionSets: readonly QueriedRecord[];
  readonly packageLicenses: readonly QueriedRecord[];
  readonly permissionSetLicenses: readonly QueriedRecord[];
  /** Group rows of the member-listed and derived types (Regular, Queue, Role…, Organization). */
  readonly groups: readonly QueriedRecord[];
  /** GroupMember rows of public groups and queues whose member is a group. */
  readonly groupNesting: readonly QueriedRecord[];
}

export const ref = {
  profile: (externalId: string): EntitlementRef => ({ type: EntitlementTypes.profile, externalId }),
  role: (externalId: string): EntitlementRef => ({ type: EntitlementTypes.role, externalId }),
  permissionSet: (externalId: string): EntitlementRef => ({
    type: EntitlementTypes.permissionSet,
    externalId,
  }),
  permissionSetGroup: (externalId: string): EntitlementRef => ({
    type: EntitlementTypes.permissionSetGroup,
    externalId,
  }),
  packageLicense: (externalId: string): EntitlementRef => ({
    type: EntitlementTypes.packageLicense,
    externalId,
  }),
  userLicense: (externalId: string): EntitlementRef => ({ type: EntitlementTypes.userLicense, externalId }),
  publicGroup: (externalId: string): EntitlementRef => ({ type: EntitlementTypes.publicGroup, externalId }),
  queue: (externalId: string): EntitlementRef => ({ type: SalesforceEntitlementTypes.queue, externalId }),
  permissionSetLicense: (externalId: string): EntitlementRef => ({
    type: SalesforceEntitlementTypes.permissionSetLicense,
    externalId,
  }),
  derivedGroup: (externalId: string): EntitlementRef => ({
    type: SalesforceEntitlementTypes.derivedGroup,
    externalId,
  }),
};

/** The entitlement a Group row is: a public group, a queue or a derived group. */
export function groupRef(group: GroupRow): EntitlementRef {
  if (group.type === 'Regular') return ref.publicGroup(group.id);
  if (group.type === 'Queue') return ref.queue(group.id);
  return ref.derivedGroup(group.id);
}

function permissionObject(names: readonly string[] | undefined): JsonObject {
  const permissions: JsonObject = {};
  for (const name of [...(names ?? [])].sort()) permissions[name] = true;
  return permissions;
}

function dateText(record: QueriedRecord, field: string): string | null {
  return dateTime(record, field)?.toISOString() ?? null;
}

/**
 * Builds the catalog. Profile-owned permission sets become their profile's
 * `permissions`; a group's aggregate permission set (Type 'Group') becomes the
 * group's `permissions`, and its muting permission set the group's
 * `mutedPermissions`; neither is an entitlement of its own.
 */
export function buildAccessCatalog(rows: CatalogRows): AccessCatalog {
  const entitlements: Entitlement[] = [];

  const licenseIds = new Set<string>();
  const userLicenses = new Map<string, { name: string; definitionKey: string | null }>();
  for (const license of rows.userLicenses) {
    const id = requiredText(license, 'Id');
    licenseIds.add(id);
    userLicenses.set(id, {
      name: text(license, 'Name') ?? text(license, 'MasterLabel') ?? id,
      definitionKey: text(license, 'LicenseDefinitionKey'),
    });
    entitlements.push({
      ...ref.userLicense(id),
      name: text(license, 'MasterLabel') ?? requiredText(license, 'Name'),
      description: null,
      ...entitlementFlags(EntitlementTypes.userLicense),
      attributes: {
        apiName: text(license, 'Name'),
        status: text(license, 'Status'),
        licenseDefinitionKey: text(license, 'LicenseDefinitionKey'),
        totalLicenses: count(license, 'TotalLicenses'),
        usedLicenses: count(license, 'UsedLicenses'),
      },
    });
  }

  const ownedByProfile = new Map<string, string>();
  const aggregateOfGroup = new Map<string, string>();
  const permissionSetIds = new Set<string>();
  const sessionPermissionSetIds = new Set<string>();
  for (const permissionSet of rows.permissionSets) {
    const id = requiredText(permissionSet, 'Id');
    const profileId = text(permissionSet, 'ProfileId');
    const groupId = text(permissionSet, 'PermissionSetGroupId');
    if (flag(permissionSet, 'IsOwnedByProfile') && profileId) {
      ownedByProfile.set(profileId, id);
      continue;
    }
    if (text(permissionSet, 'Type') === 'Group' || groupId) {
      if (groupId) aggregateOfGroup.set(groupId, id);
      continue;
    }
    permissionSetIds.add(id);
    if (text(permissionSet, 'Type') === 'Session') sessionPermissionSetIds.add(id);
    const licenseId = text(permissionSet, 'LicenseId');
    entitlements.push({
      ...ref.permissionSet(id),
      name: text(permissionSet, 'Label') ?? requiredText(permissionSet, 'Name'),
      description: text(permissionSet, 'Description'),
      ...entitlementFlags(EntitlementTypes.permissionSet),
      attributes: {
        apiName: text(permissionSet, 'Name'),
        type: text(permissionSet, 'Type'),
        namespacePrefix: text(permissionSet, 'NamespacePrefix'),
        isCustom: flag(permissionSet, 'IsCustom'),
        licenseId,
        // PermissionSet.LicenseId names a UserLicense (100…) or a PermissionSetLicense (0PL…).
        permissionSetLicenseId: licenseId?.startsWith('0PL') ? licenseId : null,
        permissions: permissionObject(rows.permissions.get(id)),
      },
    });
  }

  const profileLicense = new Map<string, string | null>();
  for (const profile of rows.profiles) {
    const id = requiredText(profile, 'Id');
    const licenseId = text(profile, 'UserLicenseId');
    profileLicense.set(id, licenseId && licenseIds.has(licenseId) ? licenseId : null);
    const ownedId = ownedByProfile.get(id);
    entitlements.push({
      ...ref.profile(id),
      name: requiredText(profile, 'Name'),
      description: text(profile, 'Description'),
      ...entitlementFlags(EntitlementTypes.profile),
      attributes: {
        userLicenseId: licenseId,
        userType: text(profile, 'UserType'),
        permissionSetId: ownedId ?? null,
        permissions: permissionObject(ownedId ? rows.permissions.get(ownedId) : undefined),
      },
    });
  }

  const roleIds = new Set<string>();
  for (const role of rows.roles) {
    const id = requiredText(role, 'Id');
    roleIds.add(id);
    entitlements.push({
      ...ref.role(id),
      name: requiredText(role, 'Name'),
      description: text(role, 'Description'),
      ...entitlementFlags(EntitlementTypes.role),
      attributes: {
        developerName: text(role, 'DeveloperName'),
        parentRoleId: text(role, 'ParentRoleId'),
      },
    });
  }

  const mutingSets = new Map<string, QueriedRecord>();
  for (const muting of rows.mutingPermissionSets) mutingSets.set(requiredText(muting, 'Id'), muting);
  const components = new Map<string, string[]>();
  const mutingOfGroup = new Map<string, string>();
  for (const component of rows.permissionSetGroupComponents) {
    const groupId = requiredText(component, 'PermissionSetGroupId');
    const permissionSetId = requiredText(component, 'PermissionSetId');
    if (permissionSetId.startsWith('0QM')) {
      mutingOfGroup.set(groupId, permissionSetId);
      continue;
    }
    // Anything not synced as an entitlement (no such permission set) is not held through the group.
    if (!permissionSetIds.has(permissionSetId)) continue;
    const list = components.get(groupId) ?? [];
    list.push(permissionSetId);
    components.set(groupId, list);
  }
  const groupComponents = new Map<string, readonly GroupComponent[]>();
  const sessionGroupIds = new Set<string>();
  for (const group of rows.permissionSetGroups) {
    const id = requiredText(group, 'Id');
    const members = (components.get(id) ?? []).sort();
    const status = text(group, 'Status');
    const aggregateId = aggregateOfGroup.get(id) ?? null;
    const mutingId = mutingOfGroup.get(id) ?? null;
    const aggregate = new Set(rows.permissions.get(aggregateId ?? '') ?? []);
    const muted = new Set(mutingId ? (rows.permissions.get(mutingId) ?? []) : []);
    // A group's permissions are its aggregate permission set's: Salesforce keeps there the union of
    // the components minus the muting set (Object Reference "PermissionSetGroup", "MutingPermissionSet").
    // While the group is not 'Updated' the aggregate may be stale, so the components' permissions
    // after muting are added: access is over-reported rather than hidden until Salesforce catches up.
    const permissions = new Set(aggregate);
    if (status !== 'Updated') {
      for (const memberId of members) {
        for (const name of rows.permissions.get(memberId) ?? []) if (!muted.has(name)) permissions.add(name);
      }
    }
    // A permission counts as muted in a component only where the aggregate does not have it.
    groupComponents.set(
      id,
      members.map((permissionSetId) => ({
        permissionSetId,
        mutedPermissions: (rows.permissions.get(permissionSetId) ?? [])
          .filter((name) => muted.has(name) && !permissions.has(name))
          .sort(),
      })),
    );
    if (flag(group, 'HasActivationRequired')) sessionGroupIds.add(id);
    const muting = mutingId ? mutingSets.get(mutingId) : undefined;
    entitlements.push({
      ...ref.permissionSetGroup(id),
      name: text(group, 'MasterLabel') ?? requiredText(group, 'DeveloperName'),
      description: text(group, 'Description'),
      ...entitlementFlags(EntitlementTypes.permissionSetGroup),
      attributes: {
        developerName: text(group, 'DeveloperName'),
        status,
        aggregateCurrent: status === 'Updated',
        hasActivationRequired: flag(group, 'HasActivationRequired'),
        namespacePrefix: text(group, 'NamespacePrefix'),
        aggregatePermissionSetId: aggregateId,
        permissionSetIds: [...members],
        mutingPermissionSetId: mutingId,
        mutingPermissionSetName: muting
          ? (text(muting, 'MasterLabel') ?? text(muting, 'DeveloperName'))
          : null,
        mutedPermissions: permissionObject([...muted]),
        permissions: permissionObject([...permissions]),
      },
    });
  }

  const packageLicenseIds = new Set<string>();
  for (const license of rows.packageLicenses) {
    const id = requiredText(license, 'Id');
    packageLicenseIds.add(id);
    const namespacePrefix = text(license, 'NamespacePrefix');
    entitlements.push({
      ...ref.packageLicense(id),
      name: namespacePrefix ?? id,
      description: null,
      ...entitlementFlags(EntitlementTypes.packageLicense),
      attributes: {
        namespacePrefix,
        status: text(license, 'Status'),
        allowedLicenses: count(license, 'AllowedLicenses'),
        usedLicenses: count(license, 'UsedLicenses'),
        expirationDate: dateText(license, 'ExpirationDate'),
      },
    });
  }

  const permissionSetLicenseIds = new Set<string>();
  for (const license of rows.permissionSetLicenses) {
    const id = requiredText(license, 'Id');
    permissionSetLicenseIds.add(id);
    entitlements.push({
      ...ref.permissionSetLicense(id),
      name: text(license, 'MasterLabel') ?? text(license, 'DeveloperName') ?? id,
      description: null,
      ...entitlementFlags(SalesforceEntitlementTypes.permissionSetLicense),
      attributes: {
        developerName: text(license, 'DeveloperName'),
        licenseKey: text(license, 'PermissionSetLicenseKey'),
        status: text(license, 'Status'),
        totalLicenses: count(license, 'TotalLicenses'),
        usedLicenses: count(license, 'UsedLicenses'),
        expirationDate: text(license, 'ExpirationDate'),
      },
    });
  }

  const groups: GroupRow[] = rows.groups.map((group) => ({
    id: requiredText(group, 'Id'),
    type: requiredText(group, 'Type'),
    relatedId: text(group, 'RelatedId'),
  }));
  const roleRows = rows.roles.map((role) => ({
    id: requiredText(role, 'Id'),
    parentRoleId: text(role, 'ParentRoleId'),
    portalType: text(role, 'PortalType'),
  }));
  const edges = rows.groupNesting.map((member) => ({
    parentId: requiredText(member, 'GroupId'),
    childId: requiredText(member, 'UserOrGroupId'),
  }));
  const groupMembership = new GroupMembership(groups, roleRows, edges);
  const roleNames = new Map(rows.roles.map((role) => [requiredText(role, 'Id'), text(role, 'Name')]));
  const derivedTypes = new Set<string>(DERIVED_GROUP_TYPES);
  const nestedDerived = new Set(groupMembership.nestedDerivedGroups().map((group) => group.id));
  for (const group of rows.groups) {
    const id = requiredText(group, 'Id');
    const type = requiredText(group, 'Type');
    const relatedId = text(group, 'RelatedId');
    if (derivedTypes.has(type)) {
      // Only the derived groups that give membership of a public group or queue are entitlements.
      if (!nestedDerived.has(id)) continue;
      const roleName = relatedId ? (roleNames.get(relatedId) ?? relatedId) : null;
      entitlements.push({
        ...ref.derivedGroup(id),
        name: derivedGroupName(type, roleName),
        description: null,
        ...entitlementFlags(SalesforceEntitlementTypes.derivedGroup),
        attributes: { groupType: type, developerName: text(group, 'DeveloperName'), roleId: relatedId },
      });
      continue;
    }
    const entitlementRef = groupRef({ id, type, relatedId });
    entitlements.push({
      ...entitlementRef,
      name: text(group, 'Name') || text(group, 'DeveloperName') || id,
      description: null,
      ...entitlementFlags(entitlementRef.type),
      attributes: {
        developerName: text(group, 'DeveloperName'),
        doesIncludeBosses: flag(group, 'DoesIncludeBosses'),
      },
    });
  }

  return {
    entitlements,
    profileLicense,
    userLicenses,
    roleIds,
    permissionSetIds,
    sessionPermissionSetIds,
    groupComponents,
    sessionGroupIds,
    packageLicenseIds,
    permissionSetLicenseIds,
    groupMembership,
  };
}

/** How Setup names a derived group: "Role and subordinates: Sales VP", "All internal users". */
function derivedGroupName(type: string, roleName: string | null): string {
  const role = roleName ?? '(unknown role)';
  switch (type) {
    case 'Organization':
      return 'All internal users';
    case 'Role':
      return `Role: ${role}`;
    case 'RoleAndSubordinates':
      return `Role and subordinates: ${role}`;
    default:
      return `Role and internal subordinates: ${role}`;
  }
}
