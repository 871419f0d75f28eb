import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';

const JSON_NO_STORE = {
  'Content-Type': 'application/json;charset=UTF-8',
  'Cache-Control': 'no-cache,must-revalidate,max-age=0,no-store,private',
} as const;

/** `{"error": …, "error_description": …}`, the body of every token, revoke and JWT failure. */
export function oauthError(status: number, error: string, description: string): EmulatorResponse {
  return { status, headers: JSON_NO_STORE, body: { error, error_description: description } };
}

/** A successful token endpoint answer. */
export function tokenIssued(body: Readonly<Record<string, string | number>>): EmulatorResponse {
  return { status: 200, headers: JSON_NO_STORE, body };
}

/** What every REST and SCIM call answers when its session is missing, expired, revoked or its user disabled. */
export function invalidSession(): EmulatorResponse {
  return {
    status: 401,
    headers: { 'Content-Type': 'application/json;charset=UTF-8' },
    body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
  };
}

/**
 * The identity service (identity URLs and UserInfo) answers failures with a status and one word of
 * plain text, e.g. 403 `Bad_OAuth_Token` (Salesforce Help: "Identity URLs").
 */
export function identityFailure(status: number, code: string): EmulatorResponse {
  return { status, headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, body: code };
}

/**
 * An authorize error Salesforce shows in the browser instead of redirecting, because the client or the
 * callback cannot be trusted: unknown client_id, unregistered redirect_uri.
 */
export function authorizeErrorPage(status: number, error: string, description: string): EmulatorResponse {
  const query = new URLSearchParams({ error, error_description: description })
    .toString()
    .replaceAll('+', '%20');
  return {
    status,
    headers: { 'Content-Type': 'text/html;charset=UTF-8' },
    body: `<!DOCTYPE html><html><head><title>OAuth Error</title></head><body><h1>OAuth Error</h1><p>${escapeHtml(query)}</p></body></html>`,
  };
}

/** 302 to `target` with `parameters` added to its query string (existing parameters are kept). */
export function redirectWith(
  target: string,
  parameters: Readonly<Record<string, string | undefined>>,
): EmulatorResponse {
  const url = new URL(target);
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return { status: 302, headers: { Location: url.toString(), 'Cache-Control': 'no-cache,no-store' } };
}

export function notFound(): EmulatorResponse {
  return {
    status: 404,
    headers: { 'Content-Type': 'application/json;charset=UTF-8' },
    body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
  };
}

/**
 * Parameters of a token or revoke request. Like Salesforce, parameters in the query string count too;
 * the body is read only when it is `application/x-www-form-urlencoded`, so a JSON body carries no
 * grant_type and is answered `unsupported_grant_type` (the error clients sending JSON get from Salesforce).
 */
export function formParameters(request: EmulatorRequest): URLSearchParams {
  const parameters = new URLSearchParams(request.query);
  const contentType = headerValue(request, 'content-type') ?? '';
  if (contentType.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded') {
    for (const [name, value] of new URLSearchParams(request.body.toString('utf8')))
      parameters.set(name, value);
  }
  return parameters;
}

export function headerValue(request: EmulatorRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The token of `Authorization: Bearer …` or `Authorization: OAuth …` (Salesforce accepts both schemes). */
export function bearerToken(authorizationHeader: string | undefined): string | undefined {
  const match = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(authorizationHeader ?? '');
  return match?.[1];
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
