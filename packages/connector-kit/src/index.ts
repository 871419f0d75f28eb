/**
 * @accessledger/connector-kit: what every HTTP connector needs and nothing
 * application-specific: one retrying axios client, single-flight session
 * renewal, OAuth token requests, HTTP status → core errors, network failures
 * named by host and fix, JSON answer checks, request counting,
 * and SCIM 2.0 helpers (PatchOp, error bodies, index and cursor paging).
 */
export { HttpClient } from './http/client.js';
export { DeferredJson } from './http/answers.js';
export type {
  Authorization,
  HttpClientHooks,
  HttpClientOptions,
  HttpMethod,
  HttpRequest,
  PathRule,
} from './http/client.js';
export { defaultRetryPolicy, isReplaySafe, retryAfterMs, retryDelayMs, shouldRetry } from './http/retry.js';
export type { HttpFailure, RetryableResponse, RetryPolicy } from './http/retry.js';
export { mapHttpStatus } from './http/errors.js';
export type { StatusContext } from './http/errors.js';
export { mapNetworkFailure } from './http/network.js';
export type { NetworkFailureKind, NetworkFixes } from './http/network.js';
export { FixedSessionProvider, SingleFlightSessionProvider, raceAbort } from './auth/session.js';
export type { SessionGrant, SessionProvider, SingleFlightOptions } from './auth/session.js';
export { accessTokenFrom, clientCredentialsGrant, mapOAuthError, requestToken } from './auth/oauth.js';
export type { ClientAuthentication, OAuthAccessToken, TokenRequestOptions } from './auth/oauth.js';
export { SCIM_MEDIA_TYPE, ScimSchemas } from './scim/schemas.js';
export { ScimPatch, equalsFilter, scimString, valuePath } from './scim/patch.js';
export type { ScimPatchOperation, ScimPatchRequest } from './scim/patch.js';
export { mapScimError, parseScimError } from './scim/errors.js';
export type { ScimErrorBody } from './scim/errors.js';
export { pageByCursor, pageByIndex } from './scim/paging.js';
export type { PagingOptions, ScimListResponse } from './scim/paging.js';
export { expandGroupNesting } from './groups/nesting.js';
export type { GroupNestingEdge } from './groups/nesting.js';
