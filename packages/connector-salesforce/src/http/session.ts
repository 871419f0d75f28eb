import {
  SingleFlightSessionProvider as KitSingleFlightSessionProvider,
  type SessionGrant as KitSessionGrant,
  type SessionProvider as KitSessionProvider,
} from '@accessledger/connector-kit';
import { AuthError, InvalidInputError } from '@accessledger/core';
import axios, { type AxiosInstance } from 'axios';
import { createSign } from 'node:crypto';
import { assertInstanceUrl, type OrgDomain } from '../domains.js';
import { mapNetworkError, mapOAuthError } from '../errors.js';
import type { components } from '../generated/salesforce.js';

type TokenResponse = components['schemas']['TokenResponse'];
type TokenRequest = components['schemas']['TokenRequest'];

/** What every API call needs: a bearer token and the host that serves the org. */
export interface SalesforceSession {
  readonly accessToken: string;
  /** Taken from every token response: Salesforce may move an org. */
  readonly instanceUrl: string;
  /** The identity URL: `…/id/{orgId}/{userId}`. */
  readonly identityUrl: string;
}

/**
 * Hands out sessions and renews them when Salesforce answers 401
 * INVALID_SESSION_ID. Salesforce sends no `expires_in`: a session ends when a
 * call says so, so renewal is never optional here.
 */
export interface SessionProvider extends KitSessionProvider<SalesforceSession> {
  /** Renews after `stale` was refused; concurrent callers share one renewal. */
  renew(stale: SalesforceSession, signal: AbortSignal): Promise<SalesforceSession>;
}

/** Obtains a fresh session from the token endpoint. */
export type SessionGrant = KitSessionGrant<SalesforceSession>;

/** The kit's single-flight provider (one grant at a time, shared by concurrent callers) for Salesforce sessions. */
export class SingleFlightSessionProvider
  extends KitSingleFlightSessionProvider<SalesforceSession>
  implements SessionProvider {}

export interface TokenEndpointOptions {
  /** Scheme and host of the login domain, e.g. `https://acme.my.salesforce.com`. */
  readonly loginUrl: string;
  readonly http?: AxiosInstance;
  readonly timeoutMs?: number;
}

/**
 * POSTs a form to one of the login host's OAuth endpoints (`token`, `revoke`) and returns the status and
 * body unread; every OAuth request goes through here.
 */
export async function postOAuthForm(
  options: TokenEndpointOptions,
  endpoint: 'token' | 'revoke',
  form: Readonly<Record<string, unknown>>,
  signal: AbortSignal,
): Promise<{ readonly status: number; readonly data: unknown }> {
  const http = options.http ?? axios.create();
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) if (typeof value === 'string') body.set(key, value);
  const url = `${options.loginUrl}/services/oauth2/${endpoint}`;
  const response = await http
    .post<unknown>(url, body.toString(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      validateStatus: () => true,
      // A form here carries a secret (client secret, refresh token, code verifier): never re-send it
      // to wherever a redirect points.
      maxRedirects: 0,
      timeout: options.timeoutMs ?? 30_000,
      signal,
    })
    .catch((error: unknown) => {
      if (signal.aborted || axios.isCancel(error)) throw error;
      throw mapNetworkError(error, {
        url,
        action: endpoint === 'token' ? 'requesting an access token' : 'revoking a token',
      });
    });
  if (response.status >= 300 && response.status < 400) {
    const location: unknown = response.headers['location'];
    throw new AuthError(
      `The ${endpoint} endpoint ${options.loginUrl} answered ${response.status} with a redirect` +
        (typeof location === 'string' ? ` to ${safeOrigin(location, options.loginUrl)}` : '') +
        "; OAuth requests never follow redirects, so nothing was re-sent. Check the connection's domain: use the My Domain login host itself.",
      { httpStatus: response.status },
    );
  }
  return { status: response.status, data: response.data };
}

/** POSTs a grant to `/services/oauth2/token` and maps failures onto core's errors. */
export async function requestToken(
  options: TokenEndpointOptions,
  form: TokenRequest,
  signal: AbortSignal,
): Promise<TokenResponse> {
  const response = await postOAuthForm(options, 'token', form, signal);
  if (response.status !== 200) throw mapOAuthError(response.data, response.status);
  const token = response.data as Partial<TokenResponse>;
  if (
    typeof token.access_token !== 'string' ||
    typeof token.instance_url !== 'string' ||
    typeof token.id !== 'string'
  ) {
    throw new InvalidInputError('The token endpoint answered 200 without access_token, instance_url and id.');
  }
  return token as TokenResponse;
}

/** The session a token response opens; its `instance_url` must pass the host policy of `domain`. */
export function sessionFromToken(token: TokenResponse, domain: OrgDomain): SalesforceSession {
  return {
    accessToken: token.access_token,
    instanceUrl: assertInstanceUrl(token.instance_url, domain),
    identityUrl: token.id,
  };
}

function safeOrigin(location: string, base: string): string {
  try {
    return new URL(location, base).origin;
  } catch {
    return 'an unparsable location';
  }
}

/**
 * A JWT bearer assertion (RS256): `iss` the consumer key, `sub` the username,
 * `aud` the login host, `exp` at most three minutes ahead (Salesforce Help:
 * "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration").
 */
export function signJwtBearerAssertion(input: {
  readonly clientId: string;
  readonly username: string;
  readonly audience: string;
  readonly privateKeyPem: string;
  readonly now?: Date;
}): string {
  const issuedAt = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256' })}.${encode({
    iss: input.clientId,
    sub: input.username,
    aud: input.audience,
    exp: issuedAt + 170,
  })}`;
  let signature: string;
  try {
    signature = createSign('RSA-SHA256').update(unsigned).sign(input.privateKeyPem, 'base64url');
  } catch (error) {
    throw new InvalidInputError(
      'The JWT private key could not sign: provide the RSA private key (PEM) whose certificate is uploaded to the connected app.',
      {},
      { cause: error },
    );
  }
  return `${unsigned}.${signature}`;
}
