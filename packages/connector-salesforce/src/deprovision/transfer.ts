import {
  ConflictError,
  IncompleteOperationError,
  InvalidInputError,
  isAccessLedgerError,
  throwIfAborted,
  type JsonObject,
  type OpResult,
  type PartialResult,
  type PlannedCall,
} from '@accessledger/core';
import { API_VERSION, COMPOSITE_BATCH_PATH, type BatchRequest, type BatchResponse } from '../http/client.js';
import { requireUser, userIdOf } from '../provision/lookups.js';
import { id as soqlId, select, soqlName, where } from '../soql.js';
import { flag, requiredText } from '../sync/fields.js';
import type { DeprovisionContext } from './deactivate.js';

/** Salesforce runs at most 25 subrequests per composite batch (REST API Developer Guide: "Batch"). */
export const MAX_BATCH_SUBREQUESTS = 25;

/**
 * Activities Salesforce archives (closed tasks due over a year ago, old
 * events): `query` leaves archived rows out and only `queryAll` returns them
 * (SOAP API Developer Guide "queryAll()"; REST "QueryAll"), with deleted rows,
 * which `IsDeleted = false` filters out.
 */
const ARCHIVING_OBJECTS = new Set(['task', 'event']);

export interface TransferRequest {
  readonly fromUserId: string;
  readonly toUserId: string;
  readonly objectTypes: readonly string[];
  readonly resumeToken?: string;
  readonly dryRun: boolean;
}

/** What a resume token carries: who to whom, and the object types not finished yet. */
export interface TransferProgress {
  readonly from: string;
  readonly to: string;
  readonly remaining: readonly string[];
}

export function encodeResumeToken(progress: TransferProgress): string {
  return Buffer.from(JSON.stringify({ v: 1, ...progress })).toString('base64url');
}

export function decodeResumeToken(token: string): TransferProgress {
  const invalid = (): InvalidInputError =>
    new InvalidInputError(
      'resumeToken is not one this connector issued: pass the resumeToken of the previous transfer result unchanged, or leave it out to start over.',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!parsed || typeof parsed !== 'object') throw invalid();
  const record = parsed as Record<string, unknown>;
  const remaining = record['remaining'];
  if (
    record['v'] !== 1 ||
    typeof record['from'] !== 'string' ||
    typeof record['to'] !== 'string' ||
    !Array.isArray(remaining) ||
    !remaining.every((entry): entry is string => typeof entry === 'string')
  ) {
    throw invalid();
  }
  return { from: record['from'], to: record['to'], remaining };
}

