import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  AuthError,
  RateLimitedError,
  throwIfAborted,
  toErrorInfo,
  TransientError,
} from './errors.js';

describe('error vocabulary', () => {
  it('gives each error a stable code and a retry verdict', () => {
    expect(new AuthError('no').code).toBe('AUTH_FAILED');
    expect(new AuthError('no').retryable).toBe(false);
    expect(new TransientError('try later').retryable).toBe(true);
    const limited = new RateLimitedError('slow down', 30_000, { upstreamCode: 'REQUEST_LIMIT_EXCEEDED' });
    expect(limited.retryAfterMs).toBe(30_000);
    expect(limited.name).toBe('RateLimitedError');
  });

  it('turns any failure into what a run records', () => {
    expect(toErrorInfo(new AuthError('expired', { upstreamCode: 'INVALID_SESSION_ID' }))).toEqual({
      code: 'AUTH_FAILED',
      message: 'expired',
      retryable: false,
      upstreamCode: 'INVALID_SESSION_ID',
    });
    expect(toErrorInfo(new Error('boom'))).toEqual({ code: 'INTERNAL', message: 'boom', retryable: false });
    expect(toErrorInfo('text')).toEqual({ code: 'INTERNAL', message: 'text', retryable: false });
  });

  it('throws AbortedError carrying the reason once a signal fires', () => {
    const controller = new AbortController();
    expect(() => throwIfAborted(controller.signal)).not.toThrow();
    controller.abort('shutting down');
    expect(() => throwIfAborted(controller.signal)).toThrow(AbortedError);
    expect(() => throwIfAborted(controller.signal)).toThrow('The operation was aborted: shutting down');
  });
});
