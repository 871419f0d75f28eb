import { createHmac } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';
import type { AuthorizationCodeStore } from './authorization-codes.js';
import type { ConnectedAppRegistry } from './connected-apps.js';
import type { DeviceAuthorizationStore } from './device-flow.js';
import type { BrowserLogins } from './interactive-login.js';
import { tokenIssued } from './responses.js';
import type { SessionStore } from './session-store.js';
import type { AuthClock, AuthUser, AuthUserDirectory, ConnectedApp, OAuthGrantType } from './types.js';

/** What the endpoint handlers share; built once by `OAuthServer`. */
export interface AuthorizationServerContext {
  readonly orgId: string;
  readonly directory: AuthUserDirectory;
  readonly apps: ConnectedAppRegistry;
  readonly sessions: SessionStore;
  readonly codes: AuthorizationCodeStore;
  readonly clock: AuthClock;
  readonly defaultUsername: string;
  readonly authorizeMode: 'login-page' | 'auto-approve';
  /** The password of every org user on the login page. */
  readonly loginPassword: string;
  readonly logins: BrowserLogins;
  readonly devices: DeviceAuthorizationStore;
  readonly extraJwtAudiences: readonly string[];
  instanceUrlFor(request: EmulatorRequest): string;
}

/** Hosts that serve every org: client credentials are refused there, JWT audiences name them. */
export const SHARED_LOGIN_HOSTS: readonly string[] = ['login.salesforce.com', 'test.salesforce.com'];

/** 15- and 18-character forms of an Id name the same record. */
export function sameSalesforceId(left: string, right: string): boolean {
  return left.slice(0, 15) === right.slice(0, 15) && left.length >= 15 && right.length >= 15;
}

/** A user of this org by username, or undefined (unknown, or of another org). */
export function orgUserByUsername(
  context: AuthorizationServerContext,
  username: string,
): AuthUser | undefined {
  const user = context.directory.findByUsername(username);
  return user !== undefined && sameSalesforceId(user.orgId, context.orgId) ? user : undefined;
}

/** Why a user may not get a token, in Salesforce's `invalid_grant` wording; undefined when they may. */
export function loginRefusal(user: AuthUser): string | undefined {
  if (!user.isActive) return 'inactive user';
  // A frozen user's login fails like a wrong password would; Salesforce gives no more detail.
  if (user.isFrozen) return 'authentication failure';
  return undefined;
}

/** `{base}/id/{orgId}/{userId}`, on the host the token request reached. */
export function identityUrl(request: EmulatorRequest, user: AuthUser): string {
  return `${request.baseUrl}/id/${user.orgId}/${user.id}`;
}

/**
 * Issues an access token (and a refresh token when `withRefreshToken`) and writes the token response.
 * `signature` is base64 HMAC-SHA256 of `id + issued_at` keyed with the consumer secret (Salesforce Help:
 * "OAuth 2.0 Web Server Flow for Web App Integration", token response). JWT bearer responses carry neither
 * `signature` nor `issued_at` in Salesforce's documented example, so `signed: false` leaves both out.
 */
export function respondWithTokens(
  context: AuthorizationServerContext,
  request: EmulatorRequest,
  grant: {
    readonly app: ConnectedApp;
    readonly user: AuthUser;
    readonly grantType: OAuthGrantType;
    readonly scopes: readonly string[];
    readonly signed: boolean;
    /** Issue a new refresh token with the response. */
    readonly withRefreshToken: boolean;
    /** The refresh token the new session descends from (refresh grant without rotation). */
    readonly parentRefreshToken?: string;
  },
): EmulatorResponse {
  const refreshRecord = grant.withRefreshToken
    ? context.sessions.issueRefreshToken(grant.user, {
        clientId: grant.app.clientId,
        scopes: grant.scopes,
        policy: grant.app.refreshTokenPolicy,
      })
    : undefined;
  const session = context.sessions.issueAccessToken(grant.user, {
    clientId: grant.app.clientId,
    scopes: grant.scopes,
    grantType: grant.grantType,
    ...(refreshRecord !== undefined || grant.parentRefreshToken !== undefined
      ? { refreshToken: refreshRecord?.refreshToken ?? grant.parentRefreshToken }
      : {}),
  });
  context.directory.recordLogin?.(grant.user.id, new Date(session.issuedAt));
  const id = identityUrl(request, grant.user);
  const issuedAt = String(session.issuedAt);
  const body: Record<string, string> = { access_token: session.accessToken };
  if (refreshRecord !== undefined) body.refresh_token = refreshRecord.refreshToken;
  if (grant.signed) {
    body.signature = createHmac('sha256', grant.app.clientSecret)
      .update(id + issuedAt)
      .digest('base64');
  }
  body.scope = grant.scopes.join(' ');
  body.instance_url = context.instanceUrlFor(request);
  body.id = id;
  body.token_type = 'Bearer';
  if (grant.signed) body.issued_at = issuedAt;
  return tokenIssued(body);
}

/** Whether the granted scopes ask for a refresh token (`refresh_token` and `offline_access` are one scope). */
export function grantsRefreshToken(scopes: readonly string[]): boolean {
  return scopes.includes('refresh_token') || scopes.includes('offline_access');
}
