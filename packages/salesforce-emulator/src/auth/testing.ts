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

/** The S256 PKCE challenge for a verifier: base64url(SHA-256(verifier)), unpadded. */
export function pkceChallenge(_verifier: string): string {
  throw new Error('not implemented yet');
}

/** A random PKCE code verifier (43–128 unreserved characters). */
export function generatePkceVerifier(): string {
  throw new Error('not implemented yet');
}

/** A compact RS256 JWT for the `urn:ietf:params:oauth:grant-type:jwt-bearer` grant. */
export function signJwtAssertion(_options: JwtAssertionOptions): string {
  throw new Error('not implemented yet');
}
