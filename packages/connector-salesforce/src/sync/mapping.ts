import type { Account, ActivityRecord, Grant, JsonObject, SyncItem } from '@accessledger/core';
import { keyPrefix } from '../salesforce-id.js';
import { ref, type AccessCatalog } from './catalog.js';
import { dateTime, flag, jsonScalar, requiredText, text, type QueriedRecord } from './fields.js';

export const LAST_LOGIN_SOURCE = 'User.LastLoginDate';

/**
 * Labels of `User.UserType` values as Setup shows them (Object Reference:
 * "User", field UserType). Values not listed keep their API name.
 */
const USER_TYPE_LABELS: Readonly<Record<string, string>> = {
  Standard: 'Standard',
  PowerPartner: 'Partner',
  PowerCustomerSuccess: 'Customer Portal Manager',
  CustomerSuccess: 'Customer Portal User',
  CspLitePortal: 'High Volume Portal',
  CsnOnly: 'Chatter Free',
  SelfService: 'Self Service',
  Guest: 'Guest',
  AutomatedProcess: 'Automated Process',
};

/** How user rows become accounts: which fields go into attributes, which users are frozen. */
export interface UserMapping {
  /** Non-secret fields copied into `attributes` (standard and `__c`), as selected. */
  readonly attributeFields: readonly string[];
  /** Users whose UserLogin.IsFrozen is true. */
  readonly frozenUserIds: ReadonlySet<string>;
}

export function userTypeLabel(userType: string | null): string | null {
  if (userType === null) return null;
  return USER_TYPE_LABELS[userType] ?? userType;
}

export function mapUser(user: QueriedRecord, mapping: UserMapping): Account {
  const id = requiredText(user, 'Id');
  const userType = text(user, 'UserType');
  const attributes: JsonObject = { userTypeLabel: userTypeLabel(userType) };
  for (const field of mapping.attributeFields) {
    const value = jsonScalar(user, field);
    if (value !== undefined) attributes[field] = value;
  }
  const name =
    text(user, 'Name') ?? [text(user, 'FirstName'), text(user, 'LastName')].filter(Boolean).join(' ');
  return {
    externalId: id,
    username: requiredText(user, 'Username'),
    email: text(user, 'Email'),
    displayName: name || requiredText(user, 'Username'),
    // Frozen users keep their access but cannot log in (Salesforce Help: "Freeze or Unfreeze User Accounts").
    status: !flag(user, 'IsActive') ? 'inactive' : mapping.frozenUserIds.has(id) ? 'suspended' : 'active',
    accountType: userType,
    createdAt: dateTime(user, 'CreatedDate'),
    attributes,
  };
}

function grant(
  accountExternalId: string,
  entitlement: Grant['entitlement'],
  via: Grant['via'],
  extra: Partial<Pick<Grant, 'grantedAt' | 'expiresAt' | 'attributes'>> = {},
): Grant {
  return {
    accountExternalId,
    entitlement,
    via,
    grantedAt: extra.grantedAt ?? null,
    expiresAt: extra.expiresAt ?? null,
    attributes: extra.attributes ?? {},
  };
}

/** A user's account, its profile, the user license held through the profile, its role, and its last login. */
export function userItems(user: QueriedRecord, mapping: UserMapping, catalog: AccessCatalog): SyncItem[] {
  const account = mapUser(user, mapping);
  const id = account.externalId;
  const items: SyncItem[] = [{ kind: 'account', account }];
  const profileId = text(user, 'ProfileId');
  if (profileId && catalog.profileLicense.has(profileId)) {
    const profile = ref.profile(profileId);
    items.push({ kind: 'grant', grant: grant(id, profile, null) });
    const licenseId = catalog.profileLicense.get(profileId);
    if (licenseId) items.push({ kind: 'grant', grant: grant(id, ref.userLicense(licenseId), profile) });
  }
  const roleId = text(user, 'UserRoleId');
  if (roleId && catalog.roleIds.has(roleId)) {
    items.push({ kind: 'grant', grant: grant(id, ref.role(roleId), null) });
  }
  items.push({ kind: 'activity', activity: activityOf(user) });
  return items;
}

export function activityOf(user: QueriedRecord): ActivityRecord {
  return {
    accountExternalId: requiredText(user, 'Id'),
    lastActivityAt: dateTime(user, 'LastLoginDate'),
    source: LAST_LOGIN_SOURCE,
  };
}

/**
 * One PermissionSetAssignment row (profile-owned ones are filtered out by the
 * query). A permission set group assignment carries the group's aggregate
 * permission set as PermissionSetId and the group as PermissionSetGroupId; it
 * becomes a grant of the group plus one grant per component permission set
 * held via the group.
 */
export function assignmentGrants(assignment: QueriedRecord, catalog: AccessCatalog): Grant[] {
  const accountId = requiredText(assignment, 'AssigneeId');
  const extra = {
    expiresAt: dateTime(assignment, 'ExpirationDate'),
    attributes: {
      assignmentId: requiredText(assignment, 'Id'),
      isActive: flag(assignment, 'IsActive'),
    },
  };
  const groupId = text(assignment, 'PermissionSetGroupId');
  if (groupId) {
    const components = catalog.groupComponents.get(groupId);
    if (!components) return [];
    const group = ref.permissionSetGroup(groupId);
    return [
      grant(accountId, group, null, extra),
      ...components.map((permissionSetId) =>
        grant(accountId, ref.permissionSet(permissionSetId), group, {
          expiresAt: extra.expiresAt,
          attributes: { assignmentId: extra.attributes.assignmentId },
        }),
      ),
    ];
  }
  const permissionSetId = text(assignment, 'PermissionSetId');
  if (!permissionSetId || !catalog.permissionSetIds.has(permissionSetId)) return [];
  return [grant(accountId, ref.permissionSet(permissionSetId), null, extra)];
}

/** One UserPackageLicense row: a seat of a managed package. */
export function packageLicenseGrants(seat: QueriedRecord, catalog: AccessCatalog): Grant[] {
  const licenseId = requiredText(seat, 'PackageLicenseId');
  if (!catalog.packageLicenseIds.has(licenseId)) return [];
  return [
    grant(requiredText(seat, 'UserId'), ref.packageLicense(licenseId), null, {
      grantedAt: dateTime(seat, 'CreatedDate'),
      attributes: { userPackageLicenseId: requiredText(seat, 'Id') },
    }),
  ];
}

/**
 * One GroupMember row of a public group. A user member holds the group
 * directly and every group the group is nested in via it; a member that is
 * itself a group (prefix 00G) is part of the nesting graph, not a grant.
 */
export function groupMemberGrants(member: QueriedRecord, catalog: AccessCatalog): Grant[] {
  const memberId = requiredText(member, 'UserOrGroupId');
  if (keyPrefix(memberId) !== '005') return [];
  const groupId = requiredText(member, 'GroupId');
  const group = ref.publicGroup(groupId);
  return [
    grant(memberId, group, null, { attributes: { groupMemberId: requiredText(member, 'Id') } }),
    ...(catalog.publicGroupAncestors.get(groupId) ?? []).map((ancestorId) =>
      grant(memberId, ref.publicGroup(ancestorId), group),
    ),
  ];
}
