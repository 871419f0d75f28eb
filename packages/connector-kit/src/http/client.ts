import {
  AbortedError,
  AuthError,
  InvalidInputError,
  throwIfAborted,
  TransientError,
  type AccessLedgerError,
  type Logger,
} from '@accessledger/core';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import axiosRetry from 'axios-retry';
import type { SessionProvider } from '../auth/session.js';
import { mapHttpStatus } from './errors.js';
import {
  defaultRetryPolicy,
  retryAfterMs,
  retryDelayMs,
  shouldRetry,
  type HttpFailure,
  type RetryableResponse,
  type RetryPolicy,
} from './retry.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  readonly method: HttpMethod;
  /** Relative to the session's base URL (`Users/42`), or an absolute path or URL on its origin. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Safe to send twice even though the method is POST. */
  readonly idempotent?: boolean;
  /** What the call does, for error messages and logs: `listing Users`. */
  readonly action: string;
}

/** Where and how one session's requests go. */
export interface Authorization {
  /** e.g. `https://acme.example.com/scim/v2`; the only origin the session's credentials are sent to. */
  readonly baseUrl: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The parts of a client that differ per application; each has a generic default. */
export interface HttpClientHooks {
  /** A refusal that means the session expired and is worth one renewal (default: status 401). */
  readonly isSessionExpired?: (failure: HttpFailure) => boolean;
  /** Answers worth another try besides network errors, 5xx and 429 (Salesforce: UNABLE_TO_LOCK_ROW). */
  readonly isRetryable?: RetryableResponse;
  /** Sees every answer's headers, success or failure (Salesforce: `Sforce-Limit-Info`). */
  readonly onResponse?: (headers: Readonly<Record<string, unknown>>) => void;
  /** Runs before every request; throw to refuse it (Salesforce: the API budget floor). */
  readonly beforeRequest?: (request: HttpRequest) => void;
  /** Maps a failed answer; default `mapHttpStatus`. Return undefined to fall back to it. */
  readonly mapError?: (
    failure: HttpFailure,
    request: HttpRequest,
    retryAfterMs: number | null,
  ) => AccessLedgerError | undefined;
}

export interface HttpClientOptions<S> {
  /** Who answers, for messages: `Salesforce`, `the SCIM service`. */
  readonly service: string;
  readonly sessions: SessionProvider<S>;
  readonly authorize: (session: S) => Authorization;
  readonly logger: Logger;
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
  readonly hooks?: HttpClientHooks;
  /** Content type of request bodies (default `application/json`; SCIM: `application/scim+json`). */
  readonly contentType?: string;
}

/**
 * One axios instance with retries (axios-retry: full-jitter backoff,
 * Retry-After, 429, no replay of a call that may have been applied), one
 * session renewal on an expired-session refusal (single flight in the
 * provider), abort → `AbortedError`, every request counted, and failures
 * mapped onto core's errors.
 *
 * @example
 * ```ts
 * const client = new HttpClient({
 *   service: 'Example',
 *   sessions: new SingleFlightSessionProvider(grant),
 *   authorize: (token) => ({ baseUrl: 'https://api.example.com/v1', headers: { authorization: `Bearer ${token.accessToken}` } }),
 *   logger: ctx.logger,
 * });
 * const users = await client.request<User[]>({ method: 'GET', path: 'users', action: 'listing users' }, ctx.signal);
 * ```
 */
export class HttpClient<S> {
  private readonly http: AxiosInstance;
  private requestsSent = 0;

  constructor(private readonly options: HttpClientOptions<S>) {
    this.http = axios.create({
      timeout: options.timeoutMs ?? 120_000,
      validateStatus: (status) => status >= 200 && status < 300,
      // A redirect would carry the credentials to a host nobody configured.
      maxRedirects: 0,
    });
    // Counted in an interceptor so that the retries axios-retry sends are counted too.
    this.http.interceptors.request.use((config) => {
      this.requestsSent += 1;
      return config;
    });
    const policy = options.retry ?? defaultRetryPolicy;
    axiosRetry(this.http, {
      retries: policy.retries,
      retryCondition: (error) => shouldRetry(error, policy, options.hooks?.isRetryable),
      retryDelay: (retryNumber, error) => retryDelayMs(policy, retryNumber, error),
      shouldResetTimeout: true,
      onRetry: (retryNumber, error, config) => {
        options.logger.warn(
          {
            retryNumber,
            method: config.method,
            url: config.url,
            status: error.response?.status,
            code: error.code,
          },
          `retrying a call to ${options.service}`,
        );
      },
    });
  }

