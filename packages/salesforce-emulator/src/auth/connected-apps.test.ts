import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConnectedAppRegistry } from './connected-apps.js';
import { OAuthServer } from './oauth-server.js';
import { FakeDirectory, FIXTURE_CERTIFICATE_PEM, getRequest, newServer, ORG_ID } from './test-kit.js';

describe('ConnectedAppRegistry', () => {
  it('applies Salesforce defaults and generates consumer key and secret', () => {
    const registry = new ConnectedAppRegistry();
    const app = registry.register({ name: 'plain' });
    expect(app.clientId).toMatch(/^3MVG9/);
    expect(app.clientSecret).toMatch(/^[0-9A-F]{64}$/);
    expect(app).toMatchObject({
      scopes: ['api', 'refresh_token'],
      requirePkce: false,
      requireSecretForWebServerFlow: true,
      requireSecretForRefreshTokenFlow: true,
      refreshTokenPolicy: { kind: 'valid-until-revoked' },
      rotateRefreshTokens: false,
    });
    expect(registry.get(app.clientId)).toBe(app);
    expect(registry.list()).toEqual([app]);
  });

  it('registers a fresh RSA key pair whose public half is the certificate', () => {
    const registry = new ConnectedAppRegistry();
    const { app, privateKeyPem, publicKeyPem } = registry.registerWithKeyPair({ name: 'jwt' });
    expect(app.certificate).toBe(publicKeyPem);
    const derived = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' });
    expect(derived).toBe(publicKeyPem);
  });

  it('accepts a PEM certificate', () => {
    const registry = new ConnectedAppRegistry();
    const app = registry.register({ name: 'cert', certificate: FIXTURE_CERTIFICATE_PEM });
    expect(registry.signingKeyOf(app.clientId)?.asymmetricKeyType).toBe('rsa');
  });

  it('explains what is wrong with a bad registration', () => {
    const registry = new ConnectedAppRegistry();
    registry.register({ name: 'first', clientId: '3MVG9taken' });
    expect(() => registry.register({ name: 'second', clientId: '3MVG9taken' })).toThrow(/already registered/);
    expect(() => registry.register({ name: 'bad-cert', certificate: 'not a pem' })).toThrow(
      /neither a PEM X.509 certificate nor a PEM public key/,
    );
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => registry.register({ name: 'ec', certificate: ecKey.toString() })).toThrow(
      /register an RSA key/,
    );
    expect(() => registry.register({ name: 'relative', callbackUrls: ['/callback'] })).toThrow(
      /not an absolute URL/,
    );
    expect(() =>
      registry.register({ name: 'policy', refreshTokenPolicy: { kind: 'expire-after', afterMs: 0 } }),
    ).toThrow(/afterMs > 0/);
  });
});

describe('OAuthServer', () => {
  it('routes only its own paths', () => {
    expect(OAuthServer.handles('/services/oauth2/token')).toBe(true);
    expect(OAuthServer.handles(`/id/${ORG_ID}/005`)).toBe(true);
    expect(OAuthServer.handles('/services/data/v63.0/query')).toBe(false);
    const { server } = newServer();
    expect(server.handle(getRequest('/services/oauth2/nothing-here')).status).toBe(404);
  });

  it('explains bad options', () => {
    const directory = new FakeDirectory();
    expect(() => new OAuthServer({ directory, orgId: '00D123', defaultUsername: 'a@b.c' })).toThrow(
      /18-character/,
    );
    expect(
      () => new OAuthServer({ directory, orgId: ORG_ID, defaultUsername: 'a@b.c', sessionTimeoutMs: 0 }),
    ).toThrow(/positive/);
    const { server } = newServer();
    expect(() => server.setInstanceUrl('https://acme.my.salesforce.com/')).toThrow(/trailing slash/);
  });
});
