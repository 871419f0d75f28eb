import {
  isEntitlementFinder,
  NotFoundError,
  type Connector,
  type EntitlementRef,
  type RunContext,
} from '@accessledger/core';
import type { Runtime } from './runtime.js';

/** An account of the latest snapshot, named by id or username (case-insensitive). */
export async function resolveAccount(
  runtime: Runtime,
  connectionId: number,
  account: string,
): Promise<string> {
  const [first] = await runtime.snapshots.findCurrentAccounts(connectionId, account);
  if (!first) {
    throw new NotFoundError(
      `No account "${account}" in the latest snapshot: give its id or username, or sync first.`,
    );
  }
  return first;
}

/**
 * An entitlement of the latest snapshot, named by id or exact name; ambiguous
 * names are refused. With `application`, a name the snapshot does not have is
 * looked up in the application (a connector that is an `EntitlementFinder`),
 * so that something the sync leaves out (a profile-owned permission set) is
 * refused by the connector with its reason instead of "not found".
 */
export async function resolveEntitlement(
  runtime: Runtime,
  connectionId: number,
  type: string,
  entitlement: string,
  application?: { readonly connector: Connector; readonly ctx: RunContext },
): Promise<EntitlementRef> {
  let found: readonly { externalId: string }[] = await runtime.snapshots.findCurrentEntitlements(
    connectionId,
    type,
    entitlement,
  );
  if (found.length === 0 && application && isEntitlementFinder(application.connector)) {
    found = await application.connector.findEntitlements(application.ctx, type, entitlement);
  }
  if (found.length > 1) {
    throw new NotFoundError(
      `"${entitlement}" names ${found.length} ${type} entitlements (${found.map((row) => row.externalId).join(', ')}): give the id.`,
    );
  }
  const [first] = found;
  if (!first) {
    throw new NotFoundError(
      `No ${type} "${entitlement}" in the latest snapshot: give its id or exact name, or sync first.`,
    );
  }
  return { type, externalId: first.externalId };
}
