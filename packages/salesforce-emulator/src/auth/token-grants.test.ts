import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signJwtAssertion } from './testing.js';
import {
  ADMIN_ID,
  BASE_URL,
  CALLBACK,
  FIXTURE_CERTIFICATE_PEM,
  FIXTURE_PRIVATE_KEY_PEM,
  INTEGRATION_ID,
  newServer,
  ORG_ID,
  getRequest,
  jsonBody,
  postForm,
  redirectParameters,
  stringField,
} from './test-kit.js';
import type { ConnectedAppDefinition } from './types.js';

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

// One key pair for the file: RSA generation is the slow part of these tests.
const APP_KEYS = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const OTHER_PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

function setUp(definition: Partial<ConnectedAppDefinition> = {}) {
  const kit = newServer();
  const app = kit.server.apps.register({
    name: 'accessledger',
    callbackUrls: [CALLBACK],
    certificate: APP_KEYS.publicKey,
    ...definition,
  });
  return { ...kit, app, privateKeyPem: APP_KEYS.privateKey };
}

function webServerTokens(kit: ReturnType<typeof setUp>): { accessToken: string; refreshToken: string } {
  const query = { response_type: 'code', client_id: kit.app.clientId, redirect_uri: CALLBACK };
  const code =
    redirectParameters(kit.server.handle(getRequest('/services/oauth2/authorize', query))).get('code') ?? '';
  const response = kit.server.handle(
    postForm('/services/oauth2/token', {
      grant_type: 'authorization_code',
      code,
      client_id: kit.app.clientId,
      client_secret: kit.app.clientSecret,
      redirect_uri: CALLBACK,
    }),
  );
  return {
    accessToken: stringField(response, 'access_token'),
    refreshToken: stringField(response, 'refresh_token'),
  };
}

describe('token endpoint', () => {
  it('answers a JSON body with unsupported_grant_type, as Salesforce does', () => {
    const { server, app } = setUp();
    const response = server.handle({
      ...postForm('/services/oauth2/token', {}),
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ grant_type: 'client_credentials', client_id: app.clientId })),
    });
    expect(response.status).toBe(400);
    expect(jsonBody(response)).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'grant type not supported',
    });
  });

  it('answers an unknown grant_type with unsupported_grant_type', () => {
    const { server } = setUp();
    expect(
      jsonBody(server.handle(postForm('/services/oauth2/token', { grant_type: 'password' }))).error,
    ).toBe('unsupported_grant_type');
  });

  it('requires POST', () => {
    const { server } = setUp();
    expect(
      jsonBody(server.handle(getRequest('/services/oauth2/token', { grant_type: 'refresh_token' }))),
    ).toEqual({
      error: 'invalid_request',
      error_description: 'must use HTTP POST',
    });
  });
});

