import type { OAuthServer } from '../auth/index.js';
import { Router } from '../http/router.js';
import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';
import type { EmulatedOrg } from '../org/emulated-org.js';
import { SalesforceApiError } from '../org/errors.js';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import { getEntitlement, listEntitlements, patchEntitlement } from './entitlements.js';
import { getGroup, getRole, listGroups, listRoles, patchGroup } from './groups.js';
import type { ScimCall } from './scim-call.js';
import { ScimError, fromSalesforceError, scimErrorResponse } from './scim-errors.js';
import { createUser, deleteUser, getUser, listUsers, patchUser } from './users.js';

type ScimHandler = (call: ScimCall) => EmulatorResponse;

const routes = new Router<ScimHandler>()
  .add(['GET'], 'ServiceProviderConfig', (call) => serviceProviderConfig(call.request.baseUrl))
  .add(['GET'], 'ServiceProviderConfigs', (call) => serviceProviderConfig(call.request.baseUrl))
  .add(['GET'], 'ResourceTypes', (call) => resourceTypes(call.request.baseUrl))
  .add(['GET'], 'Schemas', (call) => schemas(call.request.baseUrl))
  .add(['GET', 'POST'], 'Users', (call) =>
    call.request.method === 'POST' ? createUser(call) : listUsers(call),
  )
  .add(['GET'], 'Me', (call) => getUser({ ...call, id: call.session.userId }))
  .add(['GET', 'PATCH', 'DELETE'], 'Users/:id', (call) => {
    if (call.request.method === 'PATCH') return patchUser(call);
    if (call.request.method === 'DELETE') return deleteUser(call);
    return getUser(call);
  })
  .add(['GET'], 'Entitlements', listEntitlements)
  .add(['GET', 'PATCH'], 'Entitlements/:id', (call) =>
    call.request.method === 'PATCH' ? patchEntitlement(call) : getEntitlement(call),
  )
  .add(['GET'], 'Groups', listGroups)
  .add(['GET', 'PATCH'], 'Groups/:id', (call) =>
    call.request.method === 'PATCH' ? patchGroup(call) : getGroup(call),
  )
  .add(['GET'], 'Roles', listRoles)
  .add(['GET'], 'Roles/:id', getRole);

const NO_SCIM: EmulatorResponse = {
  status: 404,
  headers: { 'Content-Type': 'application/json;charset=UTF-8' },
  body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
};

/** SCIM 2.0 under `/services/scim/v2`, unless the org's SCIM switch is off. */
export class ScimApi {
  constructor(
    private readonly org: EmulatedOrg,
    private readonly auth: OAuthServer,
  ) {}

  handle(request: EmulatorRequest): EmulatorResponse {
    if (!this.org.settings.scimEnabled) return NO_SCIM;
    const authentication = this.auth.authenticate(request.headers.authorization);
    if (!authentication.ok) return authentication.response;
    if (!this.org.apiUsage.tryConsume(1)) {
      return scimErrorResponse(new ScimError(403, 'REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.'));
    }
    this.org.runDueJobs();
    const relative = request.path.replace(/^\/services\/scim\/v2\/?/, '');
    const match = routes.match(request.method, relative);
    try {
      if (match.kind === 'not-found') throw new ScimError(404, `No SCIM resource at ${request.path}`);
      if (match.kind === 'method-not-allowed') {
        throw new ScimError(
          405,
          `Method ${request.method} is not allowed here; allowed: ${match.allowed.join(', ')}`,
        );
      }
      const [, id = ''] = relative.split('/');
      let body: unknown;
      if (request.method === 'POST' || request.method === 'PATCH') {
        try {
          body = JSON.parse(request.body.toString('utf8')) as unknown;
        } catch {
          throw new ScimError(400, 'The request body is not valid JSON.', 'invalidSyntax');
        }
      }
      return match.handler({
        org: this.org,
        request,
        session: authentication.session,
        id: decodeURIComponent(id),
        body,
      });
    } catch (error) {
      if (error instanceof ScimError) return scimErrorResponse(error);
      if (error instanceof SalesforceApiError) return scimErrorResponse(fromSalesforceError(error));
      const detail = error instanceof Error ? error.message : String(error);
      return scimErrorResponse(new ScimError(500, detail));
    }
  }
}
