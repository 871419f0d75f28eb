import {
  AuthError,
  ConflictError,
  InvalidInputError,
  NotFoundError,
  PermissionError,
  RateLimitedError,
  TransientError,
  UnsupportedError,
  type AccessLedgerError,
  type ErrorDetails,
} from '@accessledger/core';

export interface StatusContext {
  /** Who answered, for the message: `Salesforce`, `the SCIM service at https://…`. */
  readonly service: string;
  /** What was being done: `listing Users`, `adding a member to group 42`. */
  readonly action: string;
  readonly retryAfterMs?: number | null;
  /** What the service said, appended to the message. */
  readonly detail?: string;
  /** The service's own code, stored as `details.upstreamCode` (default `HTTP_<status>`). */
  readonly upstreamCode?: string;
  readonly fields?: readonly string[];
}

/**
 * The default mapping of an HTTP status onto core's vocabulary (RFC 9110
 * §15): connectors call it for whatever their own error codes do not decide.
 */
export function mapHttpStatus(status: number, context: StatusContext): AccessLedgerError {
  const details: ErrorDetails = {
    upstreamCode: context.upstreamCode ?? `HTTP_${status}`,
    httpStatus: status,
    ...(context.fields && context.fields.length > 0 ? { fields: context.fields } : {}),
  };
  const said = context.detail ? `: ${context.detail}` : '';
  const message = `${context.service} refused ${context.action} (HTTP ${status})${said}`;
  if (status === 401)
    return new AuthError(`${message}. The credentials were rejected: check or renew them.`, details);
  if (status === 403)
    return new PermissionError(`${message}. The integration account lacks a permission.`, details);
  if (status === 404 || status === 410) return new NotFoundError(message, details);
  if (status === 409) return new ConflictError(message, details);
  if (status === 412)
    return new ConflictError(`${message}. The resource changed since it was read: read it again.`, details);
  if (status === 429) return new RateLimitedError(message, context.retryAfterMs ?? null, details);
  if (status === 405 || status === 501) return new UnsupportedError(message, details);
  if (status >= 500) return new TransientError(message, details);
  return new InvalidInputError(message, details);
}
