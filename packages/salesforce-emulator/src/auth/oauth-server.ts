import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';
import { ConnectedAppRegistry } from './connected-apps.js';
import type { AuthenticationResult, OAuthServerOptions, SessionExpiryCause } from './types.js';

/**
 * The emulated org's OAuth 2.0 authorization server and session store.
 *
 * @example
 * const auth = new OAuthServer({ directory, orgId: '00D000000000001EAA', defaultUsername: 'admin@example.org' });
 * if (OAuthServer.handles(request.path)) return auth.handle(request);
 * const result = auth.authenticate(request.headers.authorization);
 * if (!result.ok) return result.response;
 */
export class OAuthServer {
  /** Path prefixes the server routes to `handle`: `/services/oauth2/` and `/id/`. */
  static readonly pathPrefixes: readonly string[] = ['/services/oauth2/', '/id/'];

  readonly apps: ConnectedAppRegistry;

  constructor(_options: OAuthServerOptions, apps?: ConnectedAppRegistry) {
    this.apps = apps ?? new ConnectedAppRegistry();
  }

  /** Whether `path` belongs to the OAuth server (authorize, token, revoke, userinfo, identity URLs). */
  static handles(path: string): boolean {
    return OAuthServer.pathPrefixes.some((prefix) => path.startsWith(prefix));
  }

  /** Serves `/services/oauth2/{authorize,token,revoke,userinfo}` and `/id/{orgId}/{userId}`. */
  handle(_request: EmulatorRequest): EmulatorResponse {
    throw new Error('not implemented yet');
  }

  /** Checks `Authorization: Bearer <token>` (or `OAuth <token>`) for a data or SCIM call; slides the timeout. */
  authenticate(_authorizationHeader: string | undefined): AuthenticationResult {
    throw new Error('not implemented yet');
  }

  /** Changes `instance_url` for tokens issued from now on; `undefined` reverts to the request's base URL. */
  setInstanceUrl(_instanceUrl: string | undefined): void {
    throw new Error('not implemented yet');
  }

  /** Expires every live access token now; returns how many. Refresh tokens stay valid. */
  expireAll(): number {
    throw new Error('not implemented yet');
  }

  /**
   * Fault injection "token expiry after N calls": the next `calls` authenticated calls succeed, then every
   * live access token expires (the call after them answers 401). With `repeat`, it re-arms every `calls` calls.
   */
  expireAfterCalls(_calls: number, _options?: { readonly repeat?: boolean }): void {
    throw new Error('not implemented yet');
  }

  /** Disarms `expireAfterCalls`. */
  clearExpireAfterCalls(): void {
    throw new Error('not implemented yet');
  }

  /** Sessions ended by expiry so far (not by revocation), in total. */
  get expirationCount(): number {
    throw new Error('not implemented yet');
  }

  /** Sessions ended by expiry so far, by cause. */
  get expirationsByCause(): Readonly<Record<SessionExpiryCause, number>> {
    throw new Error('not implemented yet');
  }
}
