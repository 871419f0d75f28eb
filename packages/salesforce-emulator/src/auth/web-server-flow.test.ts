import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generatePkceVerifier, pkceChallenge } from './testing.js';
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

function setUp(
  appOverrides: { requirePkce?: boolean; requireSecretForWebServerFlow?: boolean; scopes?: string[] } = {},
) {
  const kit = newServer();
  const app = kit.server.apps.register({ name: 'accessledger', callbackUrls: [CALLBACK], ...appOverrides });
  return { ...kit, app };
}

function authorizeQuery(clientId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { response_type: 'code', client_id: clientId, redirect_uri: CALLBACK, state: 'xyz-123', ...extra };
}

describe('authorize', () => {
  it('approves as the default admin and redirects to the callback with code and state', () => {
    const { server, app } = setUp();
    const response = server.handle(getRequest('/services/oauth2/authorize', authorizeQuery(app.clientId)));
    const parameters = redirectParameters(response);
    expect(response.headers?.Location?.startsWith(`${CALLBACK}?`)).toBe(true);
    expect(parameters.get('state')).toBe('xyz-123');
    expect(parameters.get('code')).toMatch(/^aPrx.+==$/);
  });

  it('approves as the login_hint user when the org knows them', () => {
    const { server, app } = setUp();
    const code = redirectParameters(
      server.handle(
        getRequest(
          '/services/oauth2/authorize',
          authorizeQuery(app.clientId, { login_hint: 'integration@acme.example' }),
        ),
      ),
    ).get('code');
    const tokens = server.handle(
      postForm('/services/oauth2/token', {
        grant_type: 'authorization_code',
        code: code ?? '',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: CALLBACK,
      }),
    );
    expect(stringField(tokens, 'id')).toBe(`${BASE_URL}/id/${ORG_ID}/${INTEGRATION_ID}`);
  });

  it('shows invalid_client_id for an unknown client instead of redirecting', () => {
    const { server } = setUp();
    const response = server.handle(getRequest('/services/oauth2/authorize', authorizeQuery('3MVG9nobody')));
    expect(response.status).toBe(400);
    expect(response.headers?.Location).toBeUndefined();
    expect(String(response.body)).toContain(
      'error=invalid_client_id&amp;error_description=client%20identifier%20invalid',
    );
  });

  it('shows redirect_uri_mismatch for an unregistered callback instead of redirecting', () => {
    const { server, app } = setUp();
    const response = server.handle(
      getRequest(
        '/services/oauth2/authorize',
        authorizeQuery(app.clientId, { redirect_uri: 'https://evil.example/cb' }),
      ),
    );
    expect(response.status).toBe(400);
    expect(response.headers?.Location).toBeUndefined();
    expect(String(response.body)).toContain('error=redirect_uri_mismatch');
    expect(String(response.body)).toContain('redirect_uri%20must%20match%20configuration');
  });

  it('redirects unsupported_response_type to the callback with state', () => {
    const { server, app } = setUp();
    const parameters = redirectParameters(
      server.handle(
        getRequest('/services/oauth2/authorize', authorizeQuery(app.clientId, { response_type: 'token' })),
      ),
    );
    expect(parameters.get('error')).toBe('unsupported_response_type');
    expect(parameters.get('state')).toBe('xyz-123');
  });

  it('redirects invalid_request when the app requires PKCE and no code_challenge is sent', () => {
    const { server, app } = setUp({ requirePkce: true });
    const parameters = redirectParameters(
      server.handle(getRequest('/services/oauth2/authorize', authorizeQuery(app.clientId))),
    );
    expect(parameters.get('error')).toBe('invalid_request');
    expect(parameters.get('error_description')).toBe('missing required code challenge');
  });

  it('redirects invalid_scope for a scope the app does not have', () => {
    const { server, app } = setUp({ scopes: ['api', 'refresh_token'] });
    const parameters = redirectParameters(
      server.handle(
        getRequest('/services/oauth2/authorize', authorizeQuery(app.clientId, { scope: 'api web' })),
      ),
    );
    expect(parameters.get('error')).toBe('invalid_scope');
  });

  it('refuses to approve as a frozen user', () => {
    const { server, app, directory } = setUp();
    directory.update(ADMIN_ID, { isFrozen: true });
    const response = server.handle(getRequest('/services/oauth2/authorize', authorizeQuery(app.clientId)));
    expect(response.status).toBe(403);
    expect(response.headers?.Location).toBeUndefined();
  });
});

