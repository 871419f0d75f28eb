import type { Account, ActivityRecord, Grant, JsonObject, SyncItem } from '@accessledger/core';
import { keyPrefix } from '../salesforce-id.js';
import { groupRef, ref, type AccessCatalog } from './catalog.js';
import {
  dateTime,
  flag,
  jsonScalar,
  requiredFlag,
  requiredText,
  text,
  type QueriedRecord,
} from './fields.js';
import type { RoleMembers } from './group-membership.js';

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

/**
 * What kind of account a user is, for governance queries that leave out (or
 * focus on) accounts that are not people:
 * - `system`: the Automated Process user (UserType AutomatedProcess);
 * - `guest`: a site's unauthenticated guest user (Guest);
 * - `external`: partner, customer portal and community users (PowerPartner,
 *   PowerCustomerSuccess, CustomerSuccess, CspLitePortal, SelfService);
 * - `integration`: a Standard user on the "Salesforce Integration" user license
 *   (API-only system-to-system access);
 * - `human`: every other user (Standard, CsnOnly Chatter users, and any
 *   UserType not listed here, so that nothing is hidden by default).
 * UserType values are those of the Object Reference "User".
 */
export type AccountKind = 'human' | 'integration' | 'system' | 'external' | 'guest';

const EXTERNAL_USER_TYPES = new Set([
  'PowerPartner',
  'PowerCustomerSuccess',
  'CustomerSuccess',
  'CspLitePortal',
  'SelfService',
]);

export function accountKind(
  userType: string | null,
  license: { readonly name: string; readonly definitionKey: string | null } | undefined,
): AccountKind {
  if (userType === 'AutomatedProcess') return 'system';
  if (userType === 'Guest') return 'guest';
  if (userType !== null && EXTERNAL_USER_TYPES.has(userType)) return 'external';
  if (
    license &&
    (license.name === 'Salesforce Integration' || /integration/i.test(license.definitionKey ?? ''))
  ) {
    return 'integration';
  }
  return 'human';
}

/** Internal users are members of the Organization group ("All Internal Users"); portal and guest users are not. */
export function isInternalKind(kind: AccountKind): boolean {
  return kind !== 'external' && kind !== 'guest';
}

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

/** Per list of attribute fields: every attribute key, sorted, and which of them are fields. */
const attributeKeyOrders = new WeakMap<
  readonly string[],
  { readonly keys: readonly string[]; readonly fields: ReadonlySet<string> }
>();

function attributeKeyOrder(fields: readonly string[]): {
  readonly keys: readonly string[];
  readonly fields: ReadonlySet<string>;
} {
  let order = attributeKeyOrders.get(fields);
  if (!order) {
    order = { keys: [...new Set(['kind', 'userTypeLabel', ...fields])].sort(), fields: new Set(fields) };
    attributeKeyOrders.set(fields, order);
  }
  return order;
}

