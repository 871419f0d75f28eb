import { AxiosError, AxiosHeaders, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { describe, expect, it } from 'vitest';
import { parseLimitInfo, remainingCalls } from './api-usage.js';
import { retryAfterMs, retryDelayMs, shouldRetry } from './retry.js';

function failure(
  method: string,
  status?: number,
  data?: unknown,
  extra: Partial<InternalAxiosRequestConfig> = {},
): AxiosError {
  const config = { method, headers: new AxiosHeaders(), ...extra } as InternalAxiosRequestConfig;
  const response =
    status === undefined
      ? undefined
      : ({ status, data, headers: {}, config, statusText: '' } as AxiosResponse);
  return new AxiosError(
    'failed',
    status === undefined ? 'ECONNRESET' : 'ERR_BAD_RESPONSE',
    config,
    {},
    response,
  );
}

describe('retry policy', () => {
  it('retries 5xx, dropped connections and UNABLE_TO_LOCK_ROW on requests safe to repeat', () => {
    expect(shouldRetry(failure('get', 503))).toBe(true);
    expect(shouldRetry(failure('get'))).toBe(true);
    expect(shouldRetry(failure('patch', 400, [{ errorCode: 'UNABLE_TO_LOCK_ROW', message: 'locked' }]))).toBe(
      true,
    );
  });

  it('never blindly retries a create, unless the caller marked it idempotent', () => {
    expect(shouldRetry(failure('post'))).toBe(false);
    expect(shouldRetry(failure('post', 503))).toBe(false);
    expect(shouldRetry(failure('post', 503, undefined, { idempotent: true }))).toBe(true);
  });

  it('does not retry client errors or the daily limit', () => {
    expect(shouldRetry(failure('get', 400, [{ errorCode: 'MALFORMED_QUERY', message: 'x' }]))).toBe(false);
    expect(shouldRetry(failure('get', 403, [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'x' }]))).toBe(
      false,
    );
  });

  it('grows the delay exponentially under a cap, with jitter, and honours Retry-After', () => {
    const policy = { retries: 5, baseDelayMs: 100, maxDelayMs: 1000, random: () => 1 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(policy, n, undefined))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    expect(retryDelayMs({ ...policy, random: () => 0.5 }, 3, undefined)).toBe(200);
    const limited = failure('get', 503);
    (limited.response as AxiosResponse).headers = { 'retry-after': '7' };
    expect(retryDelayMs(policy, 1, limited)).toBe(7000);
    expect(retryAfterMs('Sat, 28 Nov 2026 12:00:10 GMT', Date.parse('2026-11-28T12:00:00Z'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeNull();
  });
});

describe('Sforce-Limit-Info', () => {
  it('reads used/limit: the first number is calls used, not remaining', () => {
    const usage = parseLimitInfo('api-usage=14000/15000');
    expect(usage).toEqual({ used: 14000, limit: 15000 });
    expect(remainingCalls(usage as { used: number; limit: number })).toBe(1000);
    expect(parseLimitInfo('per-app-api-usage=1/2(appName=x)')).toBeNull();
    expect(parseLimitInfo('api-usage=25/15000; per-app-api-usage=17/250(appName=sample-app)')).toEqual({
      used: 25,
      limit: 15000,
    });
  });
});
