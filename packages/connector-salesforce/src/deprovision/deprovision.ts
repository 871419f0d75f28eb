import type { DeprovisionAction, OpResult } from '@accessledger/core';
import { userIdOf } from '../provision/lookups.js';
import { deactivate, type DeprovisionContext } from './deactivate.js';
import { release } from './release.js';
import { transfer } from './transfer.js';

/** Carries out one deprovision action; `defaultTransferObjects` is the connection's `transferObjects`. */
export async function deprovision(
  ctx: DeprovisionContext,
  action: DeprovisionAction,
  defaultTransferObjects: readonly string[],
): Promise<OpResult> {
  const dryRun = action.dryRun === true;
  switch (action.kind) {
    case 'deactivate':
      return deactivate(ctx, userIdOf(action.accountExternalId), dryRun);
    case 'release':
      return release(ctx, userIdOf(action.accountExternalId), dryRun);
    case 'transfer':
      return transfer(ctx, {
        fromUserId: action.accountExternalId,
        toUserId: action.toAccountExternalId,
        objectTypes: action.objectTypes ?? defaultTransferObjects,
        dryRun,
        ...(action.resumeToken !== undefined ? { resumeToken: action.resumeToken } : {}),
      });
  }
}
