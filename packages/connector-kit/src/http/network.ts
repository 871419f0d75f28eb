import { TransientError } from '@accessledger/core';

/** Why a request got no answer at all. */
export type NetworkFailureKind = 'refused' | 'dns' | 'tls' | 'reset' | 'timeout';

/** What to tell a person for each kind of failure; a connector may word its own (`HttpClientOptions.networkFixes`). */
export type NetworkFixes = Readonly<Partial<Record<NetworkFailureKind, string>>>;

/** Each kind by Node's error codes, what happened in words, and the usual fix for any service. */
const NETWORK_FAILURES: readonly {
  readonly kind: NetworkFailureKind;
  readonly codes: readonly string[];
  readonly what: string;
  readonly fix: (service: string) => string;
}[] = [
  {
    kind: 'refused',
    codes: ['ECONNREFUSED'],
    what: 'refused the connection',
    fix: () =>
      'check the domain and port in the connection config, and that nothing (a proxy, a firewall) blocks it',
  },
  {
    kind: 'dns',
    codes: ['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL'],
    what: 'could not be resolved (DNS)',
    fix: () => "check the spelling of the domain and this machine's DNS",
  },
  {
    kind: 'tls',
    codes: [
      'CERT_HAS_EXPIRED',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'EPROTO',
    ],
    what: 'failed the TLS handshake',
    fix: (service) =>
      `a proxy that inspects TLS needs its CA in NODE_EXTRA_CA_CERTS; check that the domain is the host ${service} serves its API on`,
  },
  {
    kind: 'reset',
    codes: ['ECONNRESET', 'EPIPE', 'ERR_SOCKET_CONNECTION_TIMEOUT'],
    what: 'dropped the connection',
    fix: (service) =>
      `usually passing; if it persists check proxies and firewalls between this machine and ${service}`,
  },
  {
    kind: 'timeout',
    codes: ['ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH'],
    what: 'did not answer in time',
    fix: (service) => `check the network route to ${service} (proxy settings, firewall); the call is retried`,
  },
];

/** The error code of a failed request: Node's (`ECONNREFUSED`), also when wrapped (axios, AggregateError). */
export function networkErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    const record = current as { code?: unknown; errors?: unknown; cause?: unknown };
    if (
      typeof record.code === 'string' &&
      record.code !== 'ERR_NETWORK' &&
      record.code !== 'ERR_BAD_RESPONSE'
    )
      return record.code;
    current = Array.isArray(record.errors) ? record.errors[0] : record.cause;
  }
  return undefined;
}

function hostOf(url: string | undefined, service: string): string {
  if (!url) return service;
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * A request that got no answer (refused, DNS, TLS, reset, timeout) is a
 * `TransientError` naming the host it went to and the likely fix; the
 * scheduler retries it.
 *
 * @example
 * ```ts
 * mapNetworkFailure(error, { service: 'Example', url: 'https://api.example.com/v1/users', action: 'listing users' });
 * // api.example.com refused the connection while listing users (ECONNREFUSED): check the domain and port …
 * ```
 */
export function mapNetworkFailure(
  error: unknown,
  context: {
    /** Who should have answered, named when the URL is unknown and in the fixes: `Salesforce`. */
    readonly service: string;
    readonly url?: string | undefined;
    readonly action: string;
    readonly fixes?: NetworkFixes | undefined;
  },
): TransientError {
  const code = networkErrorCode(error);
  const failure = NETWORK_FAILURES.find((candidate) => code !== undefined && candidate.codes.includes(code));
  const host = hostOf(context.url, context.service);
  const said = error instanceof Error && error.message ? error.message : (code ?? 'no answer');
  const fix = failure ? (context.fixes?.[failure.kind] ?? failure.fix(context.service)) : undefined;
  const message =
    failure && fix
      ? `${host} ${failure.what} while ${context.action} (${code}): ${fix}.`
      : `${host} could not be reached while ${context.action} (${code ?? said}): check the network and the domain in the connection config.`;
  return new TransientError(
    message,
    { ...(code ? { upstreamCode: code } : {}), hint: fix ?? 'check the network' },
    { cause: error },
  );
}
