import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';
import {
  beginBrowserLogin,
  completeAuthorization,
  promptsOf,
  type PendingAuthorization,
} from './interactive-login.js';
import { authorizeErrorPage, formParameters, redirectWith } from './responses.js';
import { loginRefusal, orgUserByUsername } from './server-context.js';
import type { AuthorizationServerContext } from './server-context.js';
import type { ConnectedApp } from './types.js';

/**
 * `GET /services/oauth2/authorize` for the web server flow (`response_type=code`).
 *
 * A valid request shows the login page, then the "Allow Access?" page listing the scopes; Allow sends
 * `code` and `state` to the callback, Deny sends `error=access_denied` (see `interactive-login.ts`).
 * With `authorize: 'auto-approve'` no page is shown: it approves at once as the `login_hint` user when
 * that names a user of the org, else as the configured default user. Errors follow Salesforce Help "OAuth 2.0 Authorization Errors": an unknown client or an unregistered
 * callback is shown, never redirected (the callback cannot be trusted); every other error is sent to the
 * callback as `error` and `error_description` with `state`.
 */
export function authorize(context: AuthorizationServerContext, request: EmulatorRequest): EmulatorResponse {
  const parameters = request.method === 'POST' ? formParameters(request) : request.query;
  const app = context.apps.get(parameters.get('client_id') ?? '');
  if (app === undefined) return authorizeErrorPage(400, 'invalid_client_id', 'client identifier invalid');
  const redirectUri = parameters.get('redirect_uri') ?? '';
  if (!app.callbackUrls.includes(redirectUri)) {
    return authorizeErrorPage(400, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
  }
  const state = parameters.get('state') ?? undefined;
  const fail = (error: string, description: string): EmulatorResponse =>
    redirectWith(redirectUri, { error, error_description: description, state });

  if (parameters.get('response_type') !== 'code')
    return fail('unsupported_response_type', 'response type not supported');
  // Salesforce defines code_challenge as the base64url SHA-256 of the verifier and documents no other
  // method, so code_challenge_method is not consulted: a `plain` challenge fails at the token step.
  const codeChallenge = parameters.get('code_challenge') ?? undefined;
  if (app.requirePkce && codeChallenge === undefined)
    return fail('invalid_request', 'missing required code challenge');
  const scopes = requestedScopes(parameters.get('scope'), app);
  if (scopes === undefined) return fail('invalid_scope', 'the requested scope is not allowed');

  const authorization: PendingAuthorization = {
    kind: 'web-server',
    clientId: app.clientId,
    redirectUri,
    scopes,
    codeChallenge,
    state,
    prompts: promptsOf(parameters.get('prompt')),
  };
  if (context.authorizeMode === 'login-page') return beginBrowserLogin(context, request, authorization);

  const loginHint = parameters.get('login_hint');
  const user =
    (loginHint !== null ? orgUserByUsername(context, loginHint) : undefined) ??
    orgUserByUsername(context, context.defaultUsername);
  if (user === undefined) {
    return authorizeErrorPage(
      500,
      'server_error',
      `the emulator's default user "${context.defaultUsername}" is not in the org; pass an existing login_hint or fix defaultUsername`,
    );
  }
  const refusal = loginRefusal(user);
  // A disabled user never gets past Salesforce's login page, so the app hears nothing back.
  if (refusal !== undefined) return authorizeErrorPage(403, 'login_failed', `${user.username}: ${refusal}`);
  return completeAuthorization(context, undefined, authorization, user);
}

/** The scopes asked for, or every scope of the app when none are; undefined when one is not the app's. */
export function requestedScopes(
  scopeParameter: string | null,
  app: ConnectedApp,
): readonly string[] | undefined {
  if (scopeParameter === null || scopeParameter.trim() === '') return app.scopes;
  const requested = [...new Set(scopeParameter.trim().split(/\s+/))];
  const allowed = new Set(app.scopes);
  // "refresh_token" and "offline_access" are two names of one connected app scope.
  if (allowed.has('refresh_token') || allowed.has('offline_access')) {
    allowed.add('refresh_token');
    allowed.add('offline_access');
  }
  // "full" covers every other scope except refresh_token/offline_access.
  const coveredByFull = (scope: string): boolean =>
    allowed.has('full') && scope !== 'refresh_token' && scope !== 'offline_access';
  return requested.every((scope) => allowed.has(scope) || coveredByFull(scope)) ? requested : undefined;
}
