import { describe, expect, it } from 'vitest';
import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';
import {
  ADMIN_ID,
  CALLBACK,
  getRequest,
  jsonBody,
  LOGIN_PASSWORD,
  newServer,
  postForm,
  redirectParameters,
  stringField,
} from './test-kit.js';

// Salesforce Help "OAuth 2.0 Web Server Flow for Web App Integration": the user logs in on Salesforce's
// page, approves the app's scopes, and is sent back to the callback with a code (or with
// error=access_denied when they deny); `prompt=login` and `prompt=consent` ask again.

function setUp(appOverrides: { enableDeviceFlow?: boolean } = {}) {
  const kit = newServer({ authorize: 'login-page' });
  const app = kit.server.apps.register({
    name: 'accessledger',
    callbackUrls: [CALLBACK],
    scopes: ['api', 'refresh_token'],
    ...appOverrides,
  });
  return { ...kit, app };
}

type Kit = ReturnType<typeof setUp>;

function authorize(kit: Kit, extra: Record<string, string> = {}, cookie?: string): EmulatorResponse {
  return kit.server.handle(
    withCookie(
      getRequest('/services/oauth2/authorize', {
        response_type: 'code',
        client_id: kit.app.clientId,
        redirect_uri: CALLBACK,
        scope: 'api refresh_token',
        state: 'st-1',
        ...extra,
      }),
      cookie,
    ),
  );
}

function withCookie(request: EmulatorRequest, cookie: string | undefined): EmulatorRequest {
  return cookie === undefined ? request : { ...request, headers: { ...request.headers, cookie } };
}

function html(response: EmulatorResponse): string {
  expect(response.headers?.['Content-Type']).toContain('text/html');
  return String(response.body);
}

function requestIdOf(response: EmulatorResponse): string {
  const match = /name="request_id" value="([^"]+)"/.exec(html(response));
  if (!match?.[1]) throw new Error(`no request_id in ${String(response.body)}`);
  return match[1];
}

function logIn(kit: Kit, requestId: string, password = LOGIN_PASSWORD, username = 'admin@acme.example') {
  const response = kit.server.handle(
    postForm('/services/oauth2/login', { request_id: requestId, username, password }),
  );
  const cookie = response.headers?.['Set-Cookie']?.split(';')[0];
  return { response, cookie };
}

function answer(kit: Kit, requestId: string, decision: 'allow' | 'deny', cookie: string | undefined) {
  return kit.server.handle(
    withCookie(postForm('/services/oauth2/consent', { request_id: requestId, decision }), cookie),
  );
}

describe('authorize with the login page', () => {
  it('shows a login page, then an "Allow Access?" page listing the scopes, then sends the code on Allow', () => {
    const kit = setUp();
    const loginPage = authorize(kit);
    expect(loginPage.status).toBe(200);
    expect(html(loginPage)).toContain('name="password"');
    const { response: consent, cookie } = logIn(kit, requestIdOf(loginPage));
    expect(cookie).toMatch(/^sid=/);
    expect(html(consent)).toContain('Allow Access?');
    expect(html(consent)).toContain('Manage user data via APIs (api)');
    expect(html(consent)).toContain('Perform requests at any time (refresh_token, offline_access)');
    expect(html(consent)).toContain('admin@acme.example');

    const callback = redirectParameters(answer(kit, requestIdOf(consent), 'allow', cookie));
    expect(callback.get('state')).toBe('st-1');
    const tokens = kit.server.handle(
      postForm('/services/oauth2/token', {
        grant_type: 'authorization_code',
        code: callback.get('code') ?? '',
        client_id: kit.app.clientId,
        client_secret: kit.app.clientSecret,
        redirect_uri: CALLBACK,
      }),
    );
    expect(stringField(tokens, 'id')).toContain(`/${ADMIN_ID}`);
    expect(stringField(tokens, 'refresh_token')).toMatch(/^5Aep861/);
  });

  it('shows an error and no redirect for a wrong password, an unknown user or a frozen user', () => {
    const kit = setUp();
    const requestId = requestIdOf(authorize(kit));
    const wrong = logIn(kit, requestId, 'not-the-password');
    expect(wrong.response.status).toBe(200);
    expect(wrong.cookie).toBeUndefined();
    expect(html(wrong.response)).toContain('Please check your username and password.');
    expect(logIn(kit, requestId, LOGIN_PASSWORD, 'nobody@acme.example').cookie).toBeUndefined();
    kit.directory.update(ADMIN_ID, { isFrozen: true });
    expect(html(logIn(kit, requestId).response)).toContain('Please check your username and password.');
  });

  it('redirects error=access_denied with the state when the user clicks Deny', () => {
    const kit = setUp();
    const { response: consent, cookie } = logIn(kit, requestIdOf(authorize(kit)));
    const denied = redirectParameters(answer(kit, requestIdOf(consent), 'deny', cookie));
    expect(denied.get('error')).toBe('access_denied');
    expect(denied.get('error_description')).toBe('end-user denied authorization');
    expect(denied.get('state')).toBe('st-1');
    expect(denied.get('code')).toBeNull();
  });

  it('skips login and consent for a logged-in user who allowed the app, unless prompt=login or prompt=consent', () => {
    const kit = setUp();
    const { response: consent, cookie } = logIn(kit, requestIdOf(authorize(kit)));
    answer(kit, requestIdOf(consent), 'allow', cookie);

    expect(redirectParameters(authorize(kit, {}, cookie)).get('code')).toMatch(/^aPrx/);
    expect(html(authorize(kit, { prompt: 'consent' }, cookie))).toContain('Allow Access?');
    expect(html(authorize(kit, { prompt: 'login' }, cookie))).toContain('name="password"');
    expect(html(authorize(kit))).toContain('name="password"');
  });

  it('refuses a login or consent form whose request is unknown', () => {
    const kit = setUp();
    expect(logIn(kit, 'made-up').response.status).toBe(400);
    expect(answer(kit, 'made-up', 'allow', undefined).status).toBe(400);
  });
});

