import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';
import { bearerToken, formParameters, headerValue, identityFailure, oauthError } from './responses.js';
import { identityUrl, sameSalesforceId } from './server-context.js';
import type { AuthorizationServerContext } from './server-context.js';
import type { AccessTokenRecord } from './session-store.js';
import type { AuthUser } from './types.js';

const LATEST_API_VERSION = '63.0';

/**
 * `POST /services/oauth2/revoke` with `token=…` (a blind `GET ?token=` works too). Revoking a refresh token
 * revokes every access token issued from it. 200 with an empty body on success; 400 `invalid_token` when the
 * token is unknown, already revoked or expired (Salesforce: "Revoke OAuth Tokens").
 */
export function revoke(context: AuthorizationServerContext, request: EmulatorRequest): EmulatorResponse {
  const parameters = request.method === 'POST' ? formParameters(request) : request.query;
  const tokenHint = parameters.get('token_type_hint');
  if (tokenHint !== null && tokenHint !== 'access_token' && tokenHint !== 'refresh_token') {
    return oauthError(400, 'unsupported_token_type', 'this token type is not supported');
  }
  const tokenToRevoke = parameters.get('token') ?? '';
  if (
    context.sessions.revokeAccessToken(tokenToRevoke) ||
    context.sessions.revokeRefreshToken(tokenToRevoke)
  ) {
    return { status: 200, headers: { 'Cache-Control': 'no-cache,no-store' }, body: '' };
  }
  return oauthError(400, 'invalid_token', 'invalid token');
}

/** `GET /services/oauth2/userinfo`: the OpenID Connect view of the token's own user. */
export function userInfo(context: AuthorizationServerContext, request: EmulatorRequest): EmulatorResponse {
  const caller = identityCaller(context, request);
  if (!caller.ok) return caller.response;
  const { user } = caller;
  return identityJson({
    sub: identityUrl(request, user),
    user_id: user.id,
    organization_id: user.orgId,
    preferred_username: user.username,
    nickname: nicknameOf(user),
    name: user.displayName,
    email: user.email,
    email_verified: true,
    zoneinfo: 'GMT',
    urls: serviceUrls(context, request, user, '{version}'),
    active: user.isActive,
    user_type: 'STANDARD',
    is_app_installed: true,
  });
}

/**
 * `GET /id/{orgId}/{userId}`, the identity URL. Its own user is always readable; another user of the same
 * org only with the `api` or `full` scope (Salesforce Help "Identity URLs", Client Access; the "View All
 * Data" permission it also asks for is not modelled). `?version=63.0` or `latest` fills `{version}` in urls.
 */
export function identity(context: AuthorizationServerContext, request: EmulatorRequest): EmulatorResponse {
  const caller = identityCaller(context, request);
  if (!caller.ok) return caller.response;
  const [orgId = '', userId = '', ...rest] = request.path.slice('/id/'.length).split('/');
  if (rest.some((segment) => segment !== '') || !isSalesforceId(orgId) || !isSalesforceId(userId)) {
    return identityFailure(404, 'Bad_Id');
  }
  if (!sameSalesforceId(orgId, caller.session.orgId)) return identityFailure(403, 'Wrong_Org');
  const user = sameSalesforceId(userId, caller.user.id) ? caller.user : context.directory.findById(userId);
  if (user === undefined || !sameSalesforceId(user.orgId, caller.session.orgId))
    return identityFailure(404, 'Bad_Id');
  if (user !== caller.user && !caller.session.scopes.some((scope) => scope === 'api' || scope === 'full')) {
    return identityFailure(404, 'No_Access');
  }
  if (!user.isActive) return identityFailure(404, 'Inactive');
  const versionParameter = request.query.get('version');
  const version = versionParameter === 'latest' ? LATEST_API_VERSION : (versionParameter ?? '{version}');
  return identityJson({
    id: identityUrl(request, user),
    asserted_user: user === caller.user,
    user_id: user.id,
    organization_id: user.orgId,
    username: user.username,
    nick_name: nicknameOf(user),
    display_name: user.displayName,
    email: user.email,
    email_verified: true,
    status: { created_date: null, body: null },
    urls: serviceUrls(context, request, user, version),
    active: user.isActive,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: 0,
    is_app_installed: true,
  });
}

type IdentityCaller =
  | { readonly ok: true; readonly session: AccessTokenRecord; readonly user: AuthUser }
  | { readonly ok: false; readonly response: EmulatorResponse };

/** The identity service takes the token from the Authorization header or an `oauth_token` parameter. */
function identityCaller(context: AuthorizationServerContext, request: EmulatorRequest): IdentityCaller {
  const parameters = request.method === 'POST' ? formParameters(request) : request.query;
  const accessToken =
    bearerToken(headerValue(request, 'authorization')) ??
    parameters.get('oauth_token') ??
    parameters.get('access_token') ??
    undefined;
  if (accessToken === undefined) return { ok: false, response: identityFailure(403, 'Missing_OAuth_Token') };
  const session = context.sessions.findLiveAccessToken(accessToken);
  const user = session === undefined ? undefined : context.directory.findById(session.userId);
  if (session === undefined || user === undefined || !user.isActive || user.isFrozen) {
    if (session !== undefined) context.sessions.revokeAccessToken(session.accessToken);
    return { ok: false, response: identityFailure(403, 'Bad_OAuth_Token') };
  }
  context.sessions.touch(session);
  return { ok: true, session, user };
}

function serviceUrls(
  context: AuthorizationServerContext,
  request: EmulatorRequest,
  user: AuthUser,
  version: string,
): Record<string, string> {
  const instance = context.instanceUrlFor(request);
  const org15 = user.orgId.slice(0, 15);
  const data = `${instance}/services/data/v${version}`;
  return {
    enterprise: `${instance}/services/Soap/c/${version}/${org15}`,
    metadata: `${instance}/services/Soap/m/${version}/${org15}`,
    partner: `${instance}/services/Soap/u/${version}/${org15}`,
    rest: `${data}/`,
    sobjects: `${data}/sobjects/`,
    search: `${data}/search/`,
    query: `${data}/query/`,
    recent: `${data}/recent/`,
    tooling_rest: `${data}/tooling/`,
    profile: `${instance}/${user.id}`,
    users: `${data}/chatter/users`,
    custom_domain: instance,
  };
}

function identityJson(body: Readonly<Record<string, unknown>>): EmulatorResponse {
  return { status: 200, headers: { 'Content-Type': 'application/json;charset=UTF-8' }, body };
}

function nicknameOf(user: AuthUser): string {
  return user.username.split('@')[0] ?? user.username;
}

function isSalesforceId(value: string): boolean {
  return /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(value);
}
