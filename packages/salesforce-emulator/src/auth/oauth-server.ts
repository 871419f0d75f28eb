import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';
import { AuthorizationCodeStore } from './authorization-codes.js';
import { authorize } from './authorize-endpoint.js';
import { randomBytes } from 'node:crypto';
import { ConnectedAppRegistry } from './connected-apps.js';
import { DeviceAuthorizationStore } from './device-flow.js';
import { BrowserLogins, deviceVerification, submitConsent, submitLogin } from './interactive-login.js';
import { identity, revoke, userInfo } from './identity-endpoints.js';
import { bearerToken, invalidSession, notFound } from './responses.js';
import type { AuthorizationServerContext } from './server-context.js';
import { SessionStore } from './session-store.js';
import { token } from './token-endpoint.js';
import type { AuthenticationResult, OAuthServerOptions, SessionExpiryCause } from './types.js';

const TWO_HOURS_MS = 2 * 60 * 60 * 1000;
const FIFTEEN_MINUTES_MS = 15 * 60 * 1000;
const TEN_MINUTES_MS = 10 * 60 * 1000;

/**
 * The emulated org's OAuth 2.0 authorization server and session store.
 *
 * @example
 * const auth = new OAuthServer({ directory, orgId: '00D000000000001EAA', defaultUsername: 'admin@example.org', loginPassword: 'test-Passw0rd' });
 * const { app, privateKeyPem } = auth.apps.registerWithKeyPair({ name: 'accessledger', callbackUrls: ['http://localhost:1717/cb'] });
 * // in the router:
 * if (OAuthServer.handles(request.path)) return auth.handle(request);
 * const result = auth.authenticate(request.headers.authorization);
 * if (!result.ok) return result.response;
 */
export class OAuthServer {
  /** Path prefixes the server routes to `handle`: `/services/oauth2/`, `/id/` and the device flow's `/setup/connect`. */
  static readonly pathPrefixes: readonly string[] = ['/services/oauth2/', '/id/', '/setup/connect'];

  /** The password every active org user logs in with on the emulator's login page. */
  readonly loginPassword: string;

  readonly apps: ConnectedAppRegistry;
  private readonly sessions: SessionStore;
  private readonly context: AuthorizationServerContext;
  private instanceUrl: string | undefined;

  constructor(options: OAuthServerOptions, apps?: ConnectedAppRegistry) {
    if (!/^00D[a-zA-Z0-9]{15}$/.test(options.orgId)) {
      throw new Error(
        `orgId must be an 18-character Organization Id starting with 00D, got "${options.orgId}".`,
      );
    }
    const sessionTimeoutMs = options.sessionTimeoutMs ?? TWO_HOURS_MS;
    const authorizationCodeTtlMs = options.authorizationCodeTtlMs ?? FIFTEEN_MINUTES_MS;
    if (!(sessionTimeoutMs > 0) || !(authorizationCodeTtlMs > 0)) {
      throw new Error(
        'sessionTimeoutMs and authorizationCodeTtlMs must be positive numbers of milliseconds.',
      );
    }
    if (options.instanceUrl !== undefined) assertAbsoluteUrl(options.instanceUrl);
    this.apps = apps ?? new ConnectedAppRegistry();
    this.instanceUrl = options.instanceUrl;
    const clock = options.clock ?? { now: () => Date.now() };
    const deviceIntervalSeconds = options.deviceFlowIntervalSeconds ?? 5;
    if (!(deviceIntervalSeconds > 0))
      throw new Error('deviceFlowIntervalSeconds must be a positive number of seconds.');
    this.loginPassword = options.loginPassword ?? randomBytes(9).toString('base64url');
    this.sessions = new SessionStore(clock, sessionTimeoutMs);
    this.context = {
      orgId: options.orgId,
      directory: options.directory,
      apps: this.apps,
      sessions: this.sessions,
      codes: new AuthorizationCodeStore(clock, authorizationCodeTtlMs),
      clock,
      defaultUsername: options.defaultUsername,
      authorizeMode: options.authorize ?? 'login-page',
      loginPassword: this.loginPassword,
      logins: new BrowserLogins(clock, authorizationCodeTtlMs),
      devices: new DeviceAuthorizationStore(
        clock,
        options.deviceCodeTtlMs ?? TEN_MINUTES_MS,
        deviceIntervalSeconds * 1000,
      ),
      extraJwtAudiences: options.extraJwtAudiences ?? [],
      instanceUrlFor: (request) => this.instanceUrl ?? request.baseUrl,
    };
  }

