import { AbortedError, RateLimitedError, isAccessLedgerError } from '@accessledger/core';
import type { RetryPolicy } from './job.js';

/** Waits `ms`, or rejects with `AbortedError` as soon as `signal` fires. Injectable for tests. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(new AbortedError('The backoff wait was aborted.', { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError('The backoff wait was aborted.', { cause: signal.reason }));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Whether a failed try may be tried again under `policy`. */
export function shouldRetry(error: unknown, policy: RetryPolicy): boolean {
  if (isAccessLedgerError(error)) return error.retryable;
  if (error instanceof Error && error.name === 'AbortError') return false;
  return policy.retryUnclassifiedErrors === true;
}

/**
 * Delay before retry number `retry` (1 for the first retry): exponential with
 * "equal jitter" (half fixed, half random) so that replicas failing together
 * do not retry in lockstep. A `RateLimitedError` that says how long to wait is
 * obeyed even beyond `maxBackoffMs`: trying sooner only earns another refusal.
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  retry: number,
  error: unknown,
  random: () => number,
): number {
  const ceiling = policy.maxBackoffMs ?? policy.backoffMs * 32;
  const exponential = Math.min(ceiling, policy.backoffMs * 2 ** Math.max(0, retry - 1));
  const jittered = Math.round(exponential / 2 + (exponential / 2) * random());
  if (error instanceof RateLimitedError && error.retryAfterMs !== null) {
    return Math.max(jittered, error.retryAfterMs);
  }
  return jittered;
}
