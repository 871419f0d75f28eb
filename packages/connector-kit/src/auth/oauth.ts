import {
  AuthError,
  InvalidInputError,
  PermissionError,
  RateLimitedError,
  TransientError,
  type AccessLedgerError,
  type ErrorDetails,
} from '@accessledger/core';
import axios, { type AxiosInstance } from 'axios';
import { raceAbort } from './session.js';
import { retryAfterMs } from '../http/retry.js';

/**
 * How the client proves who it is at the token endpoint (RFC 6749 §2.3.1):
 * HTTP Basic, which every authorization server must accept, or the
 * credentials in the form body, which some (Salesforce) expect instead.
 */
export type ClientAuthentication = 'basic' | 'body';

export interface TokenRequestOptions {
  readonly tokenUrl: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly clientAuthentication?: ClientAuthentication;
  readonly http?: AxiosInstance;
  readonly timeoutMs?: number;
  /** The service's own error mapping; default `mapOAuthError` (RFC 6749 §5.2 codes). */
  readonly mapError?: (body: unknown, httpStatus: number, headers: Record<string, unknown>) => Error;
  /** For messages: `Salesforce's token endpoint`. Default `the token endpoint at <url>`. */
  readonly service?: string;
}

/**
 * POSTs a grant (form-encoded) to a token endpoint and returns its JSON
 * answer; failures become core's errors. Redirects are not followed: the
 * client secret goes to the configured URL and nowhere else.
 */
export async function requestToken(
  options: TokenRequestOptions,
  form: Readonly<Record<string, string | undefined>>,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const http = options.http ?? axios.create();
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) if (typeof value === 'string') body.set(key, value);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (options.clientId !== undefined) {
    if ((options.clientAuthentication ?? 'basic') === 'basic') {
      // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
      const pair = `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret ?? '')}`;
      headers['authorization'] = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      body.set('client_id', options.clientId);
      if (options.clientSecret !== undefined) body.set('client_secret', options.clientSecret);
    }
  }
  const service = options.service ?? `the token endpoint at ${options.tokenUrl}`;
  let response;
  try {
    response = await raceAbort(
      http.post<unknown>(options.tokenUrl, body.toString(), {
        headers,
        validateStatus: () => true,
        maxRedirects: 0,
        timeout: options.timeoutMs ?? 30_000,
        signal,
      }),
      signal,
    );
  } catch (error) {
    if (!axios.isAxiosError(error)) throw error;
    throw new TransientError(`${service} could not be reached: ${error.code ?? error.message}.`, {
      ...(error.code ? { upstreamCode: error.code } : {}),
    });
  }
  const responseHeaders = response.headers as Record<string, unknown>;
  if (response.status !== 200) {
    throw (options.mapError ?? defaultMapper(service))(response.data, response.status, responseHeaders);
  }
  if (!response.data || typeof response.data !== 'object' || Array.isArray(response.data)) {
    throw new InvalidInputError(`${service} answered 200 without a JSON object.`);
  }
  return response.data as Record<string, unknown>;
}

function defaultMapper(service: string) {
  return (body: unknown, httpStatus: number, headers: Record<string, unknown>): AccessLedgerError =>
    mapOAuthError(body, httpStatus, service, retryAfterMs(headers['retry-after']));
}

/** Maps an RFC 6749 §5.2 error answer (`{error, error_description}`) onto core's vocabulary. */
export function mapOAuthError(
  body: unknown,
  httpStatus: number,
  service = 'The token endpoint',
  retryAfter: number | null = null,
): AccessLedgerError {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const error = typeof record['error'] === 'string' ? record['error'] : `http_${httpStatus}`;
  const description = typeof record['error_description'] === 'string' ? record['error_description'] : '';
  const details: ErrorDetails = { upstreamCode: error, httpStatus };
  const said = description ? `${error} (${description})` : error;
  if (httpStatus === 429)
    return new RateLimitedError(`${service} rate-limited the login: ${said}.`, retryAfter, details);
  if (httpStatus >= 500) return new TransientError(`${service} failed: ${said}`, details);
  switch (error) {
    case 'invalid_client':
      return new AuthError(
        `${service} rejected the client: ${said}. Check the client id and secret.`,
        details,
      );
    case 'invalid_grant':
      return new AuthError(`${service} rejected the grant: ${said}. Check the credentials.`, details);
    case 'unauthorized_client':
    case 'invalid_scope':
      return new PermissionError(
        `${service} refused: ${said}. Allow the grant type or scope for the client.`,
        details,
      );
    default:
      return new AuthError(`${service} refused the request: ${said}.`, details);
  }
}

/** An OAuth 2.0 access token from a token response (RFC 6749 §5.1). */
export interface OAuthAccessToken {
  readonly accessToken: string;
  readonly tokenType: string;
  /** Epoch milliseconds, when the answer had `expires_in`. */
  readonly expiresAt: number | null;
}

export function accessTokenFrom(
  token: Record<string, unknown>,
  service: string,
  now: number = Date.now(),
): OAuthAccessToken {
  const accessToken = token['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new InvalidInputError(`${service} answered 200 without an access_token.`);
  }
  const expiresIn = Number(token['expires_in']);
  return {
    accessToken,
    tokenType: typeof token['token_type'] === 'string' ? token['token_type'] : 'Bearer',
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? now + expiresIn * 1000 : null,
  };
}

/**
 * The client credentials grant (RFC 6749 §4.4): one token request, no user.
 *
 * @example
 * ```ts
 * const sessions = new SingleFlightSessionProvider(
 *   (signal) => clientCredentialsGrant({ tokenUrl, clientId, clientSecret }, signal),
 *   { expiresAt: (token) => token.expiresAt },
 * );
 * ```
 */
export async function clientCredentialsGrant(
  options: TokenRequestOptions & { readonly scope?: string },
  signal: AbortSignal,
): Promise<OAuthAccessToken> {
  const token = await requestToken(
    options,
    { grant_type: 'client_credentials', ...(options.scope ? { scope: options.scope } : {}) },
    signal,
  );
  return accessTokenFrom(token, options.service ?? `the token endpoint at ${options.tokenUrl}`);
}
