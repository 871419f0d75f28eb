import { NotFoundError, type EntitlementRef } from '@accessledger/core';
import { Views } from '@accessledger/storage';
import type { Runtime } from './runtime.js';

/** An account of the latest snapshot, named by id or username (case-insensitive). */
export async function resolveAccount(
  runtime: Runtime,
  connectionId: number,
  account: string,
): Promise<string> {
  const [first] = await runtime.database
    .knex(Views.currentAccounts)
    .where({ connection_id: connectionId })
    .andWhere((query) =>
      query.where('external_id', account).orWhereRaw('lower(username) = lower(?)', [account]),
    )
    .select<{ external_id: string }[]>('external_id');
  if (!first) {
    throw new NotFoundError(
      `No account "${account}" in the latest snapshot: give its id or username, or sync first.`,
    );
  }
  return first.external_id;
}

/** An entitlement of the latest snapshot, named by id or exact name; ambiguous names are refused. */
export async function resolveEntitlement(
  runtime: Runtime,
  connectionId: number,
  type: string,
  entitlement: string,
): Promise<EntitlementRef> {
  const rows = await runtime.database
    .knex(Views.currentEntitlements)
    .where({ connection_id: connectionId, type })
    .andWhere((query) => query.where('external_id', entitlement).orWhere('name', entitlement))
    .select<{ external_id: string; name: string }[]>('external_id', 'name');
  if (rows.length > 1) {
    throw new NotFoundError(
      `"${entitlement}" names ${rows.length} ${type} entitlements (${rows.map((row) => row.external_id).join(', ')}): give the id.`,
    );
  }
  const [first] = rows;
  if (!first)
    throw new NotFoundError(
      `No ${type} "${entitlement}" in the latest snapshot: give its id or exact name, or sync first.`,
    );
  return { type, externalId: first.external_id };
}