describe('device flow (Salesforce Help "OAuth 2.0 Device Flow for IoT Integration", RFC 8628)', () => {
  function start(kit: Kit) {
    return jsonBody(
      kit.server.handle(
        postForm('/services/oauth2/token', {
          response_type: 'device_code',
          client_id: kit.app.clientId,
          scope: 'api refresh_token',
        }),
      ),
    );
  }

  function poll(kit: Kit, deviceCode: string): EmulatorResponse {
    return kit.server.handle(
      postForm('/services/oauth2/token', {
        grant_type: 'device',
        client_id: kit.app.clientId,
        code: deviceCode,
      }),
    );
  }

  /** The person's side: the verification page, the code, login, then Allow or Deny. */
  function approveInBrowser(kit: Kit, userCode: string, decision: 'allow' | 'deny'): EmulatorResponse {
    const verification = kit.server.handle(postForm('/setup/connect', { user_code: userCode }));
    const { response: consent, cookie } = logIn(kit, requestIdOf(verification));
    return answer(kit, requestIdOf(consent), decision, cookie);
  }

  it('returns a device code, a user code, the verification URL and the interval; polls until the user allows', () => {
    const kit = setUp({ enableDeviceFlow: true });
    const device = start(kit);
    expect(device.verification_uri).toBe('http://127.0.0.1:8443/setup/connect');
    expect(device.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
    expect(device.interval).toBe(5);
    const deviceCode = String(device.device_code);

    expect(jsonBody(poll(kit, deviceCode)).error).toBe('authorization_pending');
    kit.clock.advance(1000);
    const tooSoon = poll(kit, deviceCode);
    expect(tooSoon.status).toBe(400);
    expect(jsonBody(tooSoon).error).toBe('slow_down');
    kit.clock.advance(10_000);

    expect(html(kit.server.handle(getRequest('/setup/connect')))).toContain('name="user_code"');
    expect(html(approveInBrowser(kit, String(device.user_code).toLowerCase(), 'allow'))).toContain(
      'connected',
    );
    const tokens = poll(kit, deviceCode);
    expect(tokens.status).toBe(200);
    expect(stringField(tokens, 'refresh_token')).toMatch(/^5Aep861/);
    expect(stringField(tokens, 'instance_url')).toBe('http://127.0.0.1:8443');
    kit.clock.advance(10_000);
    expect(jsonBody(poll(kit, deviceCode)).error).toBe('invalid_grant');
  });

  it('answers access_denied when the user denies, and expired_token once the code has expired', () => {
    const kit = setUp({ enableDeviceFlow: true });
    const denied = start(kit);
    approveInBrowser(kit, String(denied.user_code), 'deny');
    expect(jsonBody(poll(kit, String(denied.device_code))).error).toBe('access_denied');

    const late = start(kit);
    kit.clock.advance(10 * 60 * 1000);
    expect(jsonBody(poll(kit, String(late.device_code))).error).toBe('expired_token');
    const page = kit.server.handle(postForm('/setup/connect', { user_code: String(late.user_code) }));
    expect(html(page)).toContain('invalid or has expired');
  });

  it('refuses the device flow for an app that has not enabled it', () => {
    const kit = setUp();
    expect(start(kit).error).toBe('unauthorized_client');
  });
});