  /** Whether `path` belongs to the OAuth server (authorize, token, revoke, userinfo, identity URLs). */
  static handles(path: string): boolean {
    return OAuthServer.pathPrefixes.some((prefix) => path.startsWith(prefix));
  }

  /**
   * Serves `/services/oauth2/{authorize,token,revoke,userinfo}`, `/id/{orgId}/{userId}`, the login and
   * consent forms (`/services/oauth2/{login,consent}`) and the device flow's verification page `/setup/connect`.
   */
  handle(request: EmulatorRequest): EmulatorResponse {
    const path = request.path.replace(/\/+$/, '');
    if (path.startsWith('/id/')) return identity(this.context, request);
    switch (path) {
      case '/setup/connect':
        return deviceVerification(this.context, request);
      case '/services/oauth2/login':
        return submitLogin(this.context, request);
      case '/services/oauth2/consent':
        return submitConsent(this.context, request);
      case '/services/oauth2/authorize':
        return authorize(this.context, request);
      case '/services/oauth2/token':
        return token(this.context, request);
      case '/services/oauth2/revoke':
        return revoke(this.context, request);
      case '/services/oauth2/userinfo':
        return userInfo(this.context, request);
      default:
        return notFound();
    }
  }

  /**
   * Checks `Authorization: Bearer <token>` (or `OAuth <token>`) for a data or SCIM call. A live session
   * whose user is active and not frozen passes, its timeout slides, and the call counts towards
   * `expireAfterCalls`. Anything else answers 401 INVALID_SESSION_ID; a disabled user's session ends.
   */
  authenticate(authorizationHeader: string | undefined): AuthenticationResult {
    const accessToken = bearerToken(authorizationHeader);
    const record = accessToken === undefined ? undefined : this.sessions.findLiveAccessToken(accessToken);
    if (record === undefined) return { ok: false, response: invalidSession() };
    const user = this.context.directory.findById(record.userId);
    if (user === undefined || !user.isActive || user.isFrozen) {
      // Deactivating or freezing a user ends their sessions (Salesforce Help "Freeze or Unfreeze User Accounts").
      this.sessions.revokeAccessToken(record.accessToken);
      return { ok: false, response: invalidSession() };
    }
    this.sessions.touch(record);
    this.sessions.countApiCall();
    return {
      ok: true,
      session: {
        accessToken: record.accessToken,
        userId: record.userId,
        orgId: record.orgId,
        username: user.username,
        clientId: record.clientId,
        scopes: record.scopes,
        grantType: record.grantType,
        issuedAt: record.issuedAt,
      },
    };
  }

  /** Changes `instance_url` for tokens issued from now on; `undefined` reverts to the request's base URL. */
  setInstanceUrl(instanceUrl: string | undefined): void {
    if (instanceUrl !== undefined) assertAbsoluteUrl(instanceUrl);
    this.instanceUrl = instanceUrl;
  }

  /** Expires every live access token now; returns how many. Refresh tokens stay valid. */
  expireAll(): number {
    return this.sessions.expireEverySession('expire-all');
  }

  /**
   * Fault injection "token expiry after N calls": the next `calls` authenticated calls succeed, then every
   * live access token expires (the call after them answers 401). With `repeat`, it re-arms every `calls` calls.
   */
  expireAfterCalls(calls: number, options?: { readonly repeat?: boolean }): void {
    this.sessions.armCallCountExpiry(calls, options?.repeat ?? false);
  }

  /** Disarms `expireAfterCalls`. */
  clearExpireAfterCalls(): void {
    this.sessions.disarmCallCountExpiry();
  }

  /** Sessions ended by expiry so far (not by revocation), in total. */
  get expirationCount(): number {
    const counts = this.sessions.expirations;
    return counts.timeout + counts['expire-all'] + counts['call-count'];
  }

  /** Sessions ended by expiry so far, by cause. */
  get expirationsByCause(): Readonly<Record<SessionExpiryCause, number>> {
    return this.sessions.expirations;
  }
}

function assertAbsoluteUrl(url: string): void {
  if (!URL.canParse(url) || url.endsWith('/')) {
    throw new Error(
      `instanceUrl must be an absolute URL without a trailing slash, e.g. http://127.0.0.1:8443; got "${url}".`,
    );
  }
}
