import { entitlementFlags } from '../manifest.js';
import { EntitlementTypes, type Entitlement, type EntitlementRef, type JsonObject } from '@accessledger/core';
import { count, dateTime, flag, requiredText, text, type QueriedRecord } from './fields.js';
import { expandGroupNesting } from './group-nesting.js';

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
  readonly roleIds: ReadonlySet<string>;
  /** Permission sets that are entitlements of their own (not profile-owned, not group aggregates). */
  readonly permissionSetIds: ReadonlySet<string>;
  /** Permission set group Id → its component permission set Ids (entitlements only). */
  readonly groupComponents: ReadonlyMap<string, readonly string[]>;
  readonly packageLicenseIds: ReadonlySet<string>;
  /** Public group Id → every public group it is nested in, directly or not (never itself). */
  readonly publicGroupAncestors: ReadonlyMap<string, readonly string[]>;
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
  readonly packageLicenses: readonly QueriedRecord[];
  /** Group rows of Type 'Regular'. */
  readonly publicGroups: readonly QueriedRecord[];
  /** GroupMember rows whose group and member are both public groups. */
  readonly publicGroupNesting: readonly QueriedRecord[];
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
};

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
 * `permissions`; a group's aggregate permission set (Type 'Group') and its
 * components become the group's; neither is an entitlement of its own.
 */
export function buildAccessCatalog(rows: CatalogRows): AccessCatalog {
  const entitlements: Entitlement[] = [];

  const licenseIds = new Set<string>();
  for (const license of rows.userLicenses) {
    const id = requiredText(license, 'Id');
    licenseIds.add(id);
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
        licenseId: text(permissionSet, 'LicenseId'),
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

  const components = new Map<string, string[]>();
  for (const component of rows.permissionSetGroupComponents) {
    const groupId = requiredText(component, 'PermissionSetGroupId');
    const permissionSetId = requiredText(component, 'PermissionSetId');
    // Muting permission sets and anything not synced as an entitlement are not held through the group.
    if (!permissionSetIds.has(permissionSetId)) continue;
    const list = components.get(groupId) ?? [];
    list.push(permissionSetId);
    components.set(groupId, list);
  }
  const groupComponents = new Map<string, readonly string[]>();
  for (const group of rows.permissionSetGroups) {
    const id = requiredText(group, 'Id');
    const members = (components.get(id) ?? []).sort();
    groupComponents.set(id, members);
    // The cookbook's convention: a group carries the union of its permission sets. The aggregate
    // permission set is that union after muting; it is merged in so nothing it grants is missed.
    const union = new Set<string>(rows.permissions.get(aggregateOfGroup.get(id) ?? '') ?? []);
    for (const memberId of members) for (const name of rows.permissions.get(memberId) ?? []) union.add(name);
    entitlements.push({
      ...ref.permissionSetGroup(id),
      name: text(group, 'MasterLabel') ?? requiredText(group, 'DeveloperName'),
      description: text(group, 'Description'),
      ...entitlementFlags(EntitlementTypes.permissionSetGroup),
      attributes: {
        developerName: text(group, 'DeveloperName'),
        status: text(group, 'Status'),
        namespacePrefix: text(group, 'NamespacePrefix'),
        aggregatePermissionSetId: aggregateOfGroup.get(id) ?? null,
        permissionSetIds: [...members],
        permissions: permissionObject([...union]),
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

  const publicGroupIds = new Set<string>();
  for (const group of rows.publicGroups) {
    const id = requiredText(group, 'Id');
    publicGroupIds.add(id);
    entitlements.push({
      ...ref.publicGroup(id),
      name: text(group, 'Name') || text(group, 'DeveloperName') || id,
      description: null,
      ...entitlementFlags(EntitlementTypes.publicGroup),
      attributes: {
        developerName: text(group, 'DeveloperName'),
        doesIncludeBosses: flag(group, 'DoesIncludeBosses'),
      },
    });
  }
  const edges = rows.publicGroupNesting
    .map((member) => ({
      parentId: requiredText(member, 'GroupId'),
      childId: requiredText(member, 'UserOrGroupId'),
    }))
    .filter((edge) => publicGroupIds.has(edge.parentId) && publicGroupIds.has(edge.childId));

  return {
    entitlements,
    profileLicense,
    roleIds,
    permissionSetIds,
    groupComponents,
    packageLicenseIds,
    publicGroupAncestors: expandGroupNesting(edges),
  };
}
