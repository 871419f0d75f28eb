import type { EmulatorResponse } from '../http/types.js';

/**
 * The emulated org's user as the OAuth server needs it. The org store adapts
 * its User records to this shape; nothing else of the org leaks into `auth/`.
 */
export interface AuthUser {
  /** 18-character User Id, `005…`. */
  readonly id: string;
  /** Salesforce username (email-shaped, unique across all orgs). */
  readonly username: string;
  /** User.IsActive: a deactivated user cannot log in and their sessions stop working. */
  readonly isActive: boolean;
  /** UserLogin.IsFrozen: a frozen user cannot log in and their sessions stop working. */
  readonly isFrozen: boolean;
  /** 18-character Organization Id, `00D…`. */
  readonly orgId: string;
  readonly displayName: string;
  readonly email: string;
}

/** The port the OAuth server reads users through. Lookups must see live changes (freeze, deactivate). */
export interface AuthUserDirectory {
  findByUsername(username: string): AuthUser | undefined;
  /** By 15- or 18-character Id. */
  findById(id: string): AuthUser | undefined;
  /** A token was issued to the user: a successful login (the org keeps User.LastLoginDate). */
  recordLogin?(userId: string, at: Date): void;
}

/** Milliseconds since the epoch; injectable so tests can move time. */
export interface AuthClock {
  now(): number;
}

/**
 * The connected app's "Refresh Token Policy" (Setup > Manage Connected Apps > OAuth Policies).
 * Durations are in milliseconds.
 */
export type RefreshTokenPolicy =
  | { readonly kind: 'valid-until-revoked' }
  | { readonly kind: 'expire-immediately' }
  | { readonly kind: 'expire-if-unused'; readonly afterMs: number }
  | { readonly kind: 'expire-after'; readonly afterMs: number };

/** What a test or the seed passes to register a connected app. Omitted keys get Salesforce's defaults. */
export interface ConnectedAppDefinition {
  readonly name: string;
  /** Consumer key; generated (`3MVG9…`) when omitted. */
  readonly clientId?: string;
  /** Consumer secret; generated when omitted. */
  readonly clientSecret?: string;
  /** Registered callback URLs; `redirect_uri` must equal one of them exactly. */
  readonly callbackUrls?: readonly string[];
  /** "Use digital signatures": a PEM X.509 certificate or a PEM (SPKI) RSA public key, for the JWT bearer flow. */
  readonly certificate?: string;
  /** Scopes the app may be granted, e.g. `['api', 'refresh_token', 'id']`. Default: `['api', 'refresh_token']`. */
  readonly scopes?: readonly string[];
  /** "Require Proof Key for Code Exchange (PKCE) Extension for Supported Authorization Flows". Default false. */
  readonly requirePkce?: boolean;
  /** "Require Secret for Web Server Flow". Default true. */
  readonly requireSecretForWebServerFlow?: boolean;
  /** "Require Secret for Refresh Token Flow". Default true. */
  readonly requireSecretForRefreshTokenFlow?: boolean;
  /** "Enable Client Credentials Flow" with this run-as user. Unset: the flow is disabled for the app. */
  readonly clientCredentialsRunAsUsername?: string;
  /** Default: valid until revoked. */
  readonly refreshTokenPolicy?: RefreshTokenPolicy;
  /** "Enable Refresh Token Rotation": each refresh grant returns a new refresh token and invalidates the old one. Default false. */
  readonly rotateRefreshTokens?: boolean;
  /** "Enable for Device Flow" (Salesforce Help "OAuth 2.0 Device Flow for IoT Integration"). Default false. */
  readonly enableDeviceFlow?: boolean;
}

/** A registered connected app, defaults applied. */
export interface ConnectedApp {
  readonly name: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly callbackUrls: readonly string[];
  /** The PEM that was registered (certificate or public key), if any. */
  readonly certificate: string | undefined;
  readonly scopes: readonly string[];
  readonly requirePkce: boolean;
  readonly requireSecretForWebServerFlow: boolean;
  readonly requireSecretForRefreshTokenFlow: boolean;
  readonly clientCredentialsRunAsUsername: string | undefined;
  readonly refreshTokenPolicy: RefreshTokenPolicy;
  readonly rotateRefreshTokens: boolean;
  readonly enableDeviceFlow: boolean;
}

/** A connected app registered with a freshly generated RSA key pair, for tests and the demo. */
export interface ConnectedAppWithKeyPair {
  readonly app: ConnectedApp;
  /** PKCS#8 PEM private key that signs JWT bearer assertions for `app`. */
  readonly privateKeyPem: string;
  /** SPKI PEM public key registered as the app's certificate. */
  readonly publicKeyPem: string;
}

export type OAuthGrantType =
  | 'authorization_code'
  | 'refresh_token'
  | 'urn:ietf:params:oauth:grant-type:jwt-bearer'
  | 'client_credentials'
  | 'device';

/** A live access token and who it acts for. */
export interface Session {
  readonly accessToken: string;
  readonly userId: string;
  readonly orgId: string;
  readonly username: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly grantType: OAuthGrantType;
  /** ms epoch. */
  readonly issuedAt: number;
}

/** The outcome of checking an `Authorization` header on a data or SCIM request. */
export type AuthenticationResult =
  | { readonly ok: true; readonly session: Session }
  | { readonly ok: false; readonly response: EmulatorResponse };

/** Why a session stopped working without being revoked. */
export type SessionExpiryCause = 'timeout' | 'expire-all' | 'call-count';

export interface OAuthServerOptions {
  /** Where users are looked up; must reflect freezes and deactivations as they happen. */
  readonly directory: AuthUserDirectory;
  /** 18-character Organization Id of the emulated org. */
  readonly orgId: string;
  /** Who `authorize: 'auto-approve'` approves as when no known `login_hint` is given. */
  readonly defaultUsername: string;
  /**
   * How `/services/oauth2/authorize` signs the user in. `login-page` (the default) does what Salesforce
   * does: a login page (username, password), then an "Allow Access?" page listing the scopes.
   * `auto-approve` shows no page and approves at once as the `login_hint` user, else `defaultUsername`:
   * for tests that exercise the token exchange without a browser.
   */
  readonly authorize?: 'login-page' | 'auto-approve';
  /** The password every active user of the org logs in with on the login page; default a random one (see `OAuthServer.loginPassword`). */
  readonly loginPassword?: string;
  /** Seconds a device flow client is told to wait between polls. Default 5. */
  readonly deviceFlowIntervalSeconds?: number;
  /** Lifetime of a device flow user code. Default 10 minutes. */
  readonly deviceCodeTtlMs?: number;
  /** `instance_url` in token responses; default: the base URL the request reached. */
  readonly instanceUrl?: string;
  /** Session timeout, sliding on use. Default 2 hours (Salesforce's default session timeout). */
  readonly sessionTimeoutMs?: number;
  /** Lifetime of an authorization code. Default 15 minutes. */
  readonly authorizationCodeTtlMs?: number;
  /** Extra accepted JWT `aud` values besides the request's base URL and the login/test hosts. */
  readonly extraJwtAudiences?: readonly string[];
  readonly clock?: AuthClock;
}
