import { AuthError, RateLimitedError, TransientError } from '@accessledger/core';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, realSleep, shouldRetry } from './retry.js';

const policy = { attempts: 5, backoffMs: 1_000, maxBackoffMs: 5_000 };

describe('backoff', () => {
  it('doubles per retry, caps at maxBackoffMs, and jitters the upper half', () => {
    const lowest = [1, 2, 3, 4].map((retry) => backoffDelayMs(policy, retry, new Error('x'), () => 0));
    const highest = [1, 2, 3, 4].map((retry) => backoffDelayMs(policy, retry, new Error('x'), () => 1));
    expect(lowest).toEqual([500, 1_000, 2_000, 2_500]);
    expect(highest).toEqual([1_000, 2_000, 4_000, 5_000]);
  });

  it('waits at least as long as a rate limit asks', () => {
    expect(backoffDelayMs(policy, 1, new RateLimitedError('slow down', 60_000), () => 0)).toBe(60_000);
  });

  it('retries by the error class, and unclassified errors only when the policy says so', () => {
    expect(shouldRetry(new TransientError('blip'), policy)).toBe(true);
    expect(shouldRetry(new AuthError('expired'), { ...policy, retryUnclassifiedErrors: true })).toBe(false);
    expect(shouldRetry(new Error('socket hang up'), policy)).toBe(false);
    expect(shouldRetry(new Error('socket hang up'), { ...policy, retryUnclassifiedErrors: true })).toBe(true);
  });

  it('stops a backoff wait when the signal fires', async () => {
    const controller = new AbortController();
    const waiting = realSleep(3_600_000, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
