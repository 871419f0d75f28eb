import {
  ConflictError,
  InvalidInputError,
  TransientError,
  UnsupportedError,
  type AccessLedgerError,
} from '@accessledger/core';
import { mapHttpStatus } from '../http/errors.js';

/** An error answer (RFC 7644 §3.12): `{schemas: [Error], status, scimType?, detail?}`. */
export interface ScimErrorBody {
  readonly status: number;
  readonly scimType?: string;
  readonly detail?: string;
}

/** The SCIM error in a body, tolerating `status` as a string (the RFC's examples) or a number. */
export function parseScimError(body: unknown, httpStatus: number): ScimErrorBody | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const record = body as Record<string, unknown>;
  const status = Number(record['status'] ?? httpStatus);
  const scimType = typeof record['scimType'] === 'string' ? record['scimType'] : undefined;
  const detail = typeof record['detail'] === 'string' ? record['detail'] : undefined;
  if (scimType === undefined && detail === undefined) return null;
  return {
    status: Number.isInteger(status) ? status : httpStatus,
    ...(scimType !== undefined ? { scimType } : {}),
    ...(detail !== undefined ? { detail } : {}),
  };
}

const INVALID_INPUT_TYPES = new Set([
  'invalidFilter',
  'tooMany',
  'invalidSyntax',
  'invalidPath',
  'noTarget',
  'invalidValue',
  'mutability',
  'sensitive',
  'invalidCursor',
  'invalidVers',
]);

/**
 * Maps a SCIM error answer onto core's vocabulary: `scimType` first
 * (RFC 7644 Table 9: `uniqueness` is a conflict; `invalidVers` is an
 * unsupported protocol version, not a stale ETag), then the HTTP status
 * (412: the ETag in If-Match is stale, RFC 7644 §3.14).
 */
export function mapScimError(
  httpStatus: number,
  body: unknown,
  context: { readonly service: string; readonly action: string; readonly retryAfterMs?: number | null },
): AccessLedgerError {
  const error = parseScimError(body, httpStatus);
  const scimType = error?.scimType;
  const upstreamCode = scimType ?? `HTTP_${httpStatus}`;
  const said = [scimType, error?.detail].filter(Boolean).join(': ');
  const message = `${context.service} refused ${context.action} (HTTP ${httpStatus})${said ? `: ${said}` : ''}`;
  const details = { upstreamCode, httpStatus };
  if (scimType === 'uniqueness') {
    return new ConflictError(`${message}. A resource with that unique value already exists.`, details);
  }
  if (httpStatus === 412) {
    return new ConflictError(`${message}. The resource changed since it was read: read it again.`, details);
  }
  // RFC 9865 §2.3: an expired cursor means starting the read again.
  if (scimType === 'expiredCursor') return new TransientError(message, details);
  if (scimType !== undefined && INVALID_INPUT_TYPES.has(scimType))
    return new InvalidInputError(message, details);
  if (httpStatus === 501) return new UnsupportedError(message, details);
  return mapHttpStatus(httpStatus, {
    service: context.service,
    action: context.action,
    upstreamCode,
    retryAfterMs: context.retryAfterMs ?? null,
    ...(said ? { detail: said } : {}),
  });
}
