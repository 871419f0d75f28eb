import { newAuthorizationCode } from './token-strings.js';
import type { AuthClock } from './types.js';

export interface AuthorizationCodeGrant {
  readonly code: string;
  readonly clientId: string;
  readonly userId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  /** S256 challenge from the authorize request, if any. */
  readonly codeChallenge: string | undefined;
  readonly issuedAt: number;
}

export type CodeRedemption =
  | { readonly ok: true; readonly grant: AuthorizationCodeGrant }
  | { readonly ok: false; readonly reason: 'invalid' | 'expired' };

/** Authorization codes: single use and short-lived. */
export class AuthorizationCodeStore {
  private readonly grants = new Map<string, AuthorizationCodeGrant>();

  constructor(
    private readonly clock: AuthClock,
    private readonly ttlMs: number,
  ) {}

  issue(grant: Omit<AuthorizationCodeGrant, 'code' | 'issuedAt'>): string {
    const code = newAuthorizationCode();
    this.grants.set(code, { ...grant, code, issuedAt: this.clock.now() });
    return code;
  }

  /** Takes a code out of circulation whatever happens next: a code is good for one token request only. */
  redeem(code: string, clientId: string): CodeRedemption {
    const grant = this.grants.get(code);
    if (grant === undefined || grant.clientId !== clientId) return { ok: false, reason: 'invalid' };
    this.grants.delete(code);
    if (this.clock.now() - grant.issuedAt >= this.ttlMs) return { ok: false, reason: 'expired' };
    return { ok: true, grant };
  }
}
