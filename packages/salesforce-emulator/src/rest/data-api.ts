import type { OAuthServer, Session } from '../auth/index.js';
import type { FaultController } from '../faults/fault-controller.js';
import { Router } from '../http/router.js';
import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';
import type { EmulatedOrg } from '../org/emulated-org.js';
import { SalesforceApiError, notFound } from '../org/errors.js';
import type { ApiCall, ApiHandler } from './api-call.js';
import { errorResponse, json, methodNotAllowed } from './api-call.js';
import { compositeBatch } from './composite.js';
import { limits } from './limits.js';
import { query, queryAll, queryAllMore, queryMore } from './query.js';
import { QueryCursorStore } from './query-cursors.js';
import {
  createRecord,
  deleteRecord,
  describeGlobal,
  getRecord,
  sobjectBasicInfo,
  sobjectDescribe,
  updateRecord,
} from './sobjects.js';
import { checkApiVersion, resourceList, versionList } from './versions.js';

const routes = new Router<ApiHandler>()
  .add(['GET'], '', (call) => resourceList(call.apiVersion))
  .add(['GET'], 'query', query)
  .add(['GET'], 'query/:locator', queryMore)
  .add(['GET'], 'queryAll', queryAll)
  .add(['GET'], 'queryAll/:locator', queryAllMore)
  .add(['GET'], 'limits', limits)
  .add(['POST'], 'composite/batch', compositeBatch)
  .add(['GET'], 'sobjects', describeGlobal)
  .add(['GET'], 'sobjects/:type/describe', sobjectDescribe)
  .add(['GET', 'POST'], 'sobjects/:type', (call) =>
    call.request.method === 'POST' ? createRecord(call) : sobjectBasicInfo(call),
  )
  .add(['GET', 'PATCH', 'DELETE'], 'sobjects/:type/:id', (call) => {
    if (call.request.method === 'PATCH') return updateRecord(call);
    if (call.request.method === 'DELETE') return deleteRecord(call);
    return getRecord(call);
  });

const REQUEST_LIMIT_EXCEEDED = new SalesforceApiError(
  403,
  'REQUEST_LIMIT_EXCEEDED',
  'TotalRequests Limit exceeded.',
);

function unexpected(error: unknown): EmulatorResponse {
  const detail = error instanceof Error ? error.message : String(error);
  return json(500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: `An unexpected error occurred: ${detail}` }]);
}

/**
 * The REST API under `/services/data`: authentication, the version segment,
 * the daily API budget (`Sforce-Limit-Info` on every authenticated answer),
 * routing and Salesforce-shaped errors.
 */
export class DataApi {
  readonly cursors: QueryCursorStore;

  constructor(
    private readonly org: EmulatedOrg,
    private readonly auth: OAuthServer,
    private readonly faults: FaultController,
  ) {
    this.cursors = new QueryCursorStore(
      () => org.settings.queryCursorTtlMs,
      () => org.store.now().getTime(),
    );
  }

  handle(request: EmulatorRequest): EmulatorResponse {
    const relative = request.path.replace(/^\/services\/data\/?/, '');
    if (relative === '') {
      return request.method === 'GET' || request.method === 'HEAD'
        ? versionList()
        : errorResponse(methodNotAllowed(request.method, ['GET', 'HEAD']));
    }
    const authentication = this.auth.authenticate(request.headers.authorization);
    if (!authentication.ok) return authentication.response;
    const [versionSegment = ''] = relative.split('/');
    let apiVersion: string;
    try {
      apiVersion = checkApiVersion(versionSegment);
    } catch (error) {
      return error instanceof SalesforceApiError ? errorResponse(error) : unexpected(error);
    }
    return this.dispatch(request, apiVersion, authentication.session);
  }

  /** Runs one call (or composite subrequest) against the budget and the routes. */
  dispatch(request: EmulatorRequest, apiVersion: string, session: Session): EmulatorResponse {
    const isBatch = /\/composite\/batch\/?$/i.test(request.path);
    // A batch is metered by its subrequests, each of which comes back through here.
    if (!isBatch && !this.org.apiUsage.tryConsume(1)) {
      this.faults.recordRequestLimitExceeded();
      return this.withLimitInfo(errorResponse(REQUEST_LIMIT_EXCEEDED));
    }
    this.org.runDueJobs();
    const relative = request.path.replace(/^\/services\/data\/v\d+\.\d\/?/, '');
    const match = routes.match(request.method, relative);
    let response: EmulatorResponse;
    try {
      if (match.kind === 'not-found') throw notFound();
      if (match.kind === 'method-not-allowed') throw methodNotAllowed(request.method, match.allowed);
      const call: ApiCall = {
        org: this.org,
        faults: this.faults,
        cursors: this.cursors,
        request,
        session,
        apiVersion,
        params: match.params,
        dispatch: (subrequest, subrequestVersion) => this.dispatch(subrequest, subrequestVersion, session),
      };
      response = match.handler(call);
    } catch (error) {
      response = error instanceof SalesforceApiError ? errorResponse(error) : unexpected(error);
    }
    return this.withLimitInfo(response);
  }

  private withLimitInfo(response: EmulatorResponse): EmulatorResponse {
    const usage = this.org.apiUsage;
    return {
      ...response,
      headers: { ...response.headers, 'Sforce-Limit-Info': `api-usage=${usage.used()}/${usage.limit}` },
    };
  }
}
