import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';
import { consentPage, deviceCodePage, LOGIN_FAILED_MESSAGE, loginPage, messagePage } from './login-pages.js';
import { formParameters, headerValue, redirectWith } from './responses.js';
import { loginRefusal, orgUserByUsername } from './server-context.js';
import type { AuthorizationServerContext } from './server-context.js';
import type { AuthClock, AuthUser } from './types.js';

/** An authorize request waiting for the person at the browser to log in and allow or deny it. */
export type PendingAuthorization =
  | {
      readonly kind: 'web-server';
      readonly clientId: string;
      readonly redirectUri: string;
      readonly scopes: readonly string[];
      readonly codeChallenge: string | undefined;
      readonly state: string | undefined;
      /** `prompt` values (space-separated in the request): `login` and `consent` are honoured. */
      readonly prompts: ReadonlySet<string>;
    }
  | {
      readonly kind: 'device';
      readonly clientId: string;
      readonly scopes: readonly string[];
      readonly deviceCode: string;
      readonly prompts: ReadonlySet<string>;
    };

const SESSION_COOKIE = 'sid';

/**
 * What the emulator remembers about people at browsers: authorize requests in progress, logged-in
 * browser sessions (the `sid` cookie) and which apps each user has allowed for which scopes. A user
 * who allowed an app is not asked again unless the request says `prompt=consent`; a logged-in browser
 * is not asked to log in again unless it says `prompt=login` (Salesforce Help "OAuth 2.0 Web Server
 * Flow for Web App Integration", the `prompt` parameter).
 */
export class BrowserLogins {
  private readonly pending = new Map<string, { authorization: PendingAuthorization; createdAt: number }>();
  private readonly sessions = new Map<string, string>();
  private readonly approvals = new Set<string>();

  constructor(
    private readonly clock: AuthClock,
    private readonly pendingTtlMs: number,
  ) {}

  addPending(authorization: PendingAuthorization): string {
    const id = randomBytes(18).toString('base64url');
    this.pending.set(id, { authorization, createdAt: this.clock.now() });
    return id;
  }

  pendingById(id: string): PendingAuthorization | undefined {
    const entry = this.pending.get(id);
    if (entry === undefined) return undefined;
    if (this.clock.now() - entry.createdAt >= this.pendingTtlMs) {
      this.pending.delete(id);
      return undefined;
    }
    return entry.authorization;
  }

  dropPending(id: string): void {
    this.pending.delete(id);
  }

  startSession(userId: string): string {
    const sid = randomBytes(24).toString('base64url');
    this.sessions.set(sid, userId);
    return sid;
  }

  sessionUserId(request: EmulatorRequest): string | undefined {
    const sid = cookieValue(request, SESSION_COOKIE);
    return sid === undefined ? undefined : this.sessions.get(sid);
  }

  approve(userId: string, clientId: string, scopes: readonly string[]): void {
    for (const scope of scopes) this.approvals.add(`${userId} ${clientId} ${scope}`);
  }

  hasApproved(userId: string, clientId: string, scopes: readonly string[]): boolean {
    return scopes.every((scope) => this.approvals.has(`${userId} ${clientId} ${scope}`));
  }
}

/** The space-separated `prompt` values of an authorize request. */
export function promptsOf(prompt: string | null): ReadonlySet<string> {
  return new Set((prompt ?? '').split(/\s+/).filter((value) => value !== ''));
}

/**
 * Starts the browser part of an authorization: the login page, or straight to the consent step when
 * the browser is logged in already and `prompt=login` was not asked for.
 */
export function beginBrowserLogin(
  context: AuthorizationServerContext,
  request: EmulatorRequest,
  authorization: PendingAuthorization,
): EmulatorResponse {
  const requestId = context.logins.addPending(authorization);
  const user = loggedInUser(context, request);
  if (user !== undefined && !authorization.prompts.has('login')) {
    return consentStep(context, requestId, authorization, user);
  }
  return loginPage(requestId);
}

/** `POST /services/oauth2/login`: checks the username and password, then goes on to the consent step. */
export function submitLogin(context: AuthorizationServerContext, request: EmulatorRequest): EmulatorResponse {
  if (request.method !== 'POST')
    return messagePage(405, 'Method Not Allowed', 'Log in through the login form.');
  const form = formParameters(request);
  const requestId = form.get('request_id') ?? '';
  const authorization = context.logins.pendingById(requestId);
  if (authorization === undefined) return expiredRequestPage();
  const username = (form.get('username') ?? '').trim();
  const user = orgUserByUsername(context, username);
  if (
    user === undefined ||
    !samePassword(form.get('password') ?? '', context.loginPassword) ||
    loginRefusal(user) !== undefined
  ) {
    return loginPage(requestId, { error: LOGIN_FAILED_MESSAGE, username });
  }
  const sid = context.logins.startSession(user.id);
  return withCookie(
    consentStep(context, requestId, authorization, user),
    `${SESSION_COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Lax`,
  );
}

