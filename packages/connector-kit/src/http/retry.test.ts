import { AxiosError, AxiosHeaders, type InternalAxiosRequestConfig } from 'axios';
import { describe, expect, it } from 'vitest';
import { retryAfterMs, retryDelayMs, shouldRetry, type RetryPolicy } from './retry.js';

const policy: RetryPolicy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 1 };

function failure(
  method: string,
  status?: number,
  headers: Record<string, string> = {},
  code?: string,
): AxiosError {
  const config = { method, headers: new AxiosHeaders() } as InternalAxiosRequestConfig;
  const response = status === undefined ? undefined : { status, statusText: '', data: {}, headers, config };
  return new AxiosError('failed', code, config, undefined, response);
}

describe('shouldRetry', () => {
  it('retries 5xx and dropped connections of idempotent methods only', () => {
    expect(shouldRetry(failure('get', 503), policy)).toBe(true);
    expect(shouldRetry(failure('put', 500), policy)).toBe(true);
    expect(shouldRetry(failure('post', 503), policy)).toBe(false);
    expect(shouldRetry(failure('post', undefined, {}, 'ECONNRESET'), policy)).toBe(false);
    expect(shouldRetry(failure('get', undefined, {}, 'ECONNRESET'), policy)).toBe(true);
    expect(shouldRetry(failure('get', 501), policy)).toBe(false);
    expect(shouldRetry(failure('get', 400), policy)).toBe(false);
  });

  it('retries a 429 for any method, unless Retry-After is longer than the policy waits', () => {
    expect(shouldRetry(failure('post', 429), policy)).toBe(true);
    expect(shouldRetry(failure('get', 429, { 'retry-after': '1' }), policy)).toBe(true);
    expect(shouldRetry(failure('get', 429, { 'retry-after': '120' }), policy)).toBe(false);
  });

  it('asks the connector about other answers', () => {
    expect(shouldRetry(failure('get', 400), policy, (answer) => answer.status === 400)).toBe(true);
  });
});

describe('retryDelayMs', () => {
  it('draws under a doubling ceiling capped at maxDelayMs, never under Retry-After', () => {
    expect(retryDelayMs(policy, 1, undefined)).toBe(100);
    expect(retryDelayMs(policy, 3, undefined)).toBe(400);
    expect(retryDelayMs(policy, 9, undefined)).toBe(1_000);
    expect(retryDelayMs({ ...policy, random: () => 0 }, 3, undefined)).toBe(0);
    expect(retryDelayMs({ ...policy, random: () => 0 }, 1, failure('get', 429, { 'retry-after': '2' }))).toBe(
      2_000,
    );
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2026, 11, 1, 12, 0, 0);
    expect(retryAfterMs('3', now)).toBe(3_000);
    expect(retryAfterMs('Tue, 01 Dec 2026 12:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(undefined, now)).toBeNull();
  });
});
