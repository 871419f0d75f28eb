import { verify } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';
import { oauthError } from './responses.js';
import { loginRefusal, orgUserByUsername, respondWithTokens, SHARED_LOGIN_HOSTS } from './server-context.js';
import type { AuthorizationServerContext } from './server-context.js';

/** Salesforce Help "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration": exp is "within 3 minutes". */
export const MAX_ASSERTION_LIFETIME_SECONDS = 180;

interface AssertionParts {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly signedText: string;
  readonly signature: Buffer;
}

/**
 * `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`: an RS256 assertion signed with the key whose
 * certificate is registered on the app named by `iss`. No refresh token is issued. Error descriptions are
 * the ones Salesforce answers (Salesforce Help "OAuth 2.0 Authorization Errors" for the audience one).
 */
export function jwtBearerGrant(
  context: AuthorizationServerContext,
  request: EmulatorRequest,
  parameters: URLSearchParams,
): EmulatorResponse {
  const assertion = parseAssertion(parameters.get('assertion') ?? '');
  if (assertion === undefined) return oauthError(400, 'invalid_grant', 'invalid assertion');
  const { header, claims } = assertion;

  const issuer = typeof claims.iss === 'string' ? claims.iss : '';
  const app = context.apps.get(issuer);
  if (app === undefined) return oauthError(400, 'invalid_client_id', 'client identifier invalid');
  const signingKey = context.apps.signingKeyOf(app.clientId);
  if (header.alg !== 'RS256' || signingKey === undefined)
    return oauthError(400, 'invalid_grant', 'invalid assertion');
  if (!verify('RSA-SHA256', Buffer.from(assertion.signedText), signingKey, assertion.signature)) {
    return oauthError(400, 'invalid_grant', 'invalid assertion');
  }

  if (!audienceAccepted(context, request, claims.aud))
    return oauthError(400, 'invalid_grant', 'Audience validation failed');

  const expiresAt = numericDate(claims.exp);
  const nowSeconds = context.clock.now() / 1000;
  if (expiresAt === undefined || expiresAt <= nowSeconds) {
    return oauthError(400, 'invalid_grant', 'expired authorization code');
  }
  if (expiresAt - nowSeconds > MAX_ASSERTION_LIFETIME_SECONDS) {
    return oauthError(400, 'invalid_grant', 'invalid assertion');
  }

  // `prn` is the older name of the subject; when both are present Salesforce uses `prn`.
  const subject =
    typeof claims.prn === 'string' ? claims.prn : typeof claims.sub === 'string' ? claims.sub : '';
  const user = orgUserByUsername(context, subject);
  if (user === undefined) return oauthError(400, 'invalid_grant', "user hasn't approved this consumer");
  const refusal = loginRefusal(user);
  if (refusal !== undefined) return oauthError(400, 'invalid_grant', refusal);

  return respondWithTokens(context, request, {
    app,
    user,
    grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    scopes: app.scopes,
    signed: false,
    withRefreshToken: false,
  });
}

function parseAssertion(assertion: string): AssertionParts | undefined {
  const parts = assertion.split('.');
  if (parts.length !== 3) return undefined;
  const [encodedHeader = '', encodedClaims = '', encodedSignature = ''] = parts;
  const header = decodeJsonObject(encodedHeader);
  const claims = decodeJsonObject(encodedClaims);
  if (header === undefined || claims === undefined) return undefined;
  return {
    header,
    claims,
    signedText: `${encodedHeader}.${encodedClaims}`,
    signature: Buffer.from(encodedSignature, 'base64url'),
  };
}

function decodeJsonObject(segment: string): Readonly<Record<string, unknown>> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `exp` as seconds; Salesforce's own example writes it as a string, so numeric strings count. */
function numericDate(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function audienceAccepted(
  context: AuthorizationServerContext,
  request: EmulatorRequest,
  audience: unknown,
): boolean {
  const accepted = new Set([
    ...SHARED_LOGIN_HOSTS.map((host) => `https://${host}`),
    request.baseUrl,
    context.instanceUrlFor(request),
    ...context.extraJwtAudiences,
  ]);
  const audiences = Array.isArray(audience) ? audience : [audience];
  return audiences.some((value) => typeof value === 'string' && accepted.has(value));
}
