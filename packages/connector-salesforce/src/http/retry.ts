import { isReplaySafe } from '@accessledger/connector-kit';
import type { AxiosError } from 'axios';
import axios from 'axios';
import { isNetworkError } from 'axios-retry';
import { parseApiErrors } from '../errors.js';

// The backoff (full jitter under a capped ceiling, Retry-After as a floor) is the kit's.
export {
  defaultRetryPolicy,
  retryAfterMs,
  retryDelayMs,
  type RetryPolicy,
} from '@accessledger/connector-kit';

/**
 * Retry network failures, 5xx and UNABLE_TO_LOCK_ROW (REST API Developer
 * Guide: "Status Codes and Error Responses"), but only for requests that are
 * safe to repeat: a POST that creates a record may have succeeded before the
 * connection dropped, and a blind retry would create it twice. Salesforce
 * signals an exhausted budget with 403 REQUEST_LIMIT_EXCEEDED, never retried.
 */
export function shouldRetry(error: AxiosError): boolean {
  if (axios.isCancel(error) || !isReplaySafe(error)) return false;
  if (!error.response)
    return isNetworkError(error) || error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT';
  const status = error.response.status;
  if (status >= 500) return true;
  return parseApiErrors(error.response.data).some((apiError) => apiError.errorCode === 'UNABLE_TO_LOCK_ROW');
}
