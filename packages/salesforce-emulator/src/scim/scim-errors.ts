import type { EmulatorResponse } from '../http/types.js';
import type { SalesforceApiError } from '../org/errors.js';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_CONTENT_TYPE = 'application/scim+json';

/** A SCIM failure: `{schemas:[Error], status:"400", scimType?, detail}` (RFC 7644 §3.12). */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly scimType?: string,
  ) {
    super(detail);
    this.name = 'ScimError';
  }
}

export function scimJson(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return { status, headers: { 'Content-Type': SCIM_CONTENT_TYPE, ...headers }, body };
}

export function scimErrorResponse(error: ScimError): EmulatorResponse {
  return scimJson(error.status, {
    schemas: [SCIM_ERROR_SCHEMA],
    status: String(error.status),
    ...(error.scimType !== undefined ? { scimType: error.scimType } : {}),
    detail: error.message,
  });
}

/** Maps a REST rule failure onto SCIM's error vocabulary. */
export function fromSalesforceError(error: SalesforceApiError): ScimError {
  if (error.errorCode === 'DUPLICATE_USERNAME' || error.errorCode === 'DUPLICATE_VALUE') {
    return new ScimError(409, `${error.errorCode}: ${error.message}`, 'uniqueness');
  }
  if (error.statusCode === 404) return new ScimError(404, error.message);
  return new ScimError(
    error.statusCode === 403 ? 403 : 400,
    `${error.errorCode}: ${error.message}`,
    'invalidValue',
  );
}

export function notFoundResource(kind: string, id: string): ScimError {
  return new ScimError(404, `${kind} ${id} not found`);
}
