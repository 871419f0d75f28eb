import { describe, expect, it } from 'vitest';
import {
  ADMIN_ID,
  BASE_URL,
  CALLBACK,
  INTEGRATION_ID,
  newServer,
  ORG_ID,
  getRequest,
  jsonBody,
  postForm,
  redirectParameters,
  stringField,
} from './test-kit.js';

const TIMEOUT_MS = 30 * 60 * 1000;

function setUp(scopes: string[] = ['api', 'refresh_token']) {
  const kit = newServer({ sessionTimeoutMs: TIMEOUT_MS });
  const app = kit.server.apps.register({ name: 'accessledger', callbackUrls: [CALLBACK], scopes });
  const login = (loginHint = 'admin@acme.example') => {
    const query = {
      response_type: 'code',
      client_id: app.clientId,
      redirect_uri: CALLBACK,
      login_hint: loginHint,
    };
    const code =
      redirectParameters(kit.server.handle(getRequest('/services/oauth2/authorize', query))).get('code') ??
      '';
    const response = kit.server.handle(
      postForm('/services/oauth2/token', {
        grant_type: 'authorization_code',
        code,
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: CALLBACK,
      }),
    );
    return {
      accessToken: stringField(response, 'access_token'),
      refreshToken: jsonBody(response).refresh_token,
    };
  };
  const refresh = (refreshToken: unknown) =>
    stringField(
      kit.server.handle(
        postForm('/services/oauth2/token', {
          grant_type: 'refresh_token',
          refresh_token: String(refreshToken),
          client_id: app.clientId,
          client_secret: app.clientSecret,
        }),
      ),
      'access_token',
    );
  return { ...kit, app, login, refresh };
}

const INVALID_SESSION = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];

describe('authenticate', () => {
  it('accepts Bearer and OAuth schemes and describes the session', () => {
    const { server, login, app } = setUp();
    const { accessToken } = login();
    const result = server.authenticate(`Bearer ${accessToken}`);
    if (!result.ok) throw new Error('expected a session');
    expect(result.session).toMatchObject({
      accessToken,
      userId: ADMIN_ID,
      orgId: ORG_ID,
      username: 'admin@acme.example',
      clientId: app.clientId,
      grantType: 'authorization_code',
    });
    expect(server.authenticate(`OAuth ${accessToken}`).ok).toBe(true);
  });

  it('answers 401 INVALID_SESSION_ID for a missing, malformed or unknown token', () => {
    const { server } = setUp();
    for (const header of [undefined, '', 'Basic abc', `Bearer ${ORG_ID.slice(0, 15)}!AQunknown`]) {
      const result = server.authenticate(header);
      if (result.ok) throw new Error(`accepted ${String(header)}`);
      expect(result.response.status).toBe(401);
      expect(result.response.body).toEqual(INVALID_SESSION);
    }
  });

  it('times out after the session timeout without activity', () => {
    const { server, login, clock } = setUp();
    const { accessToken } = login();
    clock.advance(TIMEOUT_MS - 1);
    expect(server.authenticate(`Bearer ${accessToken}`).ok).toBe(true);
    clock.advance(TIMEOUT_MS);
    expect(server.authenticate(`Bearer ${accessToken}`).ok).toBe(false);
    expect(server.expirationsByCause.timeout).toBe(1);
    expect(server.expirationCount).toBe(1);
  });

  it('slides the timeout only on activity in the second half of the window', () => {
    const { server, login, clock } = setUp();
    const early = login().accessToken;
    clock.advance(TIMEOUT_MS / 4);
    expect(server.authenticate(`Bearer ${early}`).ok).toBe(true); // first half: no extension
    clock.advance((TIMEOUT_MS * 3) / 4);
    expect(server.authenticate(`Bearer ${early}`).ok).toBe(false);

    const late = login().accessToken;
    clock.advance((TIMEOUT_MS * 3) / 4);
    expect(server.authenticate(`Bearer ${late}`).ok).toBe(true); // second half: extended from now
    clock.advance((TIMEOUT_MS * 3) / 4);
    expect(server.authenticate(`Bearer ${late}`).ok).toBe(true);
  });

  it('ends the sessions of frozen and deactivated users', () => {
    const { server, login, directory } = setUp();
    const admin = login('admin@acme.example').accessToken;
    const integration = login('integration@acme.example').accessToken;
    directory.update(ADMIN_ID, { isFrozen: true });
    directory.update(INTEGRATION_ID, { isActive: false });
    expect(server.authenticate(`Bearer ${admin}`).ok).toBe(false);
    expect(server.authenticate(`Bearer ${integration}`).ok).toBe(false);
    directory.update(ADMIN_ID, { isFrozen: false });
    expect(server.authenticate(`Bearer ${admin}`).ok).toBe(false); // unfreezing does not revive a session
  });
});