  /** HTTP requests this client sent, retries and renewals' replays included. */
  get requests(): number {
    return this.requestsSent;
  }

  async request<T>(request: HttpRequest, signal: AbortSignal): Promise<AxiosResponse<T>> {
    throwIfAborted(signal);
    this.options.hooks?.beforeRequest?.(request);
    const session = await this.options.sessions.current(signal);
    let refused: unknown;
    try {
      return await this.send<T>(session, request, signal);
    } catch (error) {
      if (!this.canRenew(error)) throw this.translate(error, request, signal);
      refused = error;
    }
    const renew = this.options.sessions.renew;
    if (!renew) throw this.translate(refused, request, signal);
    const renewed = await renew.call(this.options.sessions, session, signal);
    try {
      return await this.send<T>(renewed, request, signal);
    } catch (error) {
      throw this.translate(error, request, signal);
    }
  }

  /** The absolute URL a request goes to; refuses one outside the session's origin. */
  resolve(authorization: Authorization, request: Pick<HttpRequest, 'path' | 'query' | 'action'>): URL {
    const base = new URL(
      authorization.baseUrl.endsWith('/') ? authorization.baseUrl : `${authorization.baseUrl}/`,
    );
    const url = new URL(request.path, base);
    if (url.origin !== base.origin) {
      throw new InvalidInputError(
        `Not ${request.action}: ${url.origin} is not ${base.origin}, the only host this connection's credentials go to.`,
      );
    }
    for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
    return url;
  }

  private canRenew(error: unknown): boolean {
    if (!axios.isAxiosError(error) || !error.response || !this.options.sessions.renew) return false;
    const failure = failureOf(error.response);
    return this.options.hooks?.isSessionExpired?.(failure) ?? failure.status === 401;
  }

  private async send<T>(session: S, request: HttpRequest, signal: AbortSignal): Promise<AxiosResponse<T>> {
    const authorization = this.options.authorize(session);
    const url = this.resolve(authorization, request);
    const response = await this.http.request<T>({
      method: request.method,
      url: url.toString(),
      data: request.body,
      idempotent: request.idempotent === true,
      signal,
      headers: {
        accept: 'application/json',
        ...(request.body !== undefined
          ? { 'content-type': this.options.contentType ?? 'application/json' }
          : {}),
        ...authorization.headers,
        ...request.headers,
      },
    });
    this.options.hooks?.onResponse?.(response.headers as Record<string, unknown>);
    return response;
  }

  private translate(error: unknown, request: HttpRequest, signal: AbortSignal): Error {
    if (signal.aborted || axios.isCancel(error))
      return new AbortedError(`Aborted while ${request.action}.`, { cause: error });
    if (!axios.isAxiosError(error)) return error instanceof Error ? error : new Error(String(error));
    if (error.response) {
      const failure = failureOf(error.response);
      this.options.hooks?.onResponse?.(failure.headers);
      const wait = retryAfterMs(failure.headers['retry-after']);
      const mapped = this.options.hooks?.mapError?.(failure, request, wait);
      if (mapped) return mapped;
      if (failure.status === 401 && !this.options.sessions.renew) {
        return new AuthError(
          `${this.options.service} refused ${request.action} (HTTP 401): the credentials were rejected; store valid ones for the connection.`,
          { httpStatus: 401, upstreamCode: 'HTTP_401' },
        );
      }
      return mapHttpStatus(failure.status, {
        service: this.options.service,
        action: request.action,
        retryAfterMs: wait,
      });
    }
    return new TransientError(
      `${this.options.service} could not be reached while ${request.action}: ${error.code ?? error.message}.`,
      { ...(error.code ? { upstreamCode: error.code } : {}) },
    );
  }
}

function failureOf(response: AxiosResponse): HttpFailure {
  return {
    status: response.status,
    data: response.data as unknown,
    headers: response.headers as Record<string, unknown>,
  };
}
