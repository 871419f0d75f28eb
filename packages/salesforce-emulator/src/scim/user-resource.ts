import type { EmulatedOrg } from '../org/emulated-org.js';
import type { StoredRecord } from '../org/table.js';
import type { SObjectRecord } from '../soql/types.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function scimDate(value: unknown): string | undefined {
  return typeof value === 'string' ? value.replace('+0000', 'Z') : undefined;
}

export function meta(
  baseUrl: string,
  resourceType: string,
  path: string,
  record: SObjectRecord,
): Record<string, unknown> {
  return {
    resourceType,
    created: scimDate(record.CreatedDate ?? record.SystemModstamp),
    lastModified: scimDate(record.LastModifiedDate ?? record.SystemModstamp),
    location: `${baseUrl}/services/scim/v2/${path}/${String(record.Id)}`,
    version: `W/"${String(record.SystemModstamp ?? '')}"`,
  };
}

/** Entitlements a user holds: the profile (primary) and directly assigned permission sets. */
export function userEntitlements(org: EmulatedOrg, user: SObjectRecord): Record<string, unknown>[] {
  const store = org.store;
  const entitlements: Record<string, unknown>[] = [];
  const profile = store.table('Profile').live.get(String(user.ProfileId));
  if (profile !== undefined) {
    entitlements.push({ value: profile.Id, display: profile.Name, type: 'Profile', primary: true });
  }
  const permissionSets = store.table('PermissionSet').live;
  for (const assignment of store.table('PermissionSetAssignment').rowsWhere('AssigneeId', String(user.Id))) {
    const permissionSet = permissionSets.get(String(assignment.PermissionSetId));
    if (
      permissionSet === undefined ||
      permissionSet.IsOwnedByProfile === true ||
      permissionSet.Type === 'Group'
    )
      continue;
    entitlements.push({
      value: permissionSet.Id,
      display: permissionSet.Label,
      type: 'PermissionSet',
      primary: false,
    });
  }
  return entitlements;
}

/** A User as Salesforce's SCIM endpoint renders it (core schema plus the enterprise extension). */
export function userResource(
  org: EmulatedOrg,
  user: SObjectRecord,
  baseUrl: string,
): Record<string, unknown> {
  const store = org.store;
  const role = store.table('UserRole').live.get(String(user.UserRoleId));
  const manager = store.table('User').live.get(String(user.ManagerId));
  const groups = store
    .table('GroupMember')
    .rowsWhere('UserOrGroupId', String(user.Id))
    .map((member) => store.table('Group').live.get(String(member.GroupId)))
    .filter((group): group is StoredRecord => group !== undefined)
    .map((group) => ({ value: group.Id, display: group.Name }));
  return {
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
    id: user.Id,
    userName: user.Username,
    ...(text(user.FederationIdentifier) !== undefined ? { externalId: user.FederationIdentifier } : {}),
    name: { formatted: user.Name, familyName: user.LastName, givenName: user.FirstName ?? undefined },
    displayName: user.Name,
    nickName: user.CommunityNickname ?? undefined,
    title: user.Title ?? undefined,
    emails: [{ type: 'work', primary: true, value: user.Email }],
    ...(text(user.Phone) !== undefined ? { phoneNumbers: [{ type: 'work', value: user.Phone }] } : {}),
    userType: user.UserType,
    preferredLanguage: user.LanguageLocaleKey,
    locale: user.LocaleSidKey,
    timezone: user.TimeZoneSidKey,
    active: user.IsActive === true,
    entitlements: userEntitlements(org, user),
    roles: role === undefined ? [] : [{ value: role.Id, display: role.Name, primary: true }],
    groups,
    [ENTERPRISE_SCHEMA]: {
      employeeNumber: user.EmployeeNumber ?? undefined,
      division: user.Division ?? undefined,
      department: user.Department ?? undefined,
      organization: user.CompanyName ?? undefined,
      ...(manager === undefined ? {} : { manager: { managerId: manager.Id, displayName: manager.Name } }),
    },
    meta: meta(baseUrl, 'User', 'Users', user),
  };
}
