/** The wire shapes this connector reads (RFC 7643); everything else about a resource is kept as-is. */
export interface MultiValue {
  readonly value?: string;
  readonly display?: string;
  readonly type?: string;
  readonly primary?: boolean;
  readonly $ref?: string;
}

export interface ScimMeta {
  readonly resourceType?: string;
  readonly created?: string;
  readonly lastModified?: string;
  readonly location?: string;
  readonly version?: string;
}

export interface ScimResource {
  readonly id: string;
  readonly schemas?: readonly string[];
  readonly externalId?: string;
  readonly meta?: ScimMeta;
  readonly [attribute: string]: unknown;
}

export interface ScimUser extends ScimResource {
  readonly userName?: string;
  readonly displayName?: string;
  readonly name?: { readonly formatted?: string; readonly givenName?: string; readonly familyName?: string };
  readonly active?: boolean;
  readonly emails?: readonly MultiValue[];
  readonly roles?: readonly MultiValue[];
  readonly entitlements?: readonly MultiValue[];
  readonly groups?: readonly MultiValue[];
  readonly userType?: string;
}

export interface ScimGroup extends ScimResource {
  readonly displayName?: string;
  readonly members?: readonly MultiValue[];
}

/** A resource and the version its answer named (ETag header, else meta.version), for If-Match. */
export interface Versioned<R> {
  readonly resource: R;
  readonly etag: string | null;
}
