import {
  defaultRetryPolicy,
  shouldRetry as shouldRetryWith,
  type HttpFailure,
  type RetryPolicy,
} from '@accessledger/connector-kit';
import type { AxiosError } from 'axios';
import { parseApiErrors } from '../errors.js';

// The backoff (full jitter under a capped ceiling, Retry-After as a floor) is the kit's.
export {
  defaultRetryPolicy,
  retryAfterMs,
  retryDelayMs,
  type RetryPolicy,
} from '@accessledger/connector-kit';

/**
 * Salesforce's answers worth another try: every 5xx and UNABLE_TO_LOCK_ROW
 * (REST API Developer Guide: "Status Codes and Error Responses"). Salesforce
 * signals an exhausted budget with 403 REQUEST_LIMIT_EXCEEDED, never retried.
 * The client's `isRetryable` hook.
 */
export function isRetryableAnswer(failure: HttpFailure): boolean {
  if (failure.status >= 500) return true;
  return parseApiErrors(failure.data).some((apiError) => apiError.errorCode === 'UNABLE_TO_LOCK_ROW');
}

/**
 * The whole rule as the client applies it: network failures and the answers
 * above, but only for requests that are safe to repeat (a POST that creates a
 * record may have succeeded before the connection dropped, and a blind retry
 * would create it twice), and the kit's 429 rule.
 */
export function shouldRetry(error: AxiosError, policy: RetryPolicy = defaultRetryPolicy): boolean {
  return shouldRetryWith(error, policy, isRetryableAnswer);
}
