import { z } from 'zod';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const httpsUrl = (field: string, example: string) =>
  z
    .string({ error: `${field} is required: ${example}` })
    .trim()
    .refine((value) => URL.canParse(value), { error: `${field} must be a URL, e.g. ${example}` })
    .refine(
      (value) => {
        const url = new URL(value);
        return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
      },
      {
        error: `${field} must use https:// (plain http only on loopback, for tests): credentials travel with every call.`,
      },
    )
    .refine((value) => new URL(value).search === '' && new URL(value).hash === '', {
      error: `${field} must not carry a query or fragment: give the base, e.g. ${example}`,
    })
    .transform((value) => value.replace(/\/+$/, ''));

const authSchema = z.discriminatedUnion(
  'method',
  [
    z.strictObject({ method: z.literal('bearer') }),
    z.strictObject({
      method: z.literal('oauth-client-credentials'),
      tokenUrl: httpsUrl('auth.tokenUrl', 'https://login.example.com/oauth2/token'),
      clientId: z
        .string({ error: 'auth.clientId is required: the OAuth client id the application issued.' })
        .trim()
        .min(1, { error: 'auth.clientId is empty: give the OAuth client id the application issued.' }),
      scope: z
        .string()
        .trim()
        .min(1, { error: 'auth.scope is empty: leave it out or name the scopes.' })
        .optional(),
      clientAuthentication: z
        .enum(['basic', 'body'], {
          error:
            'auth.clientAuthentication must be "basic" (HTTP Basic, the RFC 6749 default) or "body" (form fields).',
        })
        .default('basic'),
    }),
    z.strictObject({
      method: z.literal('basic'),
      username: z
        .string({ error: 'auth.username is required for basic: the integration account.' })
        .trim()
        .min(1, { error: 'auth.username is empty: give the integration account.' }),
    }),
  ],
  {
    error:
      'auth.method must be "bearer" (a static token), "oauth-client-credentials" (a token endpoint) or "basic" (username and password).',
  },
);

/**
 * A SCIM connection's non-secret configuration. Secrets live in the
 * connection's credential store: `token` (bearer), `clientSecret` (OAuth) or
 * `password` (basic).
 *
 * @example
 * ```ts
 * scimConfigSchema.parse({ baseUrl: 'https://api.example.com/scim/v2', auth: { method: 'bearer' } });
 * ```
 */
export const scimConfigSchema = z.strictObject({
  baseUrl: httpsUrl(
    'baseUrl',
    'https://api.example.com/scim/v2 (the URL that ServiceProviderConfig is under)',
  ),
  auth: authSchema,
  /** Resources asked for per page; the provider's `filter.maxResults` lowers it. */
  pageSize: z
    .int({ error: 'pageSize must be a whole number between 1 and 1000.' })
    .min(1, { error: 'pageSize must be at least 1.' })
    .max(1000, { error: 'pageSize can be at most 1000.' })
    .default(100),
  /** What `deprovision deactivate` does: set `active` false (the default) or DELETE the user, which cannot be undone. */
  deactivate: z
    .enum(['set-inactive', 'delete'], {
      error:
        'deactivate must be "set-inactive" (PATCH active=false) or "delete" (DELETE the user; irreversible).',
    })
    .default('set-inactive'),
  timeoutMs: z
    .int({ error: 'timeoutMs must be a whole number of milliseconds.' })
    .min(1_000, { error: 'timeoutMs must be at least 1000.' })
    .default(60_000),
});

export type ScimConfig = z.output<typeof scimConfigSchema>;
export type ScimConfigInput = z.input<typeof scimConfigSchema>;
export type ScimAuthConfig = ScimConfig['auth'];

/** Names of the secrets a SCIM connection keeps in its credential store. */
export const ScimCredentialNames = {
  token: 'token',
  clientSecret: 'clientSecret',
  password: 'password',
} as const;
