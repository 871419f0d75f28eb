import type { EmulatedOrg } from '../org/emulated-org.js';
import { toId18 } from '../org/ids.js';
import type { SObjectRecord } from '../soql/types.js';
import { matchesClause, parseFilter } from './filter.js';
import type { ScimCall } from './scim-call.js';
import { applyEntitlementChange, listResponse, pageParameters, readPatchOperations } from './scim-call.js';
import { ScimError, notFoundResource, scimJson } from './scim-errors.js';
import { ENTERPRISE_SCHEMA, userResource } from './user-resource.js';

const FILTERABLE: Readonly<Record<string, (user: SObjectRecord) => unknown>> = {
  id: (user) => user.Id,
  username: (user) => user.Username,
  externalid: (user) => user.FederationIdentifier,
  active: (user) => user.IsActive,
  'name.familyname': (user) => user.LastName,
  'name.givenname': (user) => user.FirstName,
  displayname: (user) => user.Name,
  emails: (user) => user.Email,
  'emails.value': (user) => user.Email,
  usertype: (user) => user.UserType,
};

export function requireUser(org: EmulatedOrg, id: string): SObjectRecord {
  const id18 = toId18(id);
  const user = id18 === undefined ? undefined : org.store.table('User').live.get(id18);
  if (user === undefined) throw notFoundResource('User', id);
  return user;
}

export function listUsers(call: ScimCall) {
  const filter = call.request.query.get('filter');
  const clauses = filter === null ? [] : parseFilter(filter);
  const readers = clauses.map((clause) => {
    const reader = FILTERABLE[clause.attribute.toLowerCase()];
    if (reader === undefined) {
      throw new ScimError(400, `Filtering on '${clause.attribute}' is not supported.`, 'invalidFilter');
    }
    return reader;
  });
  const { startIndex, count } = pageParameters(call.request.query);
  const matched: SObjectRecord[] = [];
  let total = 0;
  for (const user of call.org.store.scan('User', { includeDeleted: false })) {
    if (!clauses.every((clause, index) => matchesClause(readers[index]?.(user), clause))) continue;
    total++;
    if (total >= startIndex && matched.length < count) matched.push(user);
  }
  return listResponse(
    matched.map((user) => userResource(call.org, user, call.request.baseUrl)),
    total,
    startIndex,
  );
}

export function getUser(call: ScimCall) {
  return scimJson(200, userResource(call.org, requireUser(call.org, call.id), call.request.baseUrl));
}

function primaryEmail(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const emails = value as { value?: unknown; primary?: unknown }[];
  const chosen = emails.find((email) => email.primary === true) ?? emails[0];
  return typeof chosen?.value === 'string' ? chosen.value : undefined;
}

/** Maps SCIM attributes (a PATCH value object or a POST body) onto User fields. */
function userFields(source: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const name = source.name as Record<string, unknown> | undefined;
  if (typeof source.userName === 'string') fields.Username = source.userName;
  if (typeof name?.familyName === 'string') fields.LastName = name.familyName;
  if (typeof name?.givenName === 'string') fields.FirstName = name.givenName;
  if (typeof source['name.familyName'] === 'string') fields.LastName = source['name.familyName'];
  if (typeof source['name.givenName'] === 'string') fields.FirstName = source['name.givenName'];
  const email = primaryEmail(source.emails);
  if (email !== undefined) fields.Email = email;
  if (typeof source.nickName === 'string') fields.CommunityNickname = source.nickName;
  if (typeof source.title === 'string') fields.Title = source.title;
  if (typeof source.externalId === 'string') fields.FederationIdentifier = source.externalId;
  if (typeof source.active === 'boolean') fields.IsActive = source.active;
  if (typeof source.timezone === 'string') fields.TimeZoneSidKey = source.timezone;
  if (typeof source.locale === 'string') fields.LocaleSidKey = source.locale;
  if (typeof source.preferredLanguage === 'string') fields.LanguageLocaleKey = source.preferredLanguage;
  const enterprise = source[ENTERPRISE_SCHEMA] as Record<string, unknown> | undefined;
  if (enterprise !== undefined) {
    for (const [attribute, field] of [
      ['employeeNumber', 'EmployeeNumber'],
      ['division', 'Division'],
      ['department', 'Department'],
      ['organization', 'CompanyName'],
    ] as const) {
      if (typeof enterprise[attribute] === 'string') fields[field] = enterprise[attribute];
    }
    const manager = enterprise.manager as Record<string, unknown> | undefined;
    if (manager !== undefined)
      fields.ManagerId = typeof manager.managerId === 'string' ? manager.managerId : null;
  }
  return fields;
}

