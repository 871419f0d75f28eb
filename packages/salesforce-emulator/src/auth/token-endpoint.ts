import { createHash, timingSafeEqual } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';
import { deviceAuthorizationRequest, deviceGrant } from './device-flow.js';
import { jwtBearerGrant } from './jwt-bearer.js';
import { formParameters, oauthError } from './responses.js';
import {
  grantsRefreshToken,
  loginRefusal,
  orgUserByUsername,
  respondWithTokens,
  SHARED_LOGIN_HOSTS,
} from './server-context.js';
import type { AuthorizationServerContext } from './server-context.js';
import type { ConnectedApp } from './types.js';

/**
 * `POST /services/oauth2/token`. Every failure is a 400 with `{error, error_description}`, as Salesforce
 * answers them, including `invalid_client` for a wrong consumer secret.
 */
export function token(context: AuthorizationServerContext, request: EmulatorRequest): EmulatorResponse {
  if (request.method !== 'POST') return oauthError(400, 'invalid_request', 'must use HTTP POST');
  const parameters = formParameters(request);
  // The device flow's first request goes to the token endpoint too, with a response_type instead of a grant.
  if (parameters.get('grant_type') === null && parameters.get('response_type') === 'device_code') {
    return deviceAuthorizationRequest(context, request, parameters);
  }
  switch (parameters.get('grant_type')) {
    case 'authorization_code':
      return authorizationCodeGrant(context, request, parameters);
    case 'refresh_token':
      return refreshTokenGrant(context, request, parameters);
    case 'urn:ietf:params:oauth:grant-type:jwt-bearer':
      return jwtBearerGrant(context, request, parameters);
    case 'client_credentials':
      return clientCredentialsGrant(context, request, parameters);
    case 'device':
      return deviceGrant(context, request, parameters);
    default:
      return oauthError(400, 'unsupported_grant_type', 'grant type not supported');
  }
}

type ClientCheck =
  | { readonly ok: true; readonly app: ConnectedApp }
  | { readonly ok: false; readonly response: EmulatorResponse };

/** client_id must name an app; a client_secret, when sent or when `secretRequired`, must be the app's. */
function checkClient(
  context: AuthorizationServerContext,
  parameters: URLSearchParams,
  secretRequired: (app: ConnectedApp) => boolean,
): ClientCheck {
  const app = context.apps.get(parameters.get('client_id') ?? '');
  if (app === undefined)
    return { ok: false, response: oauthError(400, 'invalid_client_id', 'client identifier invalid') };
  const secret = parameters.get('client_secret');
  if ((secret !== null || secretRequired(app)) && !sameText(secret ?? '', app.clientSecret)) {
    return { ok: false, response: oauthError(400, 'invalid_client', 'invalid client credentials') };
  }
  return { ok: true, app };
}

