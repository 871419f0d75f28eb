import { createHash, createPrivateKey, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** Claims of a JWT bearer assertion, as Salesforce's "OAuth 2.0 JWT Bearer Flow" defines them. */
export interface JwtAssertionOptions {
  /** `iss`: the connected app's consumer key. */
  readonly clientId: string;
  /** `sub`: the username to act as. */
  readonly username: string;
  /** `aud`: `https://login.salesforce.com`, `https://test.salesforce.com`, a community URL, or the emulator's base URL. */
  readonly audience: string;
  /** PKCS#8 PEM or KeyObject of the RSA private key whose certificate is registered with the app. */
  readonly privateKey: string | KeyObject;
  /** `exp` in seconds since the epoch; default now + 3 minutes. */
  readonly expiresAt?: number;
  /** Clock for the default `exp`, ms epoch. */
  readonly now?: number;
  /** Extra or overriding claims, for negative tests. */
  readonly extraClaims?: Readonly<Record<string, unknown>>;
}

/**
 * The S256 PKCE challenge for a verifier: base64url(SHA-256(verifier)), unpadded.
 *
 * @example
 * const verifier = generatePkceVerifier();
 * const authorizeUrl = `${base}/services/oauth2/authorize?response_type=code&client_id=${id}&redirect_uri=${cb}&code_challenge=${pkceChallenge(verifier)}`;
 */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A random PKCE code verifier: 64 unreserved characters (RFC 7636 allows 43–128). */
export function generatePkceVerifier(): string {
  return randomBytes(48).toString('base64url');
}

/**
 * A compact RS256 JWT for the `urn:ietf:params:oauth:grant-type:jwt-bearer` grant.
 *
 * @example
 * const assertion = signJwtAssertion({ clientId: app.clientId, username: 'admin@example.org', audience: 'https://login.salesforce.com', privateKey: privateKeyPem });
 * // POST /services/oauth2/token  grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<assertion>
 */
export function signJwtAssertion(options: JwtAssertionOptions): string {
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  const claims = {
    iss: options.clientId,
    sub: options.username,
    aud: options.audience,
    exp: options.expiresAt ?? nowSeconds + 180,
    ...options.extraClaims,
  };
  const header = Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const key =
    typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), key).toString('base64url');
  return `${header}.${payload}.${signature}`;
}
