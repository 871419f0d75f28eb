import { AuthError, isAccessLedgerError, type CredentialStore } from '@accessledger/core';
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
  grantOptions: Omit<TokenEndpointOptions, 'loginUrl'> & {
    /** The connection, named in the message that asks a person to log in again. */
    readonly connectionName?: string;
  } = {},
): SessionGrant {
  const { connectionName = '<connection>', ...endpoint } = grantOptions;
  const options: TokenEndpointOptions = { ...endpoint, loginUrl: domain.loginUrl };
  const connectAgain = `run \`accessledger connect ${connectionName}\` again`;
  switch (settings.flow) {
    case 'jwt-bearer':
      return async (signal) => {
        const privateKeyPem = await requireSecret(
          credentials,
          CredentialNames.privateKey,
          `store the PEM private key whose certificate is uploaded to the connected app: \`accessledger connections update ${connectionName} --secret privateKey=@server.key\`.`,
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
          `store the connected app's Consumer Secret: \`accessledger connections update ${connectionName} --secret clientSecret=env:SF_CLIENT_SECRET\`.`,
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
          `${connectAgain} to log in and store one.`,
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
        ).catch((error: unknown) => {
          // invalid_grant on a refresh grant: the token was revoked, expired under the app's refresh token
          // policy, or spent by rotation (Salesforce Help "OAuth 2.0 Refresh Token Flow for Renewed Sessions").
          if (isAccessLedgerError(error) && error.details.upstreamCode === 'invalid_grant') {
            throw new AuthError(
              `Salesforce no longer accepts the stored refresh token (invalid_grant): it was revoked or has expired; ${connectAgain}.`,
              error.details,
              { cause: error },
            );
          }
          throw error;
        });
        // Apps with refresh token rotation hand out a new one: keep it, the old one is spent.
        if (token.refresh_token && token.refresh_token !== refreshToken) {
          await credentials.set(CredentialNames.refreshToken, token.refresh_token);
        }
        return sessionFromToken(token, domain);
      };
  }
}
