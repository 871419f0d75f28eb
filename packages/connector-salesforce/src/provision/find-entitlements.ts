import { EntitlementTypes, type EntitlementRef, type EntitlementType } from '@accessledger/core';
import type { SalesforceClient } from '../http/client.js';
import { isSalesforceId } from '../salesforce-id.js';
import { id as soqlId, select, where } from '../soql.js';
import { requiredText } from '../sync/fields.js';

/**
 * Permission sets by Id, API name or label, profile-owned and group-aggregate
 * ones included: a sync leaves those out of its entitlements (they are the
 * profile's and the group's), so a name a user types may only be found here.
 * Granting one is then refused with the reason (see `refuseUnassignable`).
 * Other types are all in the snapshot, so nothing is looked up for them.
 */
export async function findEntitlements(
  client: SalesforceClient,
  signal: AbortSignal,
  type: EntitlementType,
  idOrName: string,
): Promise<EntitlementRef[]> {
  if (type !== EntitlementTypes.permissionSet || idOrName.trim() === '') return [];
  const byName = where.or(where.eq('Name', idOrName), where.eq('Label', idOrName));
  const condition = isSalesforceId(idOrName) ? where.or(where.eq('Id', soqlId(idOrName)), byName) : byName;
  const found: EntitlementRef[] = [];
  for await (const page of client.query(
    select({ fields: ['Id'], from: 'PermissionSet', where: condition, limit: 10 }),
    signal,
    {
      action: `looking up permission set "${idOrName}"`,
    },
  )) {
    for (const record of page) found.push({ type, externalId: requiredText(record, 'Id') });
  }
  return found;
}