/** `POST /services/oauth2/consent` with `decision=allow|deny`. */
export function submitConsent(
  context: AuthorizationServerContext,
  request: EmulatorRequest,
): EmulatorResponse {
  if (request.method !== 'POST')
    return messagePage(405, 'Method Not Allowed', 'Answer through the consent form.');
  const form = formParameters(request);
  const requestId = form.get('request_id') ?? '';
  const authorization = context.logins.pendingById(requestId);
  if (authorization === undefined) return expiredRequestPage();
  const user = loggedInUser(context, request);
  if (user === undefined) return loginPage(requestId);
  const decision = form.get('decision');
  if (decision === 'deny') {
    context.logins.dropPending(requestId);
    if (authorization.kind === 'device') {
      context.devices.deny(authorization.deviceCode);
      return messagePage(200, 'Access Denied', 'You denied access. You can close this window.');
    }
    // Salesforce Help "OAuth 2.0 Authorization Errors": access_denied, "end-user denied authorization".
    return redirectWith(authorization.redirectUri, {
      error: 'access_denied',
      error_description: 'end-user denied authorization',
      state: authorization.state,
    });
  }
  if (decision !== 'allow') return consentStepPage(context, requestId, authorization, user);
  context.logins.approve(user.id, authorization.clientId, authorization.scopes);
  return completeAuthorization(context, requestId, authorization, user);
}

/** `GET /setup/connect` shows the code entry form; `POST` with `user_code` starts the login for it. */
export function deviceVerification(
  context: AuthorizationServerContext,
  request: EmulatorRequest,
): EmulatorResponse {
  if (request.method !== 'POST') return deviceCodePage();
  const userCode = formParameters(request).get('user_code') ?? '';
  const device = context.devices.pendingByUserCode(userCode);
  if (device === undefined)
    return deviceCodePage('The code is invalid or has expired. Check it and try again.');
  return beginBrowserLogin(context, request, {
    kind: 'device',
    clientId: device.clientId,
    scopes: device.scopes,
    deviceCode: device.deviceCode,
    // The person typed a code from some device: always show what it will be allowed to do. Salesforce's
    // article does not say whether an earlier approval skips this page; showing it is the cautious choice.
    prompts: new Set(['consent']),
  });
}

/**
 * Issues what the authorization was for to `user`: a code sent to the callback (web server flow), or
 * the device code marked approved so the device's next poll gets its tokens.
 */
export function completeAuthorization(
  context: AuthorizationServerContext,
  requestId: string | undefined,
  authorization: PendingAuthorization,
  user: AuthUser,
): EmulatorResponse {
  if (requestId !== undefined) context.logins.dropPending(requestId);
  if (authorization.kind === 'device') {
    context.devices.approve(authorization.deviceCode, user.id);
    return messagePage(200, 'Connected', 'Your device is connected. You can close this window.');
  }
  const code = context.codes.issue({
    clientId: authorization.clientId,
    userId: user.id,
    redirectUri: authorization.redirectUri,
    scopes: authorization.scopes,
    codeChallenge: authorization.codeChallenge,
  });
  return redirectWith(authorization.redirectUri, { code, state: authorization.state });
}

function consentStep(
  context: AuthorizationServerContext,
  requestId: string,
  authorization: PendingAuthorization,
  user: AuthUser,
): EmulatorResponse {
  if (
    !authorization.prompts.has('consent') &&
    context.logins.hasApproved(user.id, authorization.clientId, authorization.scopes)
  ) {
    return completeAuthorization(context, requestId, authorization, user);
  }
  return consentStepPage(context, requestId, authorization, user);
}

function consentStepPage(
  context: AuthorizationServerContext,
  requestId: string,
  authorization: PendingAuthorization,
  user: AuthUser,
): EmulatorResponse {
  const appName = context.apps.get(authorization.clientId)?.name ?? authorization.clientId;
  return consentPage(requestId, appName, user.username, authorization.scopes);
}

function loggedInUser(context: AuthorizationServerContext, request: EmulatorRequest): AuthUser | undefined {
  const userId = context.logins.sessionUserId(request);
  const user = userId === undefined ? undefined : context.directory.findById(userId);
  return user !== undefined && loginRefusal(user) === undefined ? user : undefined;
}

function expiredRequestPage(): EmulatorResponse {
  return messagePage(
    400,
    'Session Expired',
    'This login request is unknown or has expired. Start again from the application.',
  );
}

function withCookie(response: EmulatorResponse, cookie: string): EmulatorResponse {
  return { ...response, headers: { ...response.headers, 'Set-Cookie': cookie } };
}

function cookieValue(request: EmulatorRequest, name: string): string | undefined {
  for (const part of (headerValue(request, 'cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function samePassword(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
