import { SalesforceApiError, badRequest } from '../org/errors.js';
import { SoqlError, runSoql } from '../soql/index.js';
import type { SObjectRecord } from '../soql/types.js';
import type { ApiCall, ApiHandler } from './api-call.js';
import { json } from './api-call.js';
import type { QueryCursor } from './query-cursors.js';

const MIN_BATCH = 200;
const MAX_BATCH = 2000;

/**
 * `Sforce-Query-Options: batchSize=N`: 200..2,000, default 2,000; Salesforce
 * documents no error for other values and does not guarantee the size, so the
 * emulator clamps into range ("Query Options Header", REST API Developer Guide).
 */
export function requestedBatchSize(header: string | string[] | undefined, fallback: number): number {
  const text = Array.isArray(header) ? header.join(',') : header;
  const match = text === undefined ? null : /batchSize\s*=\s*(\d+)/i.exec(text);
  if (match === null) return fallback;
  return Math.min(MAX_BATCH, Math.max(MIN_BATCH, Number(match[1])));
}

function page(call: ApiCall, cursor: QueryCursor, offset: number, endpoint: string): Record<string, unknown> {
  const end = Math.min(cursor.rows.length, offset + cursor.batchSize);
  const records: Record<string, unknown>[] = [];
  for (let index = offset; index < end; index++) {
    records.push(cursor.project(cursor.rows[index] as SObjectRecord));
  }
  const done = end >= cursor.rows.length;
  if (done) call.cursors.close(cursor.locator);
  return {
    totalSize: cursor.rows.length,
    done,
    ...(done
      ? {}
      : { nextRecordsUrl: `/services/data/v${call.apiVersion}/${endpoint}/${cursor.locator}-${end}` }),
    records,
  };
}

function runQuery(call: ApiCall, includeDeleted: boolean): Record<string, unknown> {
  const soql = call.request.query.get('q');
  if (soql === null || soql.trim() === '') {
    throw badRequest('MALFORMED_QUERY', 'A query string has to be specified');
  }
  let result;
  try {
    result = runSoql(soql, call.org.store, { includeDeleted, apiVersion: call.apiVersion });
  } catch (error) {
    if (error instanceof SoqlError)
      throw new SalesforceApiError(error.statusCode, error.errorCode, error.message);
    throw error;
  }
  if (result.isCount) return { totalSize: result.totalSize, done: true, records: [] };
  const batchSize = requestedBatchSize(
    call.request.headers['sforce-query-options'],
    call.org.settings.defaultQueryBatchSize,
  );
  const cursor = call.cursors.open(result.rows, (row) => result.project(row), batchSize);
  const body = page(call, cursor, 0, includeDeleted ? 'queryAll' : 'query');
  // totalSize is what Salesforce reports after LIMIT/OFFSET, which equals the rows kept.
  return { ...body, totalSize: result.totalSize };
}

function nextPage(call: ApiCall, endpoint: string): Record<string, unknown> {
  const match = /^(01g[0-9A-Za-z]{15})-(\d+)$/.exec(call.params.locator ?? '');
  const cursor = match === null ? undefined : call.cursors.use(match[1] as string);
  const offset = match === null ? Number.NaN : Number(match[2]);
  if (cursor === undefined || !(offset >= 0 && offset < cursor.rows.length)) {
    throw badRequest('INVALID_QUERY_LOCATOR', 'invalid query locator');
  }
  return page(call, cursor, offset, endpoint);
}

export const query: ApiHandler = (call) => json(200, runQuery(call, false));
export const queryAll: ApiHandler = (call) => json(200, runQuery(call, true));
export const queryMore: ApiHandler = (call) => json(200, nextPage(call, 'query'));
export const queryAllMore: ApiHandler = (call) => json(200, nextPage(call, 'queryAll'));
