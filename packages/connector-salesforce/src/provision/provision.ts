import type { OpResult, ProvisionOp } from '@accessledger/core';
import { createAccount, updateAccount } from './accounts.js';
import { planGrant, planRevoke, type PlanContext } from './entitlements.js';
import { userIdOf } from './lookups.js';
import { runSteps } from './steps.js';

/**
 * Carries out one provisioning operation: reads the current state first,
 * writes only what differs (`changed: false` and no calls when nothing does),
 * and with `dryRun` returns the calls it would make after reads alone.
 */
export async function provision(ctx: PlanContext, op: ProvisionOp): Promise<OpResult> {
  const dryRun = op.dryRun === true;
  switch (op.kind) {
    case 'createAccount':
      return createAccount(ctx, op.account, dryRun);
    case 'updateAccount':
      return updateAccount(ctx, userIdOf(op.accountExternalId), op.changes, dryRun);
    case 'grant': {
      const plan = await planGrant(ctx, userIdOf(op.accountExternalId), op.entitlement, {
        ...(op.expiresAt ? { expiresAt: op.expiresAt } : {}),
      });
      return runSteps(plan.steps, { dryRun, signal: ctx.signal, ...summaryOf(plan.summary) });
    }
    case 'revoke': {
      const plan = await planRevoke(ctx, userIdOf(op.accountExternalId), op.entitlement);
      return runSteps(plan.steps, { dryRun, signal: ctx.signal, ...summaryOf(plan.summary) });
    }
  }
}

function summaryOf(summary: string | undefined): { summary?: string } {
  return summary !== undefined ? { summary } : {};
}