describe('refresh_token grant', () => {
  function refresh(kit: ReturnType<typeof setUp>, refreshToken: string, form: Record<string, string> = {}) {
    return kit.server.handle(
      postForm('/services/oauth2/token', {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: kit.app.clientId,
        client_secret: kit.app.clientSecret,
        ...form,
      }),
    );
  }

  it('returns a new, working access token and no new refresh token', () => {
    const kit = setUp();
    const { accessToken, refreshToken } = webServerTokens(kit);
    const response = refresh(kit, refreshToken);
    expect(response.status).toBe(200);
    const body = jsonBody(response);
    expect(body.refresh_token).toBeUndefined();
    expect(body.expires_in).toBeUndefined();
    expect(typeof body.signature).toBe('string');
    expect(body.access_token).not.toBe(accessToken);
    expect(kit.server.authenticate(`Bearer ${String(body.access_token)}`).ok).toBe(true);
  });

  it('answers an unknown or revoked refresh token with "expired access/refresh token"', () => {
    const kit = setUp();
    const { refreshToken } = webServerTokens(kit);
    expect(jsonBody(refresh(kit, '5Aep861unknown'))).toEqual({
      error: 'invalid_grant',
      error_description: 'expired access/refresh token',
    });
    expect(kit.server.handle(postForm('/services/oauth2/revoke', { token: refreshToken })).status).toBe(200);
    expect(jsonBody(refresh(kit, refreshToken)).error_description).toBe('expired access/refresh token');
  });

  it('rotates refresh tokens when the app enables rotation', () => {
    const kit = setUp({ rotateRefreshTokens: true });
    const { refreshToken } = webServerTokens(kit);
    const rotated = stringField(refresh(kit, refreshToken), 'refresh_token');
    expect(rotated).not.toBe(refreshToken);
    expect(jsonBody(refresh(kit, refreshToken)).error).toBe('invalid_grant');
    expect(refresh(kit, rotated).status).toBe(200);
  });

  it('applies the refresh token policy "expire if not used for"', () => {
    const kit = setUp({ refreshTokenPolicy: { kind: 'expire-if-unused', afterMs: 60_000 } });
    const { refreshToken } = webServerTokens(kit);
    kit.clock.advance(59_000);
    expect(refresh(kit, refreshToken).status).toBe(200);
    kit.clock.advance(60_000);
    expect(jsonBody(refresh(kit, refreshToken)).error).toBe('invalid_grant');
  });

  it('refuses the token of another app and a wrong secret', () => {
    const kit = setUp();
    const { refreshToken } = webServerTokens(kit);
    const other = kit.server.apps.register({ name: 'other', callbackUrls: [CALLBACK] });
    expect(
      jsonBody(refresh(kit, refreshToken, { client_id: other.clientId, client_secret: other.clientSecret }))
        .error,
    ).toBe('invalid_grant');
    expect(jsonBody(refresh(kit, refreshToken, { client_secret: 'WRONG' })).error).toBe('invalid_client');
  });

  it('refuses a frozen user', () => {
    const kit = setUp();
    const { refreshToken } = webServerTokens(kit);
    kit.directory.update(ADMIN_ID, { isFrozen: true });
    expect(jsonBody(refresh(kit, refreshToken)).error).toBe('invalid_grant');
  });
});

describe('JWT bearer grant', () => {
  function jwtToken(kit: ReturnType<typeof setUp>, assertion: string, baseUrl = BASE_URL) {
    return kit.server.handle(
      postForm('/services/oauth2/token', { grant_type: JWT_GRANT, assertion }, { baseUrl }),
    );
  }
  function assertionFor(
    kit: ReturnType<typeof setUp>,
    overrides: Partial<Parameters<typeof signJwtAssertion>[0]> = {},
  ) {
    return signJwtAssertion({
      clientId: kit.app.clientId,
      username: 'integration@acme.example',
      audience: 'https://login.salesforce.com',
      privateKey: kit.privateKeyPem,
      now: kit.clock.now(),
      ...overrides,
    });
  }

  it('issues an access token without refresh token, signature or issued_at', () => {
    const kit = setUp();
    const response = jwtToken(kit, assertionFor(kit));
    expect(response.status).toBe(200);
    const body = jsonBody(response);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'id', 'instance_url', 'scope', 'token_type']);
    expect(body.id).toBe(`${BASE_URL}/id/${ORG_ID}/${INTEGRATION_ID}`);
    expect(kit.server.authenticate(`Bearer ${String(body.access_token)}`).ok).toBe(true);
  });

  it('accepts test.salesforce.com and the emulator base URL as audiences', () => {
    const kit = setUp();
    expect(jwtToken(kit, assertionFor(kit, { audience: 'https://test.salesforce.com' })).status).toBe(200);
    expect(jwtToken(kit, assertionFor(kit, { audience: BASE_URL })).status).toBe(200);
  });

  it('verifies against a registered X.509 certificate', () => {
    const kit = setUp();
    const certified = kit.server.apps.register({ name: 'certified', certificate: FIXTURE_CERTIFICATE_PEM });
    const assertion = assertionFor(kit, {
      clientId: certified.clientId,
      privateKey: FIXTURE_PRIVATE_KEY_PEM,
    });
    expect(jwtToken(kit, assertion).status).toBe(200);
  });

  it('rejects an assertion signed with another key', () => {
    const kit = setUp();
    expect(jsonBody(jwtToken(kit, assertionFor(kit, { privateKey: OTHER_PRIVATE_KEY })))).toEqual({
      error: 'invalid_grant',
      error_description: 'invalid assertion',
    });
  });

  it('rejects a tampered payload and a malformed assertion', () => {
    const kit = setUp();
    const [header, , signature] = assertionFor(kit).split('.');
    const forged = Buffer.from(
      JSON.stringify({
        iss: kit.app.clientId,
        sub: 'admin@acme.example',
        aud: 'https://login.salesforce.com',
        exp: 9e9,
      }),
    ).toString('base64url');
    expect(jsonBody(jwtToken(kit, `${header}.${forged}.${signature}`)).error_description).toBe(
      'invalid assertion',
    );
    expect(jsonBody(jwtToken(kit, 'not-a-jwt')).error_description).toBe('invalid assertion');
  });

  it('rejects a wrong audience', () => {
    const kit = setUp();
    expect(jsonBody(jwtToken(kit, assertionFor(kit, { audience: 'https://login.example.com' })))).toEqual({
      error: 'invalid_grant',
      error_description: 'Audience validation failed',
    });
  });

  it('rejects an expired assertion and one valid for longer than 3 minutes', () => {
    const kit = setUp();
    const nowSeconds = Math.floor(kit.clock.now() / 1000);
    expect(jsonBody(jwtToken(kit, assertionFor(kit, { expiresAt: nowSeconds - 1 })))).toEqual({
      error: 'invalid_grant',
      error_description: 'expired authorization code',
    });
    expect(jsonBody(jwtToken(kit, assertionFor(kit, { expiresAt: nowSeconds + 600 }))).error).toBe(
      'invalid_grant',
    );
  });

  it('rejects an unknown subject, an inactive subject and an unknown issuer', () => {
    const kit = setUp();
    expect(jsonBody(jwtToken(kit, assertionFor(kit, { username: 'ghost@acme.example' })))).toEqual({
      error: 'invalid_grant',
      error_description: "user hasn't approved this consumer",
    });
    kit.directory.update(INTEGRATION_ID, { isActive: false });
    expect(jsonBody(jwtToken(kit, assertionFor(kit))).error_description).toBe('inactive user');
    expect(jsonBody(jwtToken(kit, assertionFor(kit, { clientId: '3MVG9nobody' })))).toEqual({
      error: 'invalid_client_id',
      error_description: 'client identifier invalid',
    });
  });

  it('reads prn before sub', () => {
    const kit = setUp();
    const response = jwtToken(
      kit,
      assertionFor(kit, { username: 'ghost@acme.example', extraClaims: { prn: 'admin@acme.example' } }),
    );
    expect(stringField(response, 'id')).toBe(`${BASE_URL}/id/${ORG_ID}/${ADMIN_ID}`);
  });
});

