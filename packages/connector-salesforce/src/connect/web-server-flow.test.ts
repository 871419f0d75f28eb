import { describe, expect, it } from 'vitest';
import {
  authorizeCallbackError,
  authorizeUrl,
  connectedSessionFrom,
  createPkcePair,
  createState,
  s256Challenge,
} from './web-server-flow.js';

describe('the web server flow with PKCE', () => {
  it('computes the S256 challenge of RFC 7636 Appendix B', () => {
    expect(s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes verifiers of 43 unreserved characters and states that differ every time', () => {
    const pair = createPkcePair();
    expect(pair.verifier).toMatch(/^[A-Za-z0-9\-._~]{43}$/);
    expect(pair.challenge).toBe(s256Challenge(pair.verifier));
    expect(createPkcePair().verifier).not.toBe(pair.verifier);
    expect(createState()).not.toBe(createState());
  });

  it('asks for api and refresh_token with the challenge, the state and the prompt (Salesforce Help "OAuth 2.0 Web Server Flow for Web App Integration")', () => {
    const url = new URL(
      authorizeUrl({
        loginUrl: 'https://acme.my.salesforce.com',
        clientId: '3MVG9abc',
        redirectUri: 'http://127.0.0.1:1717/OauthRedirect',
        state: 'st',
        codeChallenge: 'ch',
        prompt: 'login consent',
      }),
    );
    expect(url.origin + url.pathname).toBe('https://acme.my.salesforce.com/services/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: '3MVG9abc',
      redirect_uri: 'http://127.0.0.1:1717/OauthRedirect',
      scope: 'api refresh_token',
      state: 'st',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
      prompt: 'login consent',
    });
  });

  it('reads org and user from the identity URL and refuses a token response without a refresh token', () => {
    const token = {
      access_token: 'a',
      instance_url: 'https://acme.my.salesforce.com/',
      id: 'https://login.salesforce.com/id/00D5e000000TestEAA/0055e00001AdminAAA',
      token_type: 'Bearer',
      issued_at: '1',
      signature: 's',
      scope: 'api refresh_token',
    };
    expect(() => connectedSessionFrom(token)).toThrow(/issued no refresh token/);
    expect(connectedSessionFrom({ ...token, refresh_token: '5Aep861x' })).toEqual({
      refreshToken: '5Aep861x',
      instanceUrl: 'https://acme.my.salesforce.com',
      identityUrl: token.id,
      orgId: '00D5e000000TestEAA',
      userId: '0055e00001AdminAAA',
      scopes: ['api', 'refresh_token'],
    });
  });

  it('says what a denied or refused authorization means (Salesforce Help "OAuth 2.0 Authorization Errors")', () => {
    const denied = authorizeCallbackError('access_denied', 'end-user denied authorization');
    expect(denied.code).toBe('AUTH_FAILED');
    expect(denied.message).toContain('Nothing was stored; run the command again and click Allow.');
    expect(authorizeCallbackError('invalid_scope', null).message).toContain(
      'Manage user data via APIs (api)',
    );
  });
});
