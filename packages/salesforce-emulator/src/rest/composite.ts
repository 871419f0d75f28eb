import { Buffer } from 'node:buffer';
import type { EmulatorRequest } from '../http/types.js';
import { badRequest } from '../org/errors.js';
import type { ApiHandler } from './api-call.js';
import { json, readJson } from './api-call.js';

const MAX_SUBREQUESTS = 25;
const SUBREQUEST_METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD']);

interface Subrequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly version: string;
  readonly richInput: unknown;
}

/**
 * Validates the whole batch before running anything: Salesforce answers 400
 * without running a subrequest when the batch itself is malformed
 * ("Batch Request Body", REST API Developer Guide).
 */
function parseBatch(
  body: unknown,
  batchVersion: string,
): { subrequests: Subrequest[]; haltOnError: boolean } {
  if (
    typeof body !== 'object' ||
    body === null ||
    !Array.isArray((body as { batchRequests?: unknown }).batchRequests)
  ) {
    throw badRequest('JSON_PARSER_ERROR', 'The request body must be an object with a batchRequests array.');
  }
  const { batchRequests, haltOnError } = body as { batchRequests: unknown[]; haltOnError?: unknown };
  if (batchRequests.length === 0 || batchRequests.length > MAX_SUBREQUESTS) {
    throw badRequest(
      'INVALID_BATCH_REQUEST',
      `A batch must contain between 1 and ${MAX_SUBREQUESTS} subrequests; this one has ${batchRequests.length}.`,
    );
  }
  const subrequests = batchRequests.map((entry, index): Subrequest => {
    const { method, url, richInput } = (entry ?? {}) as {
      method?: unknown;
      url?: unknown;
      richInput?: unknown;
    };
    const upper = typeof method === 'string' ? method.toUpperCase() : '';
    if (!SUBREQUEST_METHODS.has(upper) || typeof url !== 'string') {
      throw badRequest('INVALID_BATCH_REQUEST', `Subrequest ${index} needs a valid method and a url.`);
    }
    const match = /^(?:\/services\/data\/)?\/?v(\d+\.\d)\/([^?]*)(?:\?(.*))?$/.exec(url);
    if (match === null) {
      throw badRequest('INVALID_BATCH_REQUEST', `Subrequest ${index} has an invalid url: ${url}`);
    }
    const version = match[1] as string;
    // Subrequest versions run from 34.0 up to the batch's own version.
    if (Number(version) < 34 || Number(version) > Number(batchVersion)) {
      throw badRequest(
        'INVALID_BATCH_REQUEST',
        `Subrequest ${index} uses version ${version}; use a version from 34.0 to ${batchVersion}.`,
      );
    }
    return {
      method: upper,
      path: `/services/data/v${version}/${match[2] ?? ''}`,
      query: new URLSearchParams(match[3] ?? ''),
      version,
      richInput,
    };
  });
  return { subrequests, haltOnError: haltOnError === true };
}

export const compositeBatch: ApiHandler = (call) => {
  const { subrequests, haltOnError } = parseBatch(readJson(call.request), call.apiVersion);
  const results: { statusCode: number; result: unknown }[] = [];
  let halted = false;
  for (const subrequest of subrequests) {
    if (halted) {
      results.push({
        statusCode: 412,
        result: [{ errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' }],
      });
      continue;
    }
    const request: EmulatorRequest = {
      method: subrequest.method,
      path: subrequest.path,
      query: subrequest.query,
      headers: { ...call.request.headers, 'content-type': 'application/json' },
      body: Buffer.from(subrequest.richInput === undefined ? '' : JSON.stringify(subrequest.richInput)),
      baseUrl: call.request.baseUrl,
    };
    const response = call.dispatch(request, subrequest.version);
    results.push({ statusCode: response.status, result: response.body ?? null });
    if (haltOnError && response.status >= 400) halted = true;
  }
  return json(200, { hasErrors: results.some((result) => result.statusCode >= 400), results });
};