function authorizationCodeGrant(
  context: AuthorizationServerContext,
  request: EmulatorRequest,
  parameters: URLSearchParams,
): EmulatorResponse {
  const client = checkClient(context, parameters, (app) => app.requireSecretForWebServerFlow);
  if (!client.ok) return client.response;
  const { app } = client;
  const redemption = context.codes.redeem(parameters.get('code') ?? '', app.clientId);
  if (!redemption.ok) {
    const description =
      redemption.reason === 'expired' ? 'expired authorization code' : 'invalid authorization code';
    return oauthError(400, 'invalid_grant', description);
  }
  const { grant } = redemption;
  if (parameters.get('redirect_uri') !== grant.redirectUri) {
    return oauthError(400, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
  }
  if (grant.codeChallenge !== undefined) {
    // The Web Server Flow page says a missing verifier fails with invalid_grant; Salesforce answers a
    // mismatched one with invalid_grant "invalid code verifier" too (its Mobile SDK logs show exactly that).
    const verifier = parameters.get('code_verifier');
    if (verifier === null || !sameText(s256(verifier), grant.codeChallenge)) {
      return oauthError(400, 'invalid_grant', 'invalid code verifier');
    }
  }
  const user = context.directory.findById(grant.userId);
  if (user === undefined) return oauthError(400, 'invalid_grant', 'invalid authorization code');
  const refusal = loginRefusal(user);
  if (refusal !== undefined) return oauthError(400, 'invalid_grant', refusal);
  return respondWithTokens(context, request, {
    app,
    user,
    grantType: 'authorization_code',
    scopes: grant.scopes,
    signed: true,
    withRefreshToken: grantsRefreshToken(grant.scopes),
  });
}

/**
 * A new access token for a refresh token. No new refresh token comes back unless the app rotates them
 * (Salesforce Help "OAuth 2.0 Refresh Token Flow for Renewed Sessions"); rotation retires the old one.
 */
function refreshTokenGrant(
  context: AuthorizationServerContext,
  request: EmulatorRequest,
  parameters: URLSearchParams,
): EmulatorResponse {
  const client = checkClient(context, parameters, (app) => app.requireSecretForRefreshTokenFlow);
  if (!client.ok) return client.response;
  const { app } = client;
  const record = context.sessions.findUsableRefreshToken(parameters.get('refresh_token') ?? '');
  if (record === undefined || record.clientId !== app.clientId) {
    return oauthError(400, 'invalid_grant', 'expired access/refresh token');
  }
  const user = context.directory.findById(record.userId);
  if (user === undefined) return oauthError(400, 'invalid_grant', 'expired access/refresh token');
  const refusal = loginRefusal(user);
  if (refusal !== undefined) return oauthError(400, 'invalid_grant', refusal);
  context.sessions.markRefreshTokenUsed(record);
  if (app.rotateRefreshTokens) context.sessions.retireRefreshToken(record.refreshToken);
  return respondWithTokens(context, request, {
    app,
    user,
    grantType: 'refresh_token',
    scopes: record.scopes,
    signed: true,
    withRefreshToken: app.rotateRefreshTokens,
    ...(app.rotateRefreshTokens ? {} : { parentRefreshToken: record.refreshToken }),
  });
}

/** Scopes a client credentials token never carries (Salesforce Help "OAuth 2.0 Client Credentials Flow"). */
const SCOPES_WITHOUT_A_USER_SESSION = new Set(['full', 'web', 'refresh_token', 'offline_access']);

/**
 * Client credentials: the app's run-as user, no refresh token. Salesforce serves this flow on the org's
 * My Domain only; on login.salesforce.com / test.salesforce.com it answers "request not supported on this domain".
 */
function clientCredentialsGrant(
  context: AuthorizationServerContext,
  request: EmulatorRequest,
  parameters: URLSearchParams,
): EmulatorResponse {
  if (SHARED_LOGIN_HOSTS.includes(hostOf(request))) {
    return oauthError(400, 'invalid_grant', 'request not supported on this domain');
  }
  const client = checkClient(context, parameters, () => true);
  if (!client.ok) return client.response;
  const { app } = client;
  const runAs = app.clientCredentialsRunAsUsername;
  const user = runAs === undefined ? undefined : orgUserByUsername(context, runAs);
  if (user === undefined) return oauthError(400, 'invalid_grant', 'no client credentials user enabled');
  const refusal = loginRefusal(user);
  if (refusal !== undefined) return oauthError(400, 'invalid_grant', refusal);
  return respondWithTokens(context, request, {
    app,
    user,
    grantType: 'client_credentials',
    scopes: app.scopes.filter((scope) => !SCOPES_WITHOUT_A_USER_SESSION.has(scope)),
    signed: true,
    withRefreshToken: false,
  });
}

function hostOf(request: EmulatorRequest): string {
  return URL.canParse(request.baseUrl) ? new URL(request.baseUrl).hostname.toLowerCase() : '';
}

/** base64url(SHA-256(verifier)), unpadded: the S256 PKCE transform. */
function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function sameText(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
}