export function mapUser(user: QueriedRecord, mapping: UserMapping, kind: AccountKind = 'human'): Account {
  const id = requiredText(user, 'Id');
  const userType = text(user, 'UserType');
  const label = userTypeLabel(userType);
  // Keys added in sorted order: the writer then serialises attributes without sorting them. A field
  // with a value wins over the label and kind of the same name (there are none in Salesforce).
  const order = attributeKeyOrder(mapping.attributeFields);
  const attributes: JsonObject = {};
  for (const key of order.keys) {
    let value = order.fields.has(key) ? jsonScalar(user, key) : undefined;
    if (value === undefined) value = key === 'kind' ? kind : key === 'userTypeLabel' ? label : undefined;
    if (value !== undefined) attributes[key] = value;
  }
  const name =
    text(user, 'Name') ?? [text(user, 'FirstName'), text(user, 'LastName')].filter(Boolean).join(' ');
  return {
    externalId: id,
    username: requiredText(user, 'Username'),
    email: text(user, 'Email'),
    displayName: name || requiredText(user, 'Username'),
    // Frozen users keep their access but cannot log in (Salesforce Help: "Freeze or Unfreeze User Accounts").
    status: !requiredFlag(user, 'IsActive')
      ? 'inactive'
      : mapping.frozenUserIds.has(id)
        ? 'suspended'
        : 'active',
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

/**
 * A user's account, its profile, the user license held through the profile,
 * its role, and its last login. `roleMembers` gathers who is in which role,
 * for the memberships Salesforce derives from roles.
 */
export function userItems(
  user: QueriedRecord,
  mapping: UserMapping,
  catalog: AccessCatalog,
  roleMembers?: RoleMembers,
): SyncItem[] {
  const profileId = text(user, 'ProfileId');
  const licenseId = profileId ? catalog.profileLicense.get(profileId) : undefined;
  const kind = accountKind(
    text(user, 'UserType'),
    licenseId ? catalog.userLicenses.get(licenseId) : undefined,
  );
  const account = mapUser(user, mapping, kind);
  const id = account.externalId;
  roleMembers?.add(id, text(user, 'UserRoleId'), isInternalKind(kind));
  const items: SyncItem[] = [{ kind: 'account', account }];
  if (profileId && catalog.profileLicense.has(profileId)) {
    const profile = ref.profile(profileId);
    items.push({ kind: 'grant', grant: grant(id, profile, null) });
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
 * How an assignment holds access, so that SQL can tell standing access from
 * just-in-time access (Object Reference "PermissionSetAssignment"):
 * `session_based` for session-based permission sets and groups that require
 * activation (IsActive is false until a session activates them),
 * `time_limited` when ExpirationDate is set, `standing` otherwise.
 */
export type AccessKind = 'standing' | 'time_limited' | 'session_based';

/**
 * One PermissionSetAssignment row (profile-owned ones are filtered out by the
 * query). A permission set group assignment carries the group's aggregate
 * permission set as PermissionSetId and the group as PermissionSetGroupId; it
 * becomes a grant of the group plus one grant per component permission set
 * held via the group, each naming the permissions the group mutes in it.
 * An assignment whose ExpirationDate has passed (Salesforce removes it soon
 * after) or that is revoked (IsRevoked, where user access policies are on) is
 * not held.
 */
export function assignmentGrants(
  assignment: QueriedRecord,
  catalog: AccessCatalog,
  now: Date = new Date(),
): Grant[] {
  const accountId = requiredText(assignment, 'AssigneeId');
  const expiresAt = dateTime(assignment, 'ExpirationDate');
  if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) return [];
  if (flag(assignment, 'IsRevoked')) return [];
  const groupId = text(assignment, 'PermissionSetGroupId');
  const permissionSetId = text(assignment, 'PermissionSetId');
  const sessionBased = groupId
    ? catalog.sessionGroupIds.has(groupId)
    : permissionSetId !== null && catalog.sessionPermissionSetIds.has(permissionSetId);
  const accessKind: AccessKind =
    sessionBased || assignment['IsActive'] === false
      ? 'session_based'
      : expiresAt
        ? 'time_limited'
        : 'standing';
  const assignmentId = requiredText(assignment, 'Id');
  const extra = {
    expiresAt,
    // Keys in sorted order: the writer then serialises attributes without reordering them.
    attributes: { accessKind, assignmentId, isActive: flag(assignment, 'IsActive') },
  };
  if (groupId) {
    const components = catalog.groupComponents.get(groupId);
    if (!components) return [];
    const group = ref.permissionSetGroup(groupId);
    return [
      grant(accountId, group, null, extra),
      ...components.map((component) =>
        grant(accountId, ref.permissionSet(component.permissionSetId), group, {
          expiresAt,
          attributes: {
            accessKind,
            assignmentId,
            ...(component.mutedPermissions.length > 0
              ? {
                  mutedPermissions: Object.fromEntries(
                    component.mutedPermissions.map((name) => [name, true]),
                  ),
                }
              : {}),
          },
        }),
      ),
    ];
  }
  if (!permissionSetId || !catalog.permissionSetIds.has(permissionSetId)) return [];
  return [grant(accountId, ref.permissionSet(permissionSetId), null, extra)];
}

/** One PermissionSetLicenseAssign row: a seat of a permission set license. */
export function permissionSetLicenseGrants(seat: QueriedRecord, catalog: AccessCatalog): Grant[] {
  const licenseId = requiredText(seat, 'PermissionSetLicenseId');
  if (!catalog.permissionSetLicenseIds.has(licenseId)) return [];
  return [
    grant(requiredText(seat, 'AssigneeId'), ref.permissionSetLicense(licenseId), null, {
      grantedAt: dateTime(seat, 'CreatedDate'),
      attributes: { permissionSetLicenseAssignId: requiredText(seat, 'Id') },
    }),
  ];
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
 * One GroupMember row of a public group or queue. A user member holds the
 * group directly and every public group or queue the group is nested in via
 * it; a member that is itself a group (prefix 00G) is part of the nesting
 * graph, not a grant.
 */
export function groupMemberGrants(member: QueriedRecord, catalog: AccessCatalog): Grant[] {
  const memberId = requiredText(member, 'UserOrGroupId');
  if (keyPrefix(memberId) !== '005') return [];
  const groupId = requiredText(member, 'GroupId');
  const groups = catalog.groupMembership.groups;
  const group = groups.get(groupId);
  if (!group) return [];
  const via = groupRef(group);
  return [
    grant(memberId, via, null, { attributes: { groupMemberId: requiredText(member, 'Id') } }),
    ...ancestorGrants(memberId, groupId, via, catalog),
  ];
}

function ancestorGrants(userId: string, groupId: string, via: Grant['via'], catalog: AccessCatalog): Grant[] {
  const groups = catalog.groupMembership.groups;
  return (catalog.groupMembership.ancestors.get(groupId) ?? []).flatMap((ancestorId) => {
    const ancestor = groups.get(ancestorId);
    return ancestor ? [grant(userId, groupRef(ancestor), via)] : [];
  });
}

/**
 * Derived memberships handed out at once, at most. The sync hands out a batch between two query pages
 * while none is waiting (a page holds its request slot until it is taken): small enough not to hold
 * the reads up.
 */
const DERIVED_GRANT_BATCH = 256;

/**
 * The memberships Salesforce derives: every user of a role, role-and-subordinates
 * or organization group nested (directly or not) in a public group or queue is
 * a member of it, `via` the derived group. Called once every user is known;
 * handed out `batchSize` grants at a time at most (an organization group in a
 * public group is every internal user: one array of them all would be tens of
 * megabytes alive at once while the other objects are still being read).
 */
export function* derivedMemberGrants(
  catalog: AccessCatalog,
  roleMembers: RoleMembers,
  batchSize = DERIVED_GRANT_BATCH,
): Generator<Grant[], void, undefined> {
  const membership = catalog.groupMembership;
  let grants: Grant[] = [];
  for (const derived of membership.nestedDerivedGroups()) {
    const via = ref.derivedGroup(derived.id);
    for (const userId of membership.membersOf(derived, roleMembers)) {
      for (const ancestorId of membership.ancestors.get(derived.id) ?? []) {
        const ancestor = membership.groups.get(ancestorId);
        if (!ancestor) continue;
        grants.push(grant(userId, groupRef(ancestor), via));
        if (grants.length >= batchSize) {
          yield grants;
          grants = [];
        }
      }
    }
  }
  if (grants.length > 0) yield grants;
}
