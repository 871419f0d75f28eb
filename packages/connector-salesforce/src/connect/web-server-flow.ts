import { AuthError, InvalidInputError } from '@accessledger/core';
import axios, { type AxiosInstance } from 'axios';
import { createHash, randomBytes } from 'node:crypto';
import { requestToken, type TokenEndpointOptions } from '../http/session.js';
import type { components } from '../generated/salesforce.js';

type TokenResponse = components['schemas']['TokenResponse'];

/**
 * The scopes `connect` asks for, and no more: `api` for the REST and SCIM calls the connector makes,
 * `refresh_token` so that syncs keep working after the session ends.
 */
export const CONNECT_SCOPES: readonly string[] = ['api', 'refresh_token'];

/** A PKCE verifier and its S256 challenge (RFC 7636 §4.1–4.2). */
export interface PkcePair {
  readonly verifier: string;
  readonly challenge: string;
}

/** 32 random bytes, base64url: a 43-character verifier, the shortest RFC 7636 allows and enough entropy. */
export function createPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256Challenge(verifier) };
}

/** BASE64URL(SHA256(ASCII(verifier))), unpadded (RFC 7636 §4.2, `S256`). */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** An unguessable `state` that ties the callback to this login (RFC 6749 §10.12). */
export function createState(): string {
  return randomBytes(24).toString('base64url');
}

export interface AuthorizeUrlInput {
  /** Scheme and host of the login domain, e.g. `https://login.salesforce.com`. */
  readonly loginUrl: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly codeChallenge: string;
  readonly scopes?: readonly string[];
  /** `login`: ask for the password even when the browser is logged in; `consent`: show the scopes again. */
  readonly prompt?: string;
}

/**
 * The authorize URL of the web server flow with PKCE (Salesforce Help "OAuth 2.0 Web Server Flow for
 * Web App Integration": response_type=code, client_id, redirect_uri, scope, state, code_challenge).
 */
export function authorizeUrl(input: AuthorizeUrlInput): string {
  const url = new URL(`${input.loginUrl}/services/oauth2/authorize`);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('scope', (input.scopes ?? CONNECT_SCOPES).join(' '));
  url.searchParams.set('state', input.state);
  url.searchParams.set('code_challenge', input.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  if (input.prompt !== undefined) url.searchParams.set('prompt', input.prompt);
  return url.toString();
}

/**
 * Asks the authorize endpoint about the URL before a person sees it: Salesforce shows an unknown
 * client or an unregistered callback in the browser (it never redirects those to the callback), so
 * the command would wait for a callback that cannot come. Redirects are not followed; nothing secret
 * is in the request.
 */
export async function checkAuthorizeUrl(
  url: string,
  signal: AbortSignal,
  http?: AxiosInstance,
): Promise<void> {
  const response = await (http ?? axios.create()).get<unknown>(url, {
    maxRedirects: 0,
    validateStatus: () => true,
    timeout: 30_000,
    responseType: 'text',
    signal,
  });
  const location = typeof response.headers['location'] === 'string' ? response.headers['location'] : '';
  const said = `${location} ${typeof response.data === 'string' ? response.data : ''}`;
  const redirectUri = new URL(url).searchParams.get('redirect_uri') ?? '';
  if (said.includes('redirect_uri_mismatch')) {
    throw new InvalidInputError(
      `The connected app does not list ${redirectUri} as a callback URL (redirect_uri_mismatch). Add it in Setup > App Manager > the app > Edit > Callback URL (or run with --port to match one it lists), wait a few minutes for the change to apply, and run the command again.`,
      { upstreamCode: 'redirect_uri_mismatch' },
    );
  }
  if (said.includes('invalid_client_id')) {
    throw new InvalidInputError(
      'Salesforce does not know this client id (invalid_client_id): copy the Consumer Key from Setup > App Manager > the app > View, and check that --domain is the org the app lives in.',
      { upstreamCode: 'invalid_client_id' },
    );
  }
}

/** What a successful login leaves: the long-lived token and who it is for. */
export interface ConnectedSession {
  readonly refreshToken: string;
  /** From the token response: the host that serves the org's API. */
  readonly instanceUrl: string;
  /** From the token response: `…/id/{orgId}/{userId}`. */
  readonly identityUrl: string;
  readonly orgId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
}

/** Reads a token response of a login; refuses one without a refresh token (the app lacks the scope). */
export function connectedSessionFrom(token: TokenResponse): ConnectedSession {
  if (typeof token.refresh_token !== 'string' || token.refresh_token === '') {
    throw new AuthError(
      'Salesforce issued no refresh token: add "Perform requests at any time (refresh_token, offline_access)" to the connected app\'s Selected OAuth Scopes (Setup > App Manager > the app > Edit), then connect again.',
    );
  }
  const [, orgId = '', userId = ''] = /\/id\/([^/]+)\/([^/?#]+)/.exec(token.id) ?? [];
  return {
    refreshToken: token.refresh_token,
    instanceUrl: token.instance_url.replace(/\/+$/, ''),
    identityUrl: token.id,
    orgId,
    userId,
    scopes: (token.scope ?? '').split(' ').filter((scope) => scope !== ''),
  };
}

export interface CodeExchange {
  readonly code: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
  readonly clientId: string;
  /** Only when the connected app has "Require Secret for Web Server Flow". */
  readonly clientSecret?: string;
}

/** Exchanges the callback's code (with the PKCE verifier) for tokens at the login host's token endpoint. */
export async function exchangeAuthorizationCode(
  endpoint: TokenEndpointOptions,
  exchange: CodeExchange,
  signal: AbortSignal,
): Promise<ConnectedSession> {
  const token = await requestToken(
    endpoint,
    {
      grant_type: 'authorization_code',
      code: exchange.code,
      code_verifier: exchange.codeVerifier,
      redirect_uri: exchange.redirectUri,
      client_id: exchange.clientId,
      ...(exchange.clientSecret !== undefined ? { client_secret: exchange.clientSecret } : {}),
    },
    signal,
  ).catch((error: unknown) => {
    if (error instanceof AuthError && error.details.upstreamCode === 'invalid_client') {
      throw new AuthError(
        'Salesforce refused the client secret (invalid_client). The connected app requires its Consumer Secret for the web server flow: pass --secret clientSecret=env:VARIABLE with the right one, or turn off "Require Secret for Web Server Flow" (PKCE protects the code instead).',
        error.details,
        { cause: error },
      );
    }
    throw error;
  });
  return connectedSessionFrom(token);
}

/**
 * The message for an `error` the authorize endpoint sent to the callback (Salesforce Help "OAuth 2.0
 * Authorization Errors"). Nothing has been stored when this is shown.
 */
export function authorizeCallbackError(error: string, description: string | null): AuthError {
  const said = description ? `${error}: ${description}` : error;
  switch (error) {
    case 'access_denied':
      return new AuthError(
        `Access was denied in the browser (${said}). Nothing was stored; run the command again and click Allow.`,
        { upstreamCode: error },
      );
    case 'invalid_scope':
      return new AuthError(
        `The connected app does not allow the scopes accessledger asks for (${said}): add "Manage user data via APIs (api)" and "Perform requests at any time (refresh_token, offline_access)" to its Selected OAuth Scopes.`,
        { upstreamCode: error },
      );
    case 'invalid_request':
      return new AuthError(
        `Salesforce refused the login request (${said}). If it names a code challenge, the app requires PKCE, which accessledger sends: check the client id.`,
        { upstreamCode: error },
      );
    default:
      return new AuthError(`Salesforce did not authorize the connection (${said}). Nothing was stored.`, {
        upstreamCode: error,
      });
  }
}
