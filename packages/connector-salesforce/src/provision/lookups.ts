import { EntitlementTypes, InvalidInputError, NotFoundError, type EntitlementType } from '@accessledger/core';
import type { SalesforceClient } from '../http/client.js';
import { SalesforceEntitlementTypes } from '../manifest.js';
import { isSalesforceId, keyPrefix, toId18 } from '../salesforce-id.js';
import { id as soqlId, select, where, type Condition } from '../soql.js';
import type { QueriedRecord } from '../sync/fields.js';
import { queryAll } from '../sync/catalog-queries.js';

/** Key prefixes of the records each entitlement type names (Object Reference: "Entity key prefixes"). */
export const ENTITLEMENT_KEY_PREFIXES: Readonly<Record<string, { prefix: string; label: string }>> = {
  [EntitlementTypes.profile]: { prefix: '00e', label: 'Profile' },
  [EntitlementTypes.role]: { prefix: '00E', label: 'UserRole' },
  [EntitlementTypes.permissionSet]: { prefix: '0PS', label: 'PermissionSet' },
  [EntitlementTypes.permissionSetGroup]: { prefix: '0PG', label: 'PermissionSetGroup' },
  [EntitlementTypes.packageLicense]: { prefix: '050', label: 'PackageLicense' },
  [EntitlementTypes.publicGroup]: { prefix: '00G', label: 'Group' },
  [EntitlementTypes.userLicense]: { prefix: '100', label: 'UserLicense' },
  [SalesforceEntitlementTypes.queue]: { prefix: '00G', label: 'Group' },
  [SalesforceEntitlementTypes.permissionSetLicense]: { prefix: '0PL', label: 'PermissionSetLicense' },
};

/** A user Id (005…) in 18-character form, or a clear InvalidInputError. */
export function userIdOf(value: string, field = 'accountExternalId'): string {
  if (!isSalesforceId(value) || keyPrefix(value) !== '005') {
    throw new InvalidInputError(
      `${field} "${value}" is not a Salesforce user Id: expected the 15- or 18-character Id of a User, starting with 005.`,
    );
  }
  return toId18(value);
}

/** The entitlement's record Id in 18-character form, checked against the type's key prefix. */
export function entitlementIdOf(type: EntitlementType, value: string): string {
  const expected = ENTITLEMENT_KEY_PREFIXES[type];
  if (!expected) {
    throw new InvalidInputError(
      `Salesforce has no entitlement type "${type}": use one of ${Object.keys(ENTITLEMENT_KEY_PREFIXES).join(', ')}.`,
    );
  }
  if (!isSalesforceId(value) || keyPrefix(value) !== expected.prefix) {
    throw new InvalidInputError(
      `"${value}" is not a ${expected.label} Id: a ${type} entitlement's externalId is the 15- or 18-character Id of a ${expected.label} (it starts with ${expected.prefix}).`,
    );
  }
  return toId18(value);
}

export async function firstRow(
  client: SalesforceClient,
  soql: string,
  signal: AbortSignal,
): Promise<QueriedRecord | undefined> {
  return (await queryAll(client, soql, signal))[0];
}

export async function rows(
  client: SalesforceClient,
  soql: string,
  signal: AbortSignal,
): Promise<QueriedRecord[]> {
  return queryAll(client, soql, signal);
}

/** One record by Id, or NotFoundError naming what was looked for. */
export async function requireRecord(
  client: SalesforceClient,
  sobject: string,
  recordId: string,
  fields: readonly string[],
  signal: AbortSignal,
  what = sobject,
): Promise<QueriedRecord> {
  const record = await firstRow(
    client,
    select({
      fields: ['Id', ...fields.filter((field) => field !== 'Id')],
      from: sobject,
      where: where.eq('Id', soqlId(recordId)),
    }),
    signal,
  );
  if (!record) throw new NotFoundError(`No ${what} with Id ${recordId} exists in the org.`);
  return record;
}

/** The fields provisioning decides on: status, profile, role. */
export const USER_STATE_FIELDS = ['Id', 'Username', 'IsActive', 'ProfileId', 'UserRoleId'] as const;

export async function requireUser(
  client: SalesforceClient,
  userId: string,
  signal: AbortSignal,
  fields: readonly string[] = USER_STATE_FIELDS,
): Promise<QueriedRecord> {
  return requireRecord(client, 'User', userId, fields, signal, 'user');
}

/** A row matching the condition, e.g. the user's assignment of one permission set. */
export async function findRow(
  client: SalesforceClient,
  sobject: string,
  fields: readonly string[],
  condition: Condition,
  signal: AbortSignal,
): Promise<QueriedRecord | undefined> {
  return firstRow(client, select({ fields, from: sobject, where: condition, limit: 1 }), signal);
}
