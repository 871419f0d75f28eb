import {
  isAccessLedgerError,
  throwIfAborted,
  type JsonObject,
  type JsonValue,
  type OpResult,
  type PlannedCall,
} from '@accessledger/core';
import {
  SCIM_PATCH_SCHEMA,
  scimPath,
  sobjectPath,
  type SalesforceClient,
  type ScimPatchOp,
} from '../http/client.js';

/**
 * One write, planned from what was read: the call as it is reported (and
 * shown by a dry run) and how to perform it. `perform` answers `already` when
 * Salesforce says the state was reached by someone else in the meantime (a
 * DUPLICATE_VALUE on create, a delete of a row that is gone).
 */
export interface WriteStep {
  readonly call: PlannedCall;
  perform(signal: AbortSignal): Promise<StepOutcome>;
  /**
   * The REST equivalent of a SCIM write, run when SCIM refuses it (a 4xx
   * other than 401 and 429, judged by status alone: SCIM's `detail` is free
   * text). Its call is reported after the refused one.
   */
  readonly fallback?: WriteStep;
}

/** Whether a SCIM call was refused (so the REST equivalent may succeed), by HTTP status only. */
export function scimRefused(error: unknown): boolean {
  if (!isAccessLedgerError(error)) return false;
  const status = error.details.httpStatus;
  return status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 429;
}

export type StepOutcome = 'done' | 'already';

/** Runs the steps in order (or only reports them for a dry run) and builds the result. */
export async function runSteps(
  steps: readonly WriteStep[],
  options: { readonly dryRun: boolean; readonly signal: AbortSignal; readonly summary?: string },
): Promise<OpResult> {
  const summary = options.summary !== undefined ? { summary: options.summary } : {};
  if (options.dryRun) {
    return { changed: steps.length > 0, dryRun: true, calls: steps.map((step) => step.call), ...summary };
  }
  const calls: PlannedCall[] = [];
  let changed = false;
  for (const step of steps) {
    throwIfAborted(options.signal);
    calls.push(step.call);
    let outcome: StepOutcome;
    try {
      outcome = await step.perform(options.signal);
    } catch (error) {
      if (!step.fallback || !scimRefused(error)) throw error;
      calls.push(step.fallback.call);
      outcome = await step.fallback.perform(options.signal);
    }
    if (outcome === 'done') changed = true;
  }
  return { changed, dryRun: false, calls, ...summary };
}

function upstreamCode(error: unknown): string | undefined {
  return isAccessLedgerError(error) ? error.details.upstreamCode : undefined;
}

/** Fields as they appear in a planned call's body: JSON, Dates as ISO strings. */
export type RecordFields = Readonly<Record<string, JsonValue>>;

/** POST sobjects/{sobject}; a DUPLICATE_VALUE means another writer created the same row first. */
export function createRecordStep(
  client: SalesforceClient,
  sobject: string,
  fields: RecordFields,
  description: string,
): WriteStep {
  return {
    call: { method: 'POST', path: sobjectPath(sobject), body: { ...fields }, description },
    async perform(signal) {
      try {
        await client.create(sobject, { ...fields }, signal);
        return 'done';
      } catch (error) {
        if (upstreamCode(error) === 'DUPLICATE_VALUE') return 'already';
        throw error;
      }
    },
  };
}

export function updateRecordStep(
  client: SalesforceClient,
  sobject: string,
  id: string,
  fields: RecordFields,
  description: string,
): WriteStep {
  return {
    call: { method: 'PATCH', path: sobjectPath(sobject, id), body: { ...fields }, description },
    async perform(signal) {
      await client.update(sobject, id, { ...fields }, signal);
      return 'done';
    },
  };
}

/** DELETE sobjects/{sobject}/{id}; a row already gone is the wanted state. */
export function deleteRecordStep(
  client: SalesforceClient,
  sobject: string,
  id: string,
  description: string,
): WriteStep {
  return {
    call: { method: 'DELETE', path: sobjectPath(sobject, id), description },
    async perform(signal) {
      try {
        await client.delete(sobject, id, signal);
        return 'done';
      } catch (error) {
        const code = upstreamCode(error);
        if (code === 'NOT_FOUND' || code === 'ENTITY_IS_DELETED') return 'already';
        throw error;
      }
    },
  };
}

function patchBody(operations: ScimPatchOp['Operations']): ScimPatchOp {
  return { schemas: [SCIM_PATCH_SCHEMA], Operations: operations };
}

function asJson(patch: ScimPatchOp): JsonObject {
  return JSON.parse(JSON.stringify(patch)) as JsonObject;
}

/**
 * PATCH /Entitlements/{id} adding or removing one member, in the shape
 * Salesforce documents for SCIM member changes (Salesforce Help: "Examples:
 * Manage Group Members with SCIM"; entitlements take the same PatchOp).
 */
export function scimEntitlementMemberStep(
  client: SalesforceClient,
  entitlementId: string,
  userId: string,
  change: 'add' | 'remove',
  description: string,
  fallback?: WriteStep,
): WriteStep {
  const patch = patchBody([{ op: change, path: 'members', value: { members: [{ value: userId }] } }]);
  return {
    ...(fallback ? { fallback } : {}),
    call: {
      method: 'PATCH',
      path: scimPath('Entitlements', entitlementId),
      body: asJson(patch),
      description,
    },
    async perform(signal) {
      await client.scimPatchEntitlement(entitlementId, patch, signal);
      return 'done';
    },
  };
}

/** PATCH /Users/{id} with the given operations (active, roles). */
export function scimUserStep(
  client: SalesforceClient,
  userId: string,
  operations: ScimPatchOp['Operations'],
  description: string,
  fallback?: WriteStep,
): WriteStep {
  const patch = patchBody(operations);
  return {
    ...(fallback ? { fallback } : {}),
    call: { method: 'PATCH', path: scimPath('Users', userId), body: asJson(patch), description },
    async perform(signal) {
      await client.scimPatchUser(userId, patch, signal);
      return 'done';
    },
  };
}
