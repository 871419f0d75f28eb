/** How the service provider authenticates its clients. */
export type ScimServerAuth =
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  /** A token endpoint at `tokenUrl` (client credentials grant, RFC 6749 §4.4) issuing expiring bearer tokens. */
  | {
      readonly kind: 'oauth';
      readonly clientId: string;
      readonly clientSecret: string;
      /** Seconds a token lives (default 3600); sent as `expires_in`. */
      readonly tokenLifetimeSeconds?: number;
    };

/**
 * What the provider supports and how it behaves; each switch mirrors a way
 * real providers differ (RFC 7644 leaves PATCH, filter, sort, ETags and
 * paging limits to them).
 */
export interface ScimServerSettings {
  readonly auth: ScimServerAuth;
  /** Where the SCIM endpoints live under the host (default `/scim/v2`). */
  readonly basePath: string;
  /** PATCH (RFC 7644 §3.5.2); false answers PATCH with 501. */
  readonly patch: boolean;
  /** `filter` (§3.4.2.2); false answers a filtered list with 501. */
  readonly filter: boolean;
  /** The largest page it sends; a bigger `count` is cut down to it (§3.4.2.4). */
  readonly maxResults: number;
  readonly sort: boolean;
  /** ETags (§3.14): `meta.version`, the ETag header, If-Match → 412, If-None-Match → 304. */
  readonly etag: boolean;
  /** Refuse PUT, PATCH and DELETE without If-Match, with 428 (RFC 6585 §3). */
  readonly requireIfMatch: boolean;
  /** RFC 9865 cursor paging besides index paging. */
  readonly cursor: boolean;
  /** The Groups resource type. */
  readonly groups: boolean;
  /** `/ResourceTypes` and `/Schemas` (RFC 7644 §4); false answers them with 404, as some providers do. */
  readonly discovery: boolean;
  /** The enterprise User extension (RFC 7643 §4.3). */
  readonly enterprise: boolean;
  /** Refuse a second group with the same displayName with 409 uniqueness (some providers do). */
  readonly uniqueGroupNames: boolean;
  /** Throttling: of every `every` requests, the first `burst` answer 429 with Retry-After. */
  readonly rateLimit: {
    readonly every: number;
    readonly burst: number;
    readonly retryAfterSeconds: number;
  } | null;
}

export const defaultSettings: ScimServerSettings = {
  auth: { kind: 'bearer', token: 'scim-test-token' },
  basePath: '/scim/v2',
  patch: true,
  filter: true,
  maxResults: 100,
  sort: false,
  etag: true,
  requireIfMatch: false,
  cursor: false,
  groups: true,
  discovery: true,
  enterprise: true,
  uniqueGroupNames: false,
  rateLimit: null,
};