function firstValue(value: unknown): string | null {
  const entries = Array.isArray(value) ? value : [value];
  const entry = entries[0] as { value?: unknown } | undefined;
  return typeof entry?.value === 'string' ? entry.value : null;
}

export function createUser(call: ScimCall) {
  const body = call.body as Record<string, unknown>;
  const fields = userFields(body);
  const entitlements = Array.isArray(body.entitlements) ? (body.entitlements as { value?: unknown }[]) : [];
  const profileId = entitlements
    .map((entry) => (typeof entry.value === 'string' ? entry.value : ''))
    .find((id) => id.startsWith('00e'));
  const standardProfile = call.org.find('Profile', { Name: 'Standard User' })[0];
  const roleId = firstValue(body.roles);
  const lastName = String(fields.LastName ?? '');
  const id = call.org.create(
    'User',
    {
      Alias: (String(fields.FirstName ?? '').slice(0, 1) + lastName.replace(/\s/g, ''))
        .slice(0, 8)
        .toLowerCase(),
      TimeZoneSidKey: 'America/Los_Angeles',
      LocaleSidKey: 'en_US',
      EmailEncodingKey: 'UTF-8',
      LanguageLocaleKey: 'en_US',
      ProfileId: profileId ?? standardProfile?.Id ?? null,
      ...(roleId !== null ? { UserRoleId: roleId } : {}),
      ...fields,
    },
    call.session.userId,
  );
  for (const entry of entitlements) {
    if (typeof entry.value === 'string' && !entry.value.startsWith('00e')) {
      applyEntitlementChange(call, id, entry.value, 'add');
    }
  }
  const created = requireUser(call.org, id);
  return scimJson(201, userResource(call.org, created, call.request.baseUrl), {
    Location: `${call.request.baseUrl}/services/scim/v2/Users/${id}`,
  });
}

const ENTITLEMENT_FILTER = /^entitlements\[value eq "([^"]+)"\]$/i;

export function patchUser(call: ScimCall) {
  const user = requireUser(call.org, call.id);
  const userId = String(user.Id);
  for (const operation of readPatchOperations(call.body)) {
    const path = operation.path ?? '';
    const lowerPath = path.toLowerCase();
    if (lowerPath === 'entitlements' || ENTITLEMENT_FILTER.test(path)) {
      const filtered = ENTITLEMENT_FILTER.exec(path)?.[1];
      const values = filtered !== undefined ? [filtered] : entitlementValues(operation.value);
      for (const value of values) {
        applyEntitlementChange(call, userId, value, operation.op === 'remove' ? 'remove' : 'add');
      }
      continue;
    }
    if (lowerPath === 'roles') {
      const roleId = operation.op === 'remove' ? null : firstValue(operation.value);
      call.org.update('User', userId, { UserRoleId: roleId }, call.session.userId);
      continue;
    }
    const source: Record<string, unknown> =
      path === ''
        ? ((operation.value ?? {}) as Record<string, unknown>)
        : path.startsWith(`${ENTERPRISE_SCHEMA}:`)
          ? { [ENTERPRISE_SCHEMA]: { [path.slice(ENTERPRISE_SCHEMA.length + 1)]: operation.value } }
          : { [path]: operation.value };
    if (path === '' && source.entitlements !== undefined) {
      for (const value of entitlementValues(source.entitlements))
        applyEntitlementChange(call, userId, value, 'add');
    }
    const fields = userFields(source);
    if (Object.keys(fields).length === 0 && path !== '' && operation.op !== 'remove') {
      throw new ScimError(400, `Attribute path '${path}' is not supported by the emulator.`, 'invalidPath');
    }
    if (Object.keys(fields).length > 0) call.org.update('User', userId, fields, call.session.userId);
  }
  return scimJson(200, userResource(call.org, requireUser(call.org, userId), call.request.baseUrl));
}

function entitlementValues(value: unknown): string[] {
  const entries = Array.isArray(value) ? value : [value];
  return entries
    .map((entry) => (entry as { value?: unknown } | null)?.value)
    .filter((entry): entry is string => typeof entry === 'string');
}

/** DELETE deactivates: Salesforce users are never deleted. */
export function deleteUser(call: ScimCall) {
  const user = requireUser(call.org, call.id);
  if (user.IsActive === true)
    call.org.update('User', String(user.Id), { IsActive: false }, call.session.userId);
  return { status: 204 };
}
