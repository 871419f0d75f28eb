import { newAccessToken, newRefreshToken } from './token-strings.js';
import type { AuthClock, AuthUser, OAuthGrantType, RefreshTokenPolicy, SessionExpiryCause } from './types.js';

export interface AccessTokenRecord {
  readonly accessToken: string;
  readonly userId: string;
  readonly orgId: string;
  readonly username: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly grantType: OAuthGrantType;
  readonly issuedAt: number;
  /** The refresh token this session descends from; revoking it ends the session. */
  readonly refreshToken: string | undefined;
  lastActiveAt: number;
}

export interface RefreshTokenRecord {
  readonly refreshToken: string;
  readonly userId: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly policy: RefreshTokenPolicy;
  readonly issuedAt: number;
  lastUsedAt: number;
}

interface CallCountExpiry {
  readonly everyCalls: number;
  readonly repeat: boolean;
  callsLeft: number;
}

/**
 * Live access and refresh tokens. Access tokens time out after a period of inactivity; following
 * Salesforce's session timeout rule, the last-active time only moves when a call comes in the second
 * half of the timeout window (Salesforce Help: "Session Security Levels" / "Modify Session Security
 * Settings", Timeout Value), so a session can end sooner than "timeout after the last call".
 */
export class SessionStore {
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly accessTokensByRefreshToken = new Map<string, Set<string>>();
  private readonly expiryCounts: Record<SessionExpiryCause, number> = {
    timeout: 0,
    'expire-all': 0,
    'call-count': 0,
  };
  private callCountExpiry: CallCountExpiry | undefined;

  constructor(
    private readonly clock: AuthClock,
    private readonly sessionTimeoutMs: number,
  ) {}

  issueAccessToken(
    user: AuthUser,
    grant: { clientId: string; scopes: readonly string[]; grantType: OAuthGrantType; refreshToken?: string },
  ): AccessTokenRecord {
    const now = this.clock.now();
    const record: AccessTokenRecord = {
      accessToken: newAccessToken(user.orgId),
      userId: user.id,
      orgId: user.orgId,
      username: user.username,
      clientId: grant.clientId,
      scopes: grant.scopes,
      grantType: grant.grantType,
      issuedAt: now,
      refreshToken: grant.refreshToken,
      lastActiveAt: now,
    };
    this.accessTokens.set(record.accessToken, record);
    if (grant.refreshToken !== undefined) {
      const descendants = this.accessTokensByRefreshToken.get(grant.refreshToken) ?? new Set<string>();
      descendants.add(record.accessToken);
      this.accessTokensByRefreshToken.set(grant.refreshToken, descendants);
    }
    return record;
  }

  issueRefreshToken(
    user: AuthUser,
    grant: { clientId: string; scopes: readonly string[]; policy: RefreshTokenPolicy },
  ): RefreshTokenRecord {
    const now = this.clock.now();
    const record: RefreshTokenRecord = {
      refreshToken: newRefreshToken(),
      userId: user.id,
      clientId: grant.clientId,
      scopes: grant.scopes,
      policy: grant.policy,
      issuedAt: now,
      lastUsedAt: now,
    };
    this.refreshTokens.set(record.refreshToken, record);
    return record;
  }

  /** The session behind an access token if it has not timed out; a timed-out one is dropped and counted. */
  findLiveAccessToken(accessToken: string): AccessTokenRecord | undefined {
    const record = this.accessTokens.get(accessToken);
    if (record === undefined) return undefined;
    if (this.clock.now() - record.lastActiveAt >= this.sessionTimeoutMs) {
      this.dropAccessToken(record);
      this.expiryCounts.timeout += 1;
      return undefined;
    }
    return record;
  }

  /** Records activity on a session (second half of the window only, see the class comment). */
  touch(record: AccessTokenRecord): void {
    const now = this.clock.now();
    if (now - record.lastActiveAt >= this.sessionTimeoutMs / 2) record.lastActiveAt = now;
  }

  /** Counts one authenticated API call for the "expire after N calls" fault; may expire every session. */
  countApiCall(): void {
    const fault = this.callCountExpiry;
    if (fault === undefined) return;
    fault.callsLeft -= 1;
    if (fault.callsLeft > 0) return;
    this.expireEverySession('call-count');
    if (fault.repeat) fault.callsLeft = fault.everyCalls;
    else this.callCountExpiry = undefined;
  }

  armCallCountExpiry(calls: number, repeat: boolean): void {
    if (!Number.isInteger(calls) || calls < 1) {
      throw new RangeError(
        `expireAfterCalls needs a whole number of calls ≥ 1, got ${calls}; use expireAll() to expire now.`,
      );
    }
    this.callCountExpiry = { everyCalls: calls, repeat, callsLeft: calls };
  }

  disarmCallCountExpiry(): void {
    this.callCountExpiry = undefined;
  }

  /** A refresh token that is neither revoked nor expired under its app's policy. */
  findUsableRefreshToken(refreshToken: string): RefreshTokenRecord | undefined {
    const record = this.refreshTokens.get(refreshToken);
    if (record === undefined) return undefined;
    if (this.refreshTokenExpired(record)) {
      this.revokeRefreshToken(refreshToken);
      return undefined;
    }
    return record;
  }

  markRefreshTokenUsed(record: RefreshTokenRecord): void {
    record.lastUsedAt = this.clock.now();
  }

  /** Ends one access token; true when it was live. */
  revokeAccessToken(accessToken: string): boolean {
    const record = this.accessTokens.get(accessToken);
    if (record === undefined) return false;
    this.dropAccessToken(record);
    return true;
  }

  /** Ends a refresh token and every access token issued from it; true when it existed. */
  revokeRefreshToken(refreshToken: string): boolean {
    if (!this.refreshTokens.delete(refreshToken)) return false;
    for (const accessToken of this.accessTokensByRefreshToken.get(refreshToken) ?? []) {
      this.accessTokens.delete(accessToken);
    }
    this.accessTokensByRefreshToken.delete(refreshToken);
    return true;
  }

  /** Invalidates a refresh token without ending its sessions (refresh token rotation). */
  retireRefreshToken(refreshToken: string): void {
    this.refreshTokens.delete(refreshToken);
  }

  expireEverySession(cause: SessionExpiryCause): number {
    const count = this.accessTokens.size;
    this.accessTokens.clear();
    this.accessTokensByRefreshToken.clear();
    this.expiryCounts[cause] += count;
    return count;
  }

  get expirations(): Readonly<Record<SessionExpiryCause, number>> {
    return { ...this.expiryCounts };
  }

  private dropAccessToken(record: AccessTokenRecord): void {
    this.accessTokens.delete(record.accessToken);
    if (record.refreshToken !== undefined) {
      this.accessTokensByRefreshToken.get(record.refreshToken)?.delete(record.accessToken);
    }
  }

  private refreshTokenExpired(record: RefreshTokenRecord): boolean {
    const now = this.clock.now();
    switch (record.policy.kind) {
      case 'valid-until-revoked':
        return false;
      case 'expire-immediately':
        return true;
      case 'expire-if-unused':
        return now - record.lastUsedAt >= record.policy.afterMs;
      case 'expire-after':
        return now - record.issuedAt >= record.policy.afterMs;
    }
  }
}