/** One composite batch of OwnerId PATCHes, the subrequest URLs relative to /services/data. */
export function ownerBatch(sobject: string, recordIds: readonly string[], toUserId: string): BatchRequest {
  if (recordIds.length === 0 || recordIds.length > MAX_BATCH_SUBREQUESTS) {
    throw new InvalidInputError(
      `A composite batch takes 1 to ${MAX_BATCH_SUBREQUESTS} subrequests, not ${recordIds.length}.`,
    );
  }
  return {
    haltOnError: false,
    batchRequests: recordIds.map((recordId) => ({
      method: 'PATCH',
      url: `v${API_VERSION}/sobjects/${sobject}/${recordId}`,
      richInput: { OwnerId: toUserId },
    })),
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

function subrequestErrors(response: BatchResponse): string[] {
  return response.results
    .filter((result) => result.statusCode >= 400)
    .map((result) => {
      const first: unknown = Array.isArray(result.result) ? result.result[0] : result.result;
      const record = first && typeof first === 'object' ? (first as Record<string, unknown>) : {};
      const code =
        typeof record['errorCode'] === 'string' ? record['errorCode'] : `HTTP ${result.statusCode}`;
      const message = typeof record['message'] === 'string' ? `: ${record['message']}` : '';
      return `${code}${message}`;
    });
}

/**
 * Moves the user's records of each object type to another owner through
 * composite/batch (25 PATCHes of OwnerId per call, `haltOnError: false`).
 * The query selects only records the user still owns, so a resumed or
 * repeated transfer skips what was already moved; archived activities are
 * found through queryAll. A record that fails does not stop the others: every
 * batch of every type is sent. When some records failed, or a call fails
 * after records were moved, it throws core's `IncompleteOperationError`: how
 * many records moved and failed, and a resume token that retries the object
 * types with failures and continues with the unfinished ones (a record that
 * fails every time is reported again, and never keeps the rest from moving).
 */
export async function transfer(ctx: DeprovisionContext, request: TransferRequest): Promise<OpResult> {
  const from = userIdOf(request.fromUserId);
  const to = userIdOf(request.toUserId, 'toAccountExternalId');
  if (from === to)
    throw new InvalidInputError(
      'Records cannot be transferred to the user who owns them: pick another user.',
    );
  let objectTypes = request.objectTypes;
  if (request.resumeToken !== undefined) {
    const progress = decodeResumeToken(request.resumeToken);
    if (progress.from !== from || progress.to !== to) {
      throw new InvalidInputError(
        `This resumeToken belongs to a transfer from ${progress.from} to ${progress.to}, not from ${from} to ${to}.`,
      );
    }
    objectTypes = progress.remaining;
  }
  const types = [...new Set(objectTypes.map((type) => soqlName(type)))];
  if (types.some((type) => type.includes('.'))) {
    throw new InvalidInputError(
      'objectTypes lists sObject API names such as Account or Custom__c, not field paths.',
    );
  }
  await requireUser(ctx.client, from, ctx.signal);
  const target = await requireUser(ctx.client, to, ctx.signal);
  if (!flag(target, 'IsActive')) {
    throw new ConflictError(
      `User ${to} is inactive, and Salesforce only lets active users own records (INACTIVE_OWNER_OR_USER): reactivate that user or transfer to another one. Nothing was changed.`,
      { upstreamCode: 'INACTIVE_OWNER_OR_USER' },
    );
  }

  const calls: PlannedCall[] = [];
  const moved = new Map<string, number>(types.map((type) => [type, 0]));
  const failedTypes: string[] = [];
  const failures: string[] = [];
  const report = (prefix: string): string =>
    `${prefix} ${types.map((type) => `${type}: ${moved.get(type) ?? 0}`).join(', ')}`;
  const partial = (failed: number, resumeToken: string): PartialResult => ({
    unit: 'records',
    completed: [...moved.values()].reduce((sum, value) => sum + value, 0),
    failed,
    calls: [...calls],
    resumeToken,
  });
  for (const [index, type] of types.entries()) {
    const archives = ARCHIVING_OBJECTS.has(type.toLowerCase());
    const owner = where.eq('OwnerId', soqlId(from));
    const soql = select({
      fields: ['Id'],
      from: type,
      where: archives ? where.and(owner, where.eq('IsDeleted', false)) : owner,
    });
    const resumeToken = (): string =>
      encodeResumeToken({ from, to, remaining: [...failedTypes, ...types.slice(index)] });
    try {
      for await (const page of ctx.client.query(soql, ctx.signal, {
        action: `listing the ${type} records owned by ${from}`,
        ...(archives ? { includeDeleted: true } : {}),
      })) {
        for (const recordIds of chunks(
          page.map((record) => requiredText(record, 'Id')),
          MAX_BATCH_SUBREQUESTS,
        )) {
          throwIfAborted(ctx.signal);
          const batch = ownerBatch(type, recordIds, to);
          calls.push({
            method: 'POST',
            path: COMPOSITE_BATCH_PATH,
            body: batch as unknown as JsonObject,
            description: `Make user ${to} the owner of ${recordIds.length} ${type} records of user ${from}`,
          });
          if (request.dryRun) {
            moved.set(type, (moved.get(type) ?? 0) + recordIds.length);
            continue;
          }
          // PATCHing a fixed OwnerId twice leaves the same state: safe to retry as a whole.
          const response = await ctx.client.compositeBatch(batch, ctx.signal, { idempotent: true });
          const errors = subrequestErrors(response);
          moved.set(type, (moved.get(type) ?? 0) + recordIds.length - errors.length);
          ctx.progress?.report({ phase: `transfer.${type}`, done: moved.get(type) ?? 0 });
          if (errors.length > 0) {
            if (!failedTypes.includes(type)) failedTypes.push(type);
            failures.push(...errors.map((error) => `${type}: ${error}`));
          }
        }
      }
    } catch (error) {
      const movedSoFar = [...moved.values()].some((value) => value > 0);
      // Nothing moved yet: the failure is the whole story, and starting over is the same as resuming.
      if (
        error instanceof IncompleteOperationError ||
        request.dryRun ||
        !movedSoFar ||
        !isAccessLedgerError(error)
      )
        throw error;
      throw new IncompleteOperationError(
        `Transfer stopped part-way: ${error.message} (${report('moved so far')}). Resume to continue.`,
        partial(failures.length, resumeToken()),
        error.details,
        { cause: error },
      );
    }
  }
  const total = [...moved.values()].reduce((sum, value) => sum + value, 0);
  if (failures.length > 0) {
    throw new IncompleteOperationError(
      `Transfer incomplete: ${report('Moved:')}. ${failures.length} records failed (${[...new Set(failures)].slice(0, 3).join('; ')}): fix them and resume to retry those object types.`,
      partial(failures.length, encodeResumeToken({ from, to, remaining: failedTypes })),
    );
  }
  return {
    changed: total > 0,
    dryRun: request.dryRun,
    calls,
    summary: report(request.dryRun ? 'Would move:' : 'Moved:'),
  };
}
