import { AuthError, type CredentialStore } from '@accessledger/core';
import type { OrgDomain } from '../domains.js';
import {
  requestToken,
  sessionFromToken,
  signJwtBearerAssertion,
  type SessionGrant,
  type TokenEndpointOptions,
} from './session.js';

/** Names of the secrets a connection keeps in its credential store. */
export const CredentialNames = {
  clientSecret: 'clientSecret',
  refreshToken: 'refreshToken',
  privateKey: 'privateKey',
} as const;

/** How the connector logs in; secrets are not here but in the credential store. */
export type AuthSettings =
  | { readonly flow: 'jwt-bearer'; readonly clientId: string; readonly username: string }
  | { readonly flow: 'client-credentials'; readonly clientId: string }
  | { readonly flow: 'refresh-token'; readonly clientId: string };

async function requireSecret(credentials: CredentialStore, name: string, fix: string): Promise<string> {
  const value = await credentials.get(name);
  if (!value) throw new AuthError(`The connection has no ${name}: ${fix}`);
  return value;
}

/**
 * The grant for a connection's auth settings. JWT bearer's `aud` is the
 * login host for production, test.salesforce.com for sandboxes, and the My
 * Domain otherwise (Salesforce Help: "OAuth 2.0 JWT Bearer Flow").
 */
export function sessionGrantFor(
  settings: AuthSettings,
  domain: OrgDomain,
  credentials: CredentialStore,
  endpoint: Omit<TokenEndpointOptions, 'loginUrl'> = {},
): SessionGrant {
  const options: TokenEndpointOptions = { ...endpoint, loginUrl: domain.loginUrl };
  switch (settings.flow) {
    case 'jwt-bearer':
      return async (signal) => {
        const privateKeyPem = await requireSecret(
          credentials,
          CredentialNames.privateKey,
          'store the PEM private key whose certificate is uploaded to the connected app.',
        );
        const audience =
          domain.kind === 'custom' || domain.kind === 'production' || domain.kind === 'sandbox'
            ? domain.loginUrl
            : domain.isSandbox
              ? 'https://test.salesforce.com'
              : 'https://login.salesforce.com';
        const assertion = signJwtBearerAssertion({
          clientId: settings.clientId,
          username: settings.username,
          audience,
          privateKeyPem,
        });
        const token = await requestToken(
          options,
          { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
          signal,
        );
        return sessionFromToken(token, domain);
      };
    case 'client-credentials':
      return async (signal) => {
        const clientSecret = await requireSecret(
          credentials,
          CredentialNames.clientSecret,
          "store the connected app's consumer secret.",
        );
        const token = await requestToken(
          options,
          { grant_type: 'client_credentials', client_id: settings.clientId, client_secret: clientSecret },
          signal,
        );
        return sessionFromToken(token, domain);
      };
    case 'refresh-token':
      return async (signal) => {
        const refreshToken = await requireSecret(
          credentials,
          CredentialNames.refreshToken,
          'store one with `accessledger connections add … --secret refreshToken=@file` (the interactive `connect` flow is not built yet).',
        );
        const clientSecret = await credentials.get(CredentialNames.clientSecret);
        const token = await requestToken(
          options,
          {
            grant_type: 'refresh_token',
            refresh_token: refreshToken,
            client_id: settings.clientId,
            ...(clientSecret ? { client_secret: clientSecret } : {}),
          },
          signal,
        );
        // Apps with refresh token rotation hand out a new one: keep it, the old one is spent.
        if (token.refresh_token && token.refresh_token !== refreshToken) {
          await credentials.set(CredentialNames.refreshToken, token.refresh_token);
        }
        return sessionFromToken(token, domain);
      };
  }
}