describe('client_credentials grant', () => {
  function clientCredentials(kit: ReturnType<typeof setUp>, baseUrl = 'https://acme.my.salesforce.com') {
    return kit.server.handle(
      postForm(
        '/services/oauth2/token',
        {
          grant_type: 'client_credentials',
          client_id: kit.app.clientId,
          client_secret: kit.app.clientSecret,
        },
        { baseUrl },
      ),
    );
  }

  it('acts as the run-as user, drops refresh_token from the scopes and issues no refresh token', () => {
    const kit = setUp({
      clientCredentialsRunAsUsername: 'integration@acme.example',
      scopes: ['api', 'refresh_token'],
    });
    const body = jsonBody(clientCredentials(kit));
    expect(body.id).toBe(`https://acme.my.salesforce.com/id/${ORG_ID}/${INTEGRATION_ID}`);
    expect(body.scope).toBe('api');
    expect(body.refresh_token).toBeUndefined();
    expect(typeof body.signature).toBe('string');
  });

  it('is refused without a run-as user', () => {
    const kit = setUp();
    expect(jsonBody(clientCredentials(kit))).toEqual({
      error: 'invalid_grant',
      error_description: 'no client credentials user enabled',
    });
  });

  it('is refused on the shared login hosts', () => {
    const kit = setUp({ clientCredentialsRunAsUsername: 'integration@acme.example' });
    expect(jsonBody(clientCredentials(kit, 'https://login.salesforce.com'))).toEqual({
      error: 'invalid_grant',
      error_description: 'request not supported on this domain',
    });
  });

  it('requires the client secret', () => {
    const kit = setUp({ clientCredentialsRunAsUsername: 'integration@acme.example' });
    const response = kit.server.handle(
      postForm('/services/oauth2/token', { grant_type: 'client_credentials', client_id: kit.app.clientId }),
    );
    expect(jsonBody(response).error).toBe('invalid_client');
  });
});
