import type { JsonObject } from './json.js';

/**
 * The shared access model every connector emits and storage keeps history of.
 * Identities are the application's own ids (`externalId`), unique within one
 * connection; entitlements are identified by `(type, externalId)` because two
 * kinds of thing in one application may share an id space.
 */

/**
 * `suspended`: the account exists and keeps its access but cannot sign in
 * (Salesforce "frozen"). `inactive`: deactivated; access is dormant, not gone.
 */
export type AccountStatus = 'active' | 'suspended' | 'inactive';

/** An identity in the application (a Salesforce User). */
export interface Account {
  readonly externalId: string;
  readonly username: string;
  readonly email: string | null;
  readonly displayName: string;
  readonly status: AccountStatus;
  /** The application's own kind of account, e.g. Salesforce `UserType` `Standard`, `CsnOnly`, `Guest`. */
  readonly accountType: string | null;
  readonly createdAt: Date | null;
  /** Application-specific fields kept as jsonb; never secrets. */
  readonly attributes: JsonObject;
}

/**
 * Well-known entitlement types. A connector may declare others in its manifest;
 * the type is a plain string so that storage and SQL need no change for them.
 */
export const EntitlementTypes = {
  profile: 'profile',
  role: 'role',
  permissionSet: 'permission_set',
  permissionSetGroup: 'permission_set_group',
  packageLicense: 'package_license',
  userLicense: 'user_license',
  publicGroup: 'public_group',
} as const;
export type WellKnownEntitlementType = (typeof EntitlementTypes)[keyof typeof EntitlementTypes];
export type EntitlementType = WellKnownEntitlementType | (string & {});

/** Names an entitlement: the pair is unique within one connection. */
export interface EntitlementRef {
  readonly type: EntitlementType;
  readonly externalId: string;
}

/** Something an account can hold. */
export interface Entitlement extends EntitlementRef {
  readonly name: string;
  readonly description: string | null;
  /** Whether accessledger may grant it through this connector. */
  readonly grantable: boolean;
  /** Whether it may be revoked on its own (a Salesforce profile may not: it can only be replaced). */
  readonly revocable: boolean;
  /** An account holds at most one entitlement of this type (Salesforce profiles, roles). */
  readonly exclusive: boolean;
  readonly attributes: JsonObject;
}

/**
 * An account holds an entitlement. `via` names the entitlement it is held
 * through (a permission set through a permission set group, a public group
 * through a nested group); a direct grant has `via: null`. The same account
 * and entitlement may appear once directly and once per `via`.
 */
export interface Grant {
  readonly accountExternalId: string;
  readonly entitlement: EntitlementRef;
  readonly via: EntitlementRef | null;
  readonly grantedAt: Date | null;
  /** Time-limited grants end on their own (Salesforce assignment `ExpirationDate`). */
  readonly expiresAt: Date | null;
  readonly attributes: JsonObject;
}

/** When an account was last seen active, and where that fact came from. */
export interface ActivityRecord {
  readonly accountExternalId: string;
  readonly lastActivityAt: Date | null;
  /** e.g. `User.LastLoginDate`. */
  readonly source: string;
}

/**
 * One item of a sync's stream. Items may come in any order; a grant may name
 * an account or entitlement that the same stream emits later.
 *
 * Activity is a separate item rather than an Account field on purpose: last
 * login changes daily, and folding it into the account would version every
 * account at every sync.
 */
export type SyncItem =
  | { readonly kind: 'account'; readonly account: Account }
  | { readonly kind: 'entitlement'; readonly entitlement: Entitlement }
  | { readonly kind: 'grant'; readonly grant: Grant }
  | { readonly kind: 'activity'; readonly activity: ActivityRecord };

export type SyncItemKind = SyncItem['kind'];

/** A stable string key for an entitlement reference, for maps and sets. */
export function entitlementKey(ref: EntitlementRef): string {
  return `${ref.type}${ENTITLEMENT_KEY_SEPARATOR}${ref.externalId}`;
}

/**
 * Between an entitlement key's type and external id, and between a grant key's parts. The snapshot
 * writer spells keys out byte by byte with these (a million grants, no string built for each key).
 */
export const ENTITLEMENT_KEY_SEPARATOR = '\u0000';
export const GRANT_KEY_SEPARATOR = '\u0001';

/** A stable string key for a grant: account, entitlement and the path it is held through. */
export function grantKey(grant: Pick<Grant, 'accountExternalId' | 'entitlement' | 'via'>): string {
  const via = grant.via ? entitlementKey(grant.via) : '';
  return `${grant.accountExternalId}${GRANT_KEY_SEPARATOR}${entitlementKey(grant.entitlement)}${GRANT_KEY_SEPARATOR}${via}`;
}