describe('fault injection', () => {
  it('expireAll ends every access token but keeps refresh tokens', () => {
    const { server, login, refresh } = setUp();
    const first = login();
    const second = login('integration@acme.example');
    expect(server.expireAll()).toBe(2);
    expect(server.authenticate(`Bearer ${first.accessToken}`).ok).toBe(false);
    expect(server.authenticate(`Bearer ${second.accessToken}`).ok).toBe(false);
    expect(server.authenticate(`Bearer ${refresh(first.refreshToken)}`).ok).toBe(true);
    expect(server.expirationsByCause['expire-all']).toBe(2);
  });

  it('expireAfterCalls lets N calls through, then every session expires once', () => {
    const { server, login, refresh } = setUp();
    const { accessToken, refreshToken } = login();
    server.expireAfterCalls(3);
    for (let call = 1; call <= 3; call += 1)
      expect(server.authenticate(`Bearer ${accessToken}`).ok).toBe(true);
    expect(server.authenticate(`Bearer ${accessToken}`).ok).toBe(false);
    expect(server.expirationsByCause['call-count']).toBe(1);
    const renewed = refresh(refreshToken);
    for (let call = 1; call <= 5; call += 1) expect(server.authenticate(`Bearer ${renewed}`).ok).toBe(true);
    expect(server.expirationCount).toBe(1);
  });

  it('expireAfterCalls with repeat re-arms after each expiry, until cleared', () => {
    const { server, login, refresh } = setUp();
    const { refreshToken } = login();
    server.expireAfterCalls(2, { repeat: true });
    for (let round = 1; round <= 3; round += 1) {
      const accessToken = refresh(refreshToken);
      expect(server.authenticate(`Bearer ${accessToken}`).ok).toBe(true);
      expect(server.authenticate(`Bearer ${accessToken}`).ok).toBe(true);
      expect(server.authenticate(`Bearer ${accessToken}`).ok).toBe(false);
    }
    // Round one also expired the access token of the login itself: 2 + 1 + 1 sessions.
    expect(server.expirationsByCause['call-count']).toBe(4);
    server.clearExpireAfterCalls();
    const accessToken = refresh(refreshToken);
    for (let call = 1; call <= 4; call += 1)
      expect(server.authenticate(`Bearer ${accessToken}`).ok).toBe(true);
  });

  it('rejects a call count that is not a whole number of at least 1', () => {
    const { server } = setUp();
    expect(() => server.expireAfterCalls(0)).toThrow(/whole number of calls ≥ 1/);
    expect(() => server.expireAfterCalls(1.5)).toThrow(RangeError);
  });
});

describe('revoke', () => {
  it('revoking an access token ends only that session', () => {
    const { server, login, refresh } = setUp();
    const { accessToken, refreshToken } = login();
    const sibling = refresh(refreshToken);
    const response = server.handle(postForm('/services/oauth2/revoke', { token: accessToken }));
    expect(response.status).toBe(200);
    expect(server.authenticate(`Bearer ${accessToken}`).ok).toBe(false);
    expect(server.authenticate(`Bearer ${sibling}`).ok).toBe(true);
  });

  it('revoking a refresh token ends every access token issued from it', () => {
    const { server, login, refresh } = setUp();
    const { accessToken, refreshToken } = login();
    const refreshed = refresh(refreshToken);
    const unrelated = login('integration@acme.example').accessToken;
    expect(server.handle(getRequest('/services/oauth2/revoke', { token: String(refreshToken) })).status).toBe(
      200,
    );
    expect(server.authenticate(`Bearer ${accessToken}`).ok).toBe(false);
    expect(server.authenticate(`Bearer ${refreshed}`).ok).toBe(false);
    expect(server.authenticate(`Bearer ${unrelated}`).ok).toBe(true);
    expect(server.expirationCount).toBe(0);
  });

  it('answers 400 invalid_token for an unknown or already revoked token', () => {
    const { server, login } = setUp();
    const { accessToken } = login();
    server.handle(postForm('/services/oauth2/revoke', { token: accessToken }));
    const again = server.handle(postForm('/services/oauth2/revoke', { token: accessToken }));
    expect(again.status).toBe(400);
    expect(jsonBody(again)).toEqual({ error: 'invalid_token', error_description: 'invalid token' });
    expect(jsonBody(server.handle(postForm('/services/oauth2/revoke', {}))).error).toBe('invalid_token');
  });
});

