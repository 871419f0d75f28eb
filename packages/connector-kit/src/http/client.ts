import {
  AbortedError,
  AuthError,
  InvalidInputError,
  throwIfAborted,
  type AccessLedgerError,
  type Logger,
} from '@accessledger/core';
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import axiosRetry from 'axios-retry';
import type { SessionProvider } from '../auth/session.js';
import { assertJsonAnswer, DeferredJson } from './answers.js';
import { mapHttpStatus } from './errors.js';
import { mapNetworkFailure, type NetworkFixes } from './network.js';
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
  /**
   * Relative to the session's base URL (`Users/42`), or an absolute path or URL on its origin;
   * only a root-relative path (`/v1/Users/42`) when the client's `paths` is `'root-relative'`.
   */
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

/**
 * Which paths a request may name. `same-origin`: a path relative to the base URL, or an
 * absolute path or URL on its origin. `root-relative`: only a path from the origin's root
 * (`/v1/users?page=2`); an absolute URL, a protocol-relative `//host/…` or a `/\host/…` is
 * refused before any request is built, even one on the right origin, so that a link a
 * service put in an answer (a next-page URL) is followed only as a path on the one host
 * the credentials go to.
 */
export type PathRule = 'same-origin' | 'root-relative';

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
  /**
   * Every successful answer with a body must be JSON (`application/json` or `…+json`) that
   * parses; otherwise the call fails as a `TransientError` with upstream code
   * `MALFORMED_RESPONSE` that quotes the start of what came back (a proxy's HTML page, a
   * body cut off). Default false: the body is handed over as axios read it.
   */
  readonly requireJson?: boolean;
  /** Default `same-origin`. */
  readonly paths?: PathRule;
  /** The base URL's origin as a refused path names it: `the instance`. Default `the host`. */
  readonly originName?: string;
  /** The fix a network failure's message gives, per kind, where the kit's generic one says too little. */
  readonly networkFixes?: NetworkFixes;
}

/**
 * One axios instance with retries (axios-retry: full-jitter backoff,
 * Retry-After, 429, no replay of a call that may have been applied), one
 * session renewal on an expired-session refusal (single flight in the
 * provider), abort → `AbortedError`, every request counted, failures mapped
 * onto core's errors, and a network failure named by its host and likely fix.
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
    const response = await this.renewing(request, signal, (session) =>
      this.send<T>(session, request, signal),
    );
    if (this.options.requireJson) assertJsonAnswer(response, this.options.service, request.action);
    return response;
  }

  /**
   * A request whose successful answer must be JSON, kept as bytes until read (`DeferredJson`): for
   * answers that wait before they are read, such as pages read ahead. A failed answer is parsed and
   * mapped at once, as by `request`.
   */
  async requestDeferred<T>(request: HttpRequest, signal: AbortSignal): Promise<DeferredJson<T>> {
    const response = await this.renewing(request, signal, (session) =>
      this.send<Buffer>(session, request, signal, {
        responseType: 'arraybuffer',
        // A failed answer is read as axios reads any (JSON when it parses, else its text), for the
        // retry rules and the error mapping; a successful one stays bytes.
        transformResponse: (data: unknown, _headers: unknown, status?: number) =>
          status !== undefined && status >= 200 && status < 300 ? data : readFailureBody(data),
      }),
    );
    return new DeferredJson<T>(response, this.options.service, request.action);
  }

  /** Sends a request; once more on a renewed session when the first answer says the session expired. */
  private async renewing<R>(
    request: HttpRequest,
    signal: AbortSignal,
    send: (session: S) => Promise<R>,
  ): Promise<R> {
    throwIfAborted(signal);
    this.options.hooks?.beforeRequest?.(request);
    const session = await this.options.sessions.current(signal);
    let refused: unknown;
    try {
      return await send(session);
    } catch (error) {
      if (!this.canRenew(error)) throw this.translate(error, request, signal);
      refused = error;
    }
    const renew = this.options.sessions.renew;
    if (!renew) throw this.translate(refused, request, signal);
    const renewed = await renew.call(this.options.sessions, session, signal);
    try {
      return await send(renewed);
    } catch (error) {
      throw this.translate(error, request, signal);
    }
  }

  /** The absolute URL a request goes to; refuses one outside the session's origin or the path rule. */
  resolve(authorization: Authorization, request: Pick<HttpRequest, 'path' | 'query' | 'action'>): URL {
    const base = new URL(
      authorization.baseUrl.endsWith('/') ? authorization.baseUrl : `${authorization.baseUrl}/`,
    );
    // A root-relative path cannot leave the origin; anything else is refused before it is parsed.
    if (this.options.paths === 'root-relative' && !isRootRelativePath(request.path)) {
      throw new InvalidInputError(
        `Not ${request.action}: ${this.options.service} named the link "${request.path.slice(0, 200)}", which is not a path on ${this.options.originName ?? 'the host'} ${base.origin}; only relative paths are followed, and no token was sent.`,
      );
    }
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

  private async send<T>(
    session: S,
    request: HttpRequest,
    signal: AbortSignal,
    reading: Pick<AxiosRequestConfig, 'responseType' | 'transformResponse'> = {},
  ): Promise<AxiosResponse<T>> {
    const authorization = this.options.authorize(session);
    const url = this.resolve(authorization, request);
    const response = await this.http.request<T>({
      ...reading,
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
    return mapNetworkFailure(error, {
      service: this.options.service,
      url: error.config?.url,
      action: request.action,
      fixes: this.options.networkFixes,
    });
  }
}

/** One slash, then neither a slash nor a backslash (which URL parsers read as `//`, another host). */
function isRootRelativePath(path: string): boolean {
  return /^\/(?![/\\])/.test(path);
}

function failureOf(response: AxiosResponse): HttpFailure {
  return {
    status: response.status,
    data: response.data as unknown,
    headers: response.headers as Record<string, unknown>,
  };
}

/** A failed answer's body as axios reads one by default: its JSON value when it parses, else its text. */
function readFailureBody(data: unknown): unknown {
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : data;
  if (typeof text !== 'string' || text === '') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
