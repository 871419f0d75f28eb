import { ScimSchemas } from '@accessledger/connector-kit';
import type { Account, Entitlement, Grant, JsonObject, JsonValue } from '@accessledger/core';
import type { MultiValue, ScimGroup, ScimUser } from '../http/resources.js';
import { ScimEntitlementTypes } from '../manifest.js';

/**
 * Attributes left out of an account's `attributes`: identity fields the
 * account has columns for, access that becomes grants (`roles`,
 * `entitlements`, `groups`), and `meta`, whose `lastModified` and `version`
 * change on every write and would make a new version of the account row at
 * each sync without any access having changed. Never a password.
 */
const NOT_ATTRIBUTES = new Set([
  'schemas',
  'id',
  'meta',
  'userName',
  'displayName',
  'active',
  'emails',
  'roles',
  'entitlements',
  'groups',
  'password',
  'x509Certificates',
]);

export function primaryEmail(user: ScimUser): string | null {
  const emails = Array.isArray(user.emails) ? user.emails : [];
  const chosen = emails.find((email) => email.primary === true) ?? emails[0];
  return typeof chosen?.value === 'string' && chosen.value !== '' ? chosen.value : null;
}

function displayNameOf(user: ScimUser): string {
  const name = user.name;
  const given = [name?.givenName, name?.familyName]
    .filter((part) => typeof part === 'string' && part !== '')
    .join(' ');
  return user.displayName || name?.formatted || given || user.userName || user.id;
}

function json(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

/**
 * A SCIM User as an account: core attributes (RFC 7643 §4.1) and the
 * enterprise extension (§4.3) flattened to `department`, `manager`, …; every
 * other attribute is kept under its own name. `active` absent counts as
 * active: the account can hold access either way.
 */
export function accountFromUser(user: ScimUser): Account {
  const attributes: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(user)) {
    if (NOT_ATTRIBUTES.has(key) || value === undefined || key === ScimSchemas.enterpriseUser) continue;
    attributes[key] = json(value);
  }
  const enterprise = user[ScimSchemas.enterpriseUser];
  if (enterprise && typeof enterprise === 'object') {
    for (const [key, value] of Object.entries(enterprise as Record<string, unknown>)) {
      if (value === undefined) continue;
      if (key === 'manager' && value && typeof value === 'object') {
        const manager = value as Record<string, unknown>;
        // RFC 7643 §4.3: manager.value is the manager's id; Salesforce sends managerId.
        const id = manager['value'] ?? manager['managerId'];
        attributes['manager'] = json({ id: id ?? null, displayName: manager['displayName'] ?? null });
      } else {
        attributes[key] = json(value);
      }
    }
  }
  return {
    externalId: user.id,
    username: user.userName ?? user.id,
    email: primaryEmail(user),
    displayName: displayNameOf(user),
    status: user.active === false ? 'inactive' : 'active',
    accountType: typeof user.userType === 'string' && user.userType !== '' ? user.userType : null,
    createdAt: parseDate(user.meta?.created),
    attributes: attributes as JsonObject,
  };
}

function parseDate(value: string | undefined): Date | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time);
}

/** The values of a user's `roles` or `entitlements` that name something (`value`, else `display`). */
export function valuesOf(list: readonly MultiValue[] | undefined): MultiValue[] {
  return (Array.isArray(list) ? list : []).filter(
    (item) => item && typeof (item.value ?? item.display) === 'string' && (item.value ?? item.display) !== '',
  );
}

export function keyOf(item: MultiValue): string {
  return String(item.value ?? item.display);
}

/**
 * A role or entitlement value as an entitlement. Its attributes hold only
 * what names it (`type`), not per-user flags such as `primary`, so the row
 * does not change with whichever user was read first.
 */
export function valueEntitlement(type: 'role' | 'entitlement', item: MultiValue): Entitlement {
  return {
    type: type === 'role' ? ScimEntitlementTypes.role : ScimEntitlementTypes.entitlement,
    externalId: keyOf(item),
    name: item.display || keyOf(item),
    description: null,
    grantable: true,
    revocable: true,
    exclusive: false,
    attributes: item.type ? { type: item.type } : {},
  };
}

export function groupEntitlement(group: ScimGroup): Entitlement {
  return {
    type: ScimEntitlementTypes.group,
    externalId: group.id,
    name: group.displayName || group.id,
    description: null,
    grantable: true,
    revocable: true,
    exclusive: false,
    attributes: group.externalId ? { externalId: group.externalId } : {},
  };
}

export function directGrant(
  accountExternalId: string,
  type: string,
  externalId: string,
  attributes: JsonObject = {},
): Grant {
  return {
    accountExternalId,
    entitlement: { type, externalId },
    via: null,
    grantedAt: null,
    expiresAt: null,
    attributes,
  };
}