describe('userinfo and identity URL', () => {
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  it('userinfo describes the token user', () => {
    const { server, login } = setUp();
    const response = server.handle(getRequest('/services/oauth2/userinfo', {}, bearer(login().accessToken)));
    expect(response.status).toBe(200);
    expect(jsonBody(response)).toMatchObject({
      sub: `${BASE_URL}/id/${ORG_ID}/${ADMIN_ID}`,
      user_id: ADMIN_ID,
      organization_id: ORG_ID,
      preferred_username: 'admin@acme.example',
      name: 'Ada Admin',
      email: 'admin@acme.example',
    });
  });

  it('the identity URL from the token response answers for its user, with the version filled in', () => {
    const { server, login } = setUp();
    const { accessToken } = login();
    const response = server.handle(
      getRequest(`/id/${ORG_ID}/${ADMIN_ID}`, { version: 'latest' }, bearer(accessToken)),
    );
    const body = jsonBody(response);
    expect(body).toMatchObject({
      user_id: ADMIN_ID,
      organization_id: ORG_ID,
      username: 'admin@acme.example',
      active: true,
    });
    expect(body.urls).toMatchObject({
      rest: `${BASE_URL}/services/data/v63.0/`,
      query: `${BASE_URL}/services/data/v63.0/query/`,
    });
    const viaParameter = server.handle(getRequest(`/id/${ORG_ID}/${ADMIN_ID}`, { oauth_token: accessToken }));
    expect(viaParameter.status).toBe(200);
  });

  it('another user of the org is readable with the api scope, not without it', () => {
    const withApi = setUp(['api', 'refresh_token']);
    const other = withApi.server.handle(
      getRequest(`/id/${ORG_ID}/${INTEGRATION_ID}`, {}, bearer(withApi.login().accessToken)),
    );
    expect(jsonBody(other)).toMatchObject({ user_id: INTEGRATION_ID, asserted_user: false });

    const idOnly = setUp(['id']);
    const denied = idOnly.server.handle(
      getRequest(`/id/${ORG_ID}/${INTEGRATION_ID}`, {}, bearer(idOnly.login().accessToken)),
    );
    expect([denied.status, denied.body]).toEqual([404, 'No_Access']);
  });

  it('answers the identity service errors in plain text', () => {
    const { server, login } = setUp();
    const { accessToken } = login();
    const cases: Array<[ReturnType<typeof getRequest>, number, string]> = [
      [getRequest('/services/oauth2/userinfo'), 403, 'Missing_OAuth_Token'],
      [getRequest('/services/oauth2/userinfo', {}, bearer('00D!AQbogus')), 403, 'Bad_OAuth_Token'],
      [getRequest(`/id/00D5e00000OtherAAA/${ADMIN_ID}`, {}, bearer(accessToken)), 403, 'Wrong_Org'],
      [getRequest(`/id/${ORG_ID}/0055e00009NobodyAA`, {}, bearer(accessToken)), 404, 'Bad_Id'],
      [getRequest(`/id/${ORG_ID}/not-an-id`, {}, bearer(accessToken)), 404, 'Bad_Id'],
    ];
    for (const [request, status, code] of cases) {
      const response = server.handle(request);
      expect([response.status, response.body]).toEqual([status, code]);
    }
  });

  it('an expired session is a Bad_OAuth_Token there too', () => {
    const { server, login } = setUp();
    const { accessToken } = login();
    server.expireAll();
    const response = server.handle(getRequest('/services/oauth2/userinfo', {}, bearer(accessToken)));
    expect([response.status, response.body]).toEqual([403, 'Bad_OAuth_Token']);
  });
});
