import type { AxiosError } from 'axios';
import axios from 'axios';
import { isNetworkError } from 'axios-retry';

/**
 * How hard to try again: delays grow exponentially with full jitter
 * (a random delay between 0 and the capped exponential ceiling), and a
 * Retry-After the service sent is honoured as a floor.
 */
export interface RetryPolicy {
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * A Retry-After longer than this is not waited out inside the call: the
   * call fails with `RateLimitedError{retryAfterMs}` and the scheduler decides.
   * Default `maxDelayMs`.
   */
  readonly maxRetryAfterMs?: number;
  /** Seeded in tests; Math.random otherwise. */
  readonly random?: () => number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Safe to send twice even though the method is POST (a batch of fixed-value PATCHes, a search). */
    idempotent?: boolean;
  }
}

const IDEMPOTENT_METHODS = new Set(['get', 'head', 'options', 'put', 'delete', 'patch']);

/** A failed answer as the retry rule and the error mapping see it. */
export interface HttpFailure {
  readonly status: number;
  readonly data: unknown;
  readonly headers: Readonly<Record<string, unknown>>;
}

/** Extra answers that are worth another try, beyond 5xx and 429 (Salesforce: UNABLE_TO_LOCK_ROW). */
export type RetryableResponse = (failure: HttpFailure) => boolean;

/** Whether sending the request again cannot apply it twice. */
export function isReplaySafe(error: AxiosError): boolean {
  const config = error.config;
  if (!config) return false;
  const method = (config.method ?? 'get').toLowerCase();
  return IDEMPOTENT_METHODS.has(method) || config.idempotent === true;
}

/**
 * Retry network failures, timeouts, 5xx and what `extra` names, but only for
 * requests that are safe to repeat: a POST that creates a record may have
 * succeeded before the connection dropped or the server failed, and a blind
 * retry would create it twice. A 429 is retried for every method: it is the
 * service refusing the request, not a failure part-way through it (RFC 6585
 * §4). A Retry-After beyond the policy's limit is not waited out here.
 */
export function shouldRetry(
  error: AxiosError,
  policy: RetryPolicy = defaultRetryPolicy,
  extra?: RetryableResponse,
): boolean {
  if (axios.isCancel(error) || !error.config) return false;
  const response = error.response;
  if (response?.status === 429) {
    const wait = retryAfterMs(response.headers['retry-after']);
    return wait === null || wait <= (policy.maxRetryAfterMs ?? policy.maxDelayMs);
  }
  if (!isReplaySafe(error)) return false;
  if (!response) return isNetworkError(error) || error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT';
  if (response.status >= 500 && response.status !== 501) return true;
  return extra?.({ status: response.status, data: response.data, headers: response.headers }) ?? false;
}

/** Full jitter under a capped exponential ceiling, never shorter than the answer's Retry-After. */
export function retryDelayMs(
  policy: RetryPolicy,
  retryNumber: number,
  error: AxiosError | undefined,
): number {
  const random = policy.random ?? Math.random;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retryNumber - 1));
  const jittered = Math.round(random() * ceiling);
  return Math.max(jittered, retryAfterMs(error?.response?.headers?.['retry-after']) ?? 0);
}

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in milliseconds. */
export function retryAfterMs(header: unknown, now: number = Date.now()): number | null {
  if (typeof header !== 'string' || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
