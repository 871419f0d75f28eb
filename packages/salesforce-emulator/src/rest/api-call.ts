import type { Session } from '../auth/index.js';
import type { FaultController } from '../faults/fault-controller.js';
import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';
import type { EmulatedOrg } from '../org/emulated-org.js';
import { SalesforceApiError, badRequest } from '../org/errors.js';
import type { QueryCursorStore } from './query-cursors.js';

/** Everything a REST handler may use for one authenticated call. */
export interface ApiCall {
  readonly org: EmulatedOrg;
  readonly faults: FaultController;
  readonly cursors: QueryCursorStore;
  readonly request: EmulatorRequest;
  readonly session: Session;
  /** e.g. `63.0`. */
  readonly apiVersion: string;
  /** Path parameters captured by the route, e.g. `{ type: 'User', id: '005…' }`. */
  readonly params: Readonly<Record<string, string>>;
  /** Runs a subrequest (composite batch) through the same routes, counting it against the API budget. */
  readonly dispatch: (request: EmulatorRequest, apiVersion: string) => EmulatorResponse;
}

export type ApiHandler = (call: ApiCall) => EmulatorResponse;

const JSON_HEADERS = { 'Content-Type': 'application/json;charset=UTF-8' } as const;

export function json(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): EmulatorResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body };
}

export function noContent(): EmulatorResponse {
  return { status: 204 };
}

export function errorResponse(error: SalesforceApiError): EmulatorResponse {
  return json(error.statusCode, error.toBody());
}

/** The JSON body of a request, or Salesforce's JSON_PARSER_ERROR. */
export function readJson(request: EmulatorRequest): unknown {
  const text = request.body.toString('utf8');
  if (text.trim() === '') {
    throw badRequest('JSON_PARSER_ERROR', 'No content to map due to end-of-input at [line:1, column:0]');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw badRequest('JSON_PARSER_ERROR', `Unexpected character in the request body: ${detail}`);
  }
}

export function methodNotAllowed(method: string, allowed: readonly string[]): SalesforceApiError {
  return new SalesforceApiError(
    405,
    'METHOD_NOT_ALLOWED',
    `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(',')}`,
  );
}

/** UNABLE_TO_LOCK_ROW when the fault controller says this write loses the lock race. */
export function checkRowLock(call: ApiCall, recordId: string | undefined): void {
  if (!call.faults.shouldFailLock()) return;
  throw badRequest(
    'UNABLE_TO_LOCK_ROW',
    `unable to obtain exclusive access to this record or 1 records: ${recordId ?? call.session.userId}`,
  );
}
