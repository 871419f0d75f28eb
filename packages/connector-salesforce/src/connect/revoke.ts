import { mapOAuthError } from '../errors.js';
import { postOAuthForm, type TokenEndpointOptions } from '../http/session.js';

/**
 * Revokes a refresh token (and every access token issued from it) at the login host's revoke
 * endpoint (Salesforce Help "Revoke OAuth Tokens Programmatically": POST `token=…`, 200 on success,
 * 400 `invalid_token` or `unsupported_token_type` otherwise). Returns `already-invalid` when Salesforce
 * says the token is no longer valid (revoked or expired already); throws on any other failure.
 */
export async function revokeToken(
  endpoint: TokenEndpointOptions,
  token: string,
  signal: AbortSignal,
): Promise<'revoked' | 'already-invalid'> {
  const response = await postOAuthForm(endpoint, 'revoke', { token }, signal);
  if (response.status === 200) return 'revoked';
  const error = mapOAuthError(response.data, response.status);
  if (error.details.upstreamCode === 'invalid_token') return 'already-invalid';
  throw error;
}