describe('authorization_code grant', () => {
  function codeFor(kit: ReturnType<typeof setUp>, extra: Record<string, string> = {}): string {
    const response = kit.server.handle(
      getRequest('/services/oauth2/authorize', authorizeQuery(kit.app.clientId, extra)),
    );
    return redirectParameters(response).get('code') ?? '';
  }

  function exchange(kit: ReturnType<typeof setUp>, form: Record<string, string>) {
    return kit.server.handle(
      postForm('/services/oauth2/token', {
        grant_type: 'authorization_code',
        client_id: kit.app.clientId,
        client_secret: kit.app.clientSecret,
        redirect_uri: CALLBACK,
        ...form,
      }),
    );
  }

  it('returns the documented token response, signed, with a refresh token and no expires_in', () => {
    const kit = setUp();
    const response = exchange(kit, { code: codeFor(kit) });
    expect(response.status).toBe(200);
    const body = jsonBody(response);
    expect(Object.keys(body).sort()).toEqual(
      [
        'access_token',
        'id',
        'instance_url',
        'issued_at',
        'refresh_token',
        'scope',
        'signature',
        'token_type',
      ].sort(),
    );
    expect(body.access_token).toMatch(new RegExp(`^${ORG_ID.slice(0, 15)}!AQ`));
    expect(body.token_type).toBe('Bearer');
    expect(body.instance_url).toBe(BASE_URL);
    expect(body.id).toBe(`${BASE_URL}/id/${ORG_ID}/${ADMIN_ID}`);
    expect(body.scope).toBe('api refresh_token');
    expect(body.issued_at).toBe(String(kit.clock.now()));
    const expected = createHmac('sha256', kit.app.clientSecret)
      .update(`${String(body.id)}${String(body.issued_at)}`)
      .digest('base64');
    expect(body.signature).toBe(expected);
  });

  it('issues no refresh token when the refresh_token scope was not granted', () => {
    const kit = setUp();
    const body = jsonBody(exchange(kit, { code: codeFor(kit, { scope: 'api' }) }));
    expect(body.refresh_token).toBeUndefined();
    expect(body.scope).toBe('api');
  });

  it('uses the configured instance_url', () => {
    const kit = setUp();
    kit.server.setInstanceUrl('https://acme.my.salesforce.com');
    expect(stringField(exchange(kit, { code: codeFor(kit) }), 'instance_url')).toBe(
      'https://acme.my.salesforce.com',
    );
  });

  it('accepts a code once only', () => {
    const kit = setUp();
    const code = codeFor(kit);
    expect(exchange(kit, { code }).status).toBe(200);
    const reuse = exchange(kit, { code });
    expect(reuse.status).toBe(400);
    expect(jsonBody(reuse)).toEqual({
      error: 'invalid_grant',
      error_description: 'invalid authorization code',
    });
  });

  it('rejects a code after 15 minutes', () => {
    const kit = setUp();
    const code = codeFor(kit);
    kit.clock.advance(15 * 60 * 1000);
    expect(jsonBody(exchange(kit, { code }))).toEqual({
      error: 'invalid_grant',
      error_description: 'expired authorization code',
    });
  });

  it('rejects a redirect_uri other than the authorize one', () => {
    const kit = setUp();
    const response = exchange(kit, { code: codeFor(kit), redirect_uri: 'http://localhost:1717/other' });
    expect(jsonBody(response)).toEqual({
      error: 'redirect_uri_mismatch',
      error_description: 'redirect_uri must match configuration',
    });
  });

  it('rejects an unknown client_id and a wrong client_secret', () => {
    const kit = setUp();
    expect(jsonBody(exchange(kit, { code: codeFor(kit), client_id: '3MVG9nobody' }))).toEqual({
      error: 'invalid_client_id',
      error_description: 'client identifier invalid',
    });
    const wrongSecret = exchange(kit, { code: codeFor(kit), client_secret: 'WRONG' });
    expect(wrongSecret.status).toBe(400);
    expect(jsonBody(wrongSecret)).toEqual({
      error: 'invalid_client',
      error_description: 'invalid client credentials',
    });
  });

  it('checks the code_verifier against the S256 challenge', () => {
    const kit = setUp();
    const verifier = generatePkceVerifier();
    const challenge = { code_challenge: pkceChallenge(verifier), code_challenge_method: 'S256' };
    expect(exchange(kit, { code: codeFor(kit, challenge), code_verifier: verifier }).status).toBe(200);

    const mismatch = exchange(kit, { code: codeFor(kit, challenge), code_verifier: generatePkceVerifier() });
    expect(jsonBody(mismatch)).toEqual({
      error: 'invalid_grant',
      error_description: 'invalid code verifier',
    });
    const missing = exchange(kit, { code: codeFor(kit, challenge) });
    expect(jsonBody(missing)).toEqual({ error: 'invalid_grant', error_description: 'invalid code verifier' });
  });

  it('treats every challenge as S256, so a plain challenge fails at the token step', () => {
    const kit = setUp();
    const verifier = generatePkceVerifier();
    const code = codeFor(kit, { code_challenge: verifier, code_challenge_method: 'plain' });
    expect(jsonBody(exchange(kit, { code, code_verifier: verifier })).error).toBe('invalid_grant');
  });

  it('lets a PKCE client without a secret in when the app does not require one', () => {
    const kit = setUp({ requirePkce: true, requireSecretForWebServerFlow: false });
    const verifier = generatePkceVerifier();
    const code = codeFor(kit, { code_challenge: pkceChallenge(verifier) });
    const response = kit.server.handle(
      postForm('/services/oauth2/token', {
        grant_type: 'authorization_code',
        client_id: kit.app.clientId,
        redirect_uri: CALLBACK,
        code,
        code_verifier: verifier,
      }),
    );
    expect(response.status).toBe(200);
  });

  it('requires the secret when the app says so', () => {
    const kit = setUp();
    const response = kit.server.handle(
      postForm('/services/oauth2/token', {
        grant_type: 'authorization_code',
        client_id: kit.app.clientId,
        redirect_uri: CALLBACK,
        code: codeFor(kit),
      }),
    );
    expect(jsonBody(response).error).toBe('invalid_client');
  });

  it('refuses a user deactivated between authorize and token', () => {
    const kit = setUp();
    const code = codeFor(kit);
    kit.directory.update(ADMIN_ID, { isActive: false });
    expect(jsonBody(exchange(kit, { code }))).toEqual({
      error: 'invalid_grant',
      error_description: 'inactive user',
    });
  });
});
