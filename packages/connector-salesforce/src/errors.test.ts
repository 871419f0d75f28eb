import { describe, expect, it } from 'vitest';
import { mapApiError, mapOAuthError } from './errors.js';

const action = 'querying User';

describe('mapping Salesforce errors', () => {
  it.each([
    [401, 'INVALID_SESSION_ID', 'AUTH_FAILED'],
    [403, 'REQUEST_LIMIT_EXCEEDED', 'RATE_LIMITED'],
    [403, 'INSUFFICIENT_ACCESS', 'PERMISSION_DENIED'],
    [404, 'NOT_FOUND', 'NOT_FOUND'],
    [400, 'DUPLICATE_VALUE', 'CONFLICT'],
    [400, 'LICENSE_LIMIT_EXCEEDED', 'CONFLICT'],
    [400, 'MALFORMED_QUERY', 'INVALID_INPUT'],
    [400, 'REQUIRED_FIELD_MISSING', 'INVALID_INPUT'],
    [400, 'UNABLE_TO_LOCK_ROW', 'TRANSIENT'],
    [503, 'SERVER_UNAVAILABLE', 'TRANSIENT'],
  ])('HTTP %i %s becomes %s', (status, errorCode, code) => {
    const error = mapApiError([{ message: 'm', errorCode }], { httpStatus: status, action });
    expect(error.code).toBe(code);
    expect(error.details.upstreamCode).toBe(errorCode);
    expect(error.message).toContain(`Salesforce refused querying User: ${errorCode}: m`);
  });

  it('keeps the fields Salesforce named and survives bodies that are not error arrays', () => {
    const error = mapApiError(
      [
        {
          message: 'Required fields are missing: [Alias]',
          errorCode: 'REQUIRED_FIELD_MISSING',
          fields: ['Alias'],
        },
      ],
      {
        httpStatus: 400,
        action: 'creating a user',
      },
    );
    expect(error.details.fields).toEqual(['Alias']);
    expect(mapApiError('<html>Bad gateway</html>', { httpStatus: 502, action }).code).toBe('TRANSIENT');
  });

  it('carries Retry-After on rate limits', () => {
    const error = mapApiError(
      [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
      {
        httpStatus: 403,
        action,
        retryAfterMs: 60_000,
      },
    );
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 60_000 });
  });

  it('maps OAuth failures to auth errors that say what to check', () => {
    const error = mapOAuthError(
      { error: 'invalid_grant', error_description: 'expired access/refresh token' },
      400,
    );
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toContain('invalid_grant (expired access/refresh token)');
    expect(mapOAuthError({ error: 'unknown_error' }, 503).code).toBe('TRANSIENT');
  });
});
