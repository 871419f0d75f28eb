import type { AxiosError } from 'axios';
import axios from 'axios';
import { isNetworkError } from 'axios-retry';
import { parseApiErrors } from '../errors.js';

/** How hard to try again; delays grow exponentially with full jitter, capped, and honour Retry-After. */
export interface RetryPolicy {
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Seeded in tests; Math.random otherwise. */
  readonly random?: () => number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Safe to send twice even though the method is POST (a batch of fixed-value PATCHes). */
    idempotent?: boolean;
  }
}

const IDEMPOTENT_METHODS = new Set(['get', 'head', 'options', 'put', 'delete', 'patch']);

/**
 * Retry network failures, 5xx and UNABLE_TO_LOCK_ROW, but only for requests
 * that are safe to repeat: a POST that creates a record may have succeeded
 * before the connection dropped, and a blind retry would create it twice.
 */
export function shouldRetry(error: AxiosError): boolean {
  if (axios.isCancel(error)) return false;
  const config = error.config;
  if (!config) return false;
  const method = (config.method ?? 'get').toLowerCase();
  const idempotent = IDEMPOTENT_METHODS.has(method) || config.idempotent === true;
  if (!idempotent) return false;
  if (!error.response)
    return isNetworkError(error) || error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT';
  const status = error.response.status;
  if (status >= 500) return true;
  return parseApiErrors(error.response.data).some((apiError) => apiError.errorCode === 'UNABLE_TO_LOCK_ROW');
}

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

/** `Retry-After` as seconds or an HTTP date, in milliseconds. */
export function retryAfterMs(header: unknown, now: number = Date.now()): number | null {
  if (typeof header !== 'string' || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
