import { ConflictError, isAccessLedgerError, type OpResult, type ProgressReporter } from '@accessledger/core';
import { requireUser } from '../provision/lookups.js';
import type { PlanContext } from '../provision/entitlements.js';
import { runSteps, scimUserStep, updateRecordStep, type WriteStep } from '../provision/steps.js';
import { sameId } from '../salesforce-id.js';
import { flag } from '../sync/fields.js';

export interface DeprovisionContext extends PlanContext {
  /** The connection's own user (from the session's identity URL), when known. */
  integrationUserId(): Promise<string | null>;
  /** Where long actions (transfer) report how far they got. */
  readonly progress?: ProgressReporter;
}

function selfDeactivation(userId: string, cause?: unknown): ConflictError {
  return new ConflictError(
    `User ${userId} is the integration user this connection logs in as, and Salesforce does not let a user deactivate themself. Deactivate it in Setup > Users as another administrator, or connect with a different integration user first.`,
    { upstreamCode: 'CANNOT_DEACTIVATE_SELF', fields: ['IsActive'] },
    cause === undefined ? undefined : { cause },
  );
}

/** Sets IsActive = false (SCIM `active: false` where the org has SCIM). Users are never deleted. */
export async function deactivate(
  ctx: DeprovisionContext,
  userId: string,
  dryRun: boolean,
): Promise<OpResult> {
  const user = await requireUser(ctx.client, userId, ctx.signal);
  if (!flag(user, 'IsActive')) {
    return { changed: false, dryRun, calls: [], summary: `User ${userId} is already inactive.` };
  }
  const self = await ctx.integrationUserId();
  if (self !== null && sameId(self, userId)) throw selfDeactivation(userId);
  const description = `Deactivate user ${userId} (users are never deleted)`;
  const rest = updateRecordStep(ctx.client, 'User', userId, { IsActive: false }, description);
  const write: WriteStep = (await ctx.useScim())
    ? scimUserStep(ctx.client, userId, [{ op: 'replace', value: { active: false } }], description, rest)
    : rest;
  const guarded: WriteStep = {
    call: write.call,
    ...(write.fallback ? { fallback: write.fallback } : {}),
    async perform(signal) {
      try {
        return await write.perform(signal);
      } catch (error) {
        // The integration user may be named differently in the identity URL (a run-as user): say it plainly.
        if (isAccessLedgerError(error) && /deactivate (your|their) own/i.test(error.message)) {
          throw selfDeactivation(userId, error);
        }
        throw error;
      }
    },
  };
  return runSteps([guarded], { dryRun, signal: ctx.signal });
}
