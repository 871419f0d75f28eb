import { mapNetworkFailure, type NetworkFixes } from '@accessledger/connector-kit';
import {
  AuthError,
  ConflictError,
  InvalidInputError,
  NotFoundError,
  PermissionError,
  RateLimitedError,
  TransientError,
  type AccessLedgerError,
  type ErrorDetails,
} from '@accessledger/core';

/**
 * The one place where Salesforce's answers become core's error vocabulary.
 * REST errors are JSON arrays `[{message, errorCode, fields}]` (REST API
 * Developer Guide: "Status Codes and Error Responses"); OAuth errors are
 * `{error, error_description}`; SCIM errors follow RFC 7644 §3.12.
 */
export interface SalesforceApiError {
  readonly message: string;
  readonly errorCode: string;
  readonly fields?: readonly string[];
}

const CONFLICT_CODES = new Set([
  'DUPLICATE_VALUE',
  'DUPLICATE_USERNAME',
  'DUPLICATE_EXTERNAL_ID',
  'LICENSE_LIMIT_EXCEEDED',
  'INACTIVE_OWNER_OR_USER',
  'ENTITY_IS_DELETED',
  'ENTITY_IS_LOCKED',
  'FIELD_INTEGRITY_EXCEPTION',
  'CANNOT_UPDATE_CONVERTED_LEAD',
  'CANNOT_DEACTIVATE_SELF',
]);

const INVALID_INPUT_CODES = new Set([
  'MALFORMED_QUERY',
  'MALFORMED_ID',
  'INVALID_FIELD',
  'INVALID_TYPE',
  'INVALID_ID_FIELD',
  'INVALID_CROSS_REFERENCE_KEY',
  'INVALID_QUERY_FILTER_OPERATOR',
  'INVALID_QUERY_LOCATOR',
  'REQUIRED_FIELD_MISSING',
  'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'JSON_PARSER_ERROR',
  'STRING_TOO_LONG',
  'INVALID_EMAIL_ADDRESS',
  'INVALID_FIELD_FOR_INSERT_UPDATE',
  'METHOD_NOT_ALLOWED',
]);

const PERMISSION_CODES = new Set([
  'INSUFFICIENT_ACCESS',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
  'FUNCTIONALITY_NOT_ENABLED',
]);

const TRANSIENT_CODES = new Set(['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE', 'QUERY_TIMEOUT']);

export interface MapOptions {
  readonly httpStatus: number;
  /** Milliseconds from a Retry-After header, when the response had one. */
  readonly retryAfterMs?: number | null;
  /** What was being done, for the message: `querying User`, `assigning permission set 0PS…`. */
  readonly action: string;
}

/** Maps a REST error body (or the first of its errors) onto core's vocabulary. */
export function mapApiError(body: unknown, options: MapOptions): AccessLedgerError {
  const errors = parseApiErrors(body);
  const first = errors[0];
  const code = first?.errorCode ?? `HTTP_${options.httpStatus}`;
  const text = first
    ? errors.map((error) => `${error.errorCode}: ${error.message}`).join('; ')
    : `HTTP ${options.httpStatus}`;
  const details: ErrorDetails = {
    upstreamCode: code,
    httpStatus: options.httpStatus,
    ...(first?.fields && first.fields.length > 0 ? { fields: first.fields } : {}),
  };
  const message = `Salesforce refused ${options.action}: ${text}`;

  if (code === 'INVALID_SESSION_ID' || options.httpStatus === 401) {
    return new AuthError(`${message}. The session is no longer valid: reconnect the integration.`, details);
  }
  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    return new RateLimitedError(
      `${message}. The org's API request limit is used up; calls resume as the rolling 24-hour window frees up.`,
      options.retryAfterMs ?? null,
      details,
    );
  }
  if (TRANSIENT_CODES.has(code) || options.httpStatus >= 500) return new TransientError(message, details);
  if (PERMISSION_CODES.has(code) || options.httpStatus === 403) {
    return new PermissionError(
      `${message}. The integration user lacks a permission: see the required permissions in docs/salesforce.md.`,
      details,
    );
  }
  if (code === 'NOT_FOUND' || options.httpStatus === 404) return new NotFoundError(message, details);
  if (CONFLICT_CODES.has(code) || options.httpStatus === 409) return new ConflictError(message, details);
  if (INVALID_INPUT_CODES.has(code)) return new InvalidInputError(message, details);
  if (options.httpStatus === 429) return new RateLimitedError(message, options.retryAfterMs ?? null, details);
  return new InvalidInputError(message, details);
}

/** Salesforce's error array, tolerating a single object or a non-JSON body. */
export function parseApiErrors(body: unknown): SalesforceApiError[] {
  const list = Array.isArray(body) ? body : body && typeof body === 'object' ? [body] : [];
  const errors: SalesforceApiError[] = [];
  for (const entry of list) {
    if (!entry || typeof entry !== 'object') continue;
    const record = entry as Record<string, unknown>;
    if (typeof record['errorCode'] !== 'string') continue;
    const fields = Array.isArray(record['fields'])
      ? record['fields'].filter((field): field is string => typeof field === 'string')
      : undefined;
    errors.push({
      errorCode: record['errorCode'],
      message: typeof record['message'] === 'string' ? record['message'] : '',
      ...(fields ? { fields } : {}),
    });
  }
  return errors;
}

/** Maps an OAuth token endpoint failure (`{error, error_description}`). */
export function mapOAuthError(body: unknown, httpStatus: number): AccessLedgerError {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const error = typeof record['error'] === 'string' ? record['error'] : `http_${httpStatus}`;
  const description = typeof record['error_description'] === 'string' ? record['error_description'] : '';
  const details: ErrorDetails = { upstreamCode: error, httpStatus };
  const said = description ? `${error} (${description})` : error;
  if (httpStatus >= 500) return new TransientError(`Salesforce's token endpoint failed: ${said}`, details);
  switch (error) {
    case 'invalid_grant':
      return new AuthError(
        `Salesforce rejected the grant: ${said}. Reconnect the integration; for JWT bearer check the username, the certificate and that the user is pre-authorized for the connected app.`,
        details,
      );
    case 'invalid_client_id':
    case 'invalid_client':
    case 'invalid_client_credentials':
      return new AuthError(
        `Salesforce rejected the client: ${said}. Check the consumer key and secret of the connected app.`,
        details,
      );
    case 'inactive_user':
    case 'inactive_org':
      return new AuthError(`Salesforce refused the login: ${said}.`, details);
    case 'rate_limit_exceeded':
      return new RateLimitedError(`Salesforce rate-limited the login: ${said}.`, null, details);
    default:
      return new AuthError(`Salesforce's token endpoint refused the request: ${said}.`, details);
  }
}

/** Salesforce's own wording of the fixes where the kit's generic one says too little. */
export const SALESFORCE_NETWORK_FIXES: NetworkFixes = {
  dns: 'check the spelling of the domain (My Domain hosts end in .my.salesforce.com; sandboxes keep their "--") and this machine\'s DNS',
  tls: 'a proxy that inspects TLS needs its CA in NODE_EXTRA_CA_CERTS; check that the domain is the Salesforce host, not a Lightning (*.lightning.force.com) URL',
};

/**
 * A request that got no answer (refused, DNS, TLS, reset, timeout) is a
 * `TransientError` naming the host and the likely fix; the daemon retries it.
 */
export function mapNetworkError(
  error: unknown,
  options: { readonly url?: string; readonly action: string },
): TransientError {
  return mapNetworkFailure(error, { service: 'Salesforce', ...options, fixes: SALESFORCE_NETWORK_FIXES });
}
