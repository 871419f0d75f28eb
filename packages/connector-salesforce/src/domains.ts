import { isIP } from 'node:net';
import { AuthError, InvalidInputError } from '@accessledger/core';

/**
 * Where a Salesforce org is logged into. Users paste all sorts of things: a
 * login host, a My Domain URL copied from the browser, a Lightning UI URL, or
 * a sandbox host whose `--` was shortened to `-` on the way (the Lumos help
 * article's troubleshooting). Hosts follow Salesforce Help "My Domain URL
 * Formats".
 */
export type OrgDomainKind =
  'production' | 'sandbox' | 'my-domain' | 'my-domain-sandbox' | 'developer-edition' | 'custom';

export interface OrgDomain {
  readonly kind: OrgDomainKind;
  /** Scheme and host that serve `/services/oauth2/*`, e.g. `https://acme.my.salesforce.com`. */
  readonly loginUrl: string;
  readonly myDomain: string | null;
  readonly sandboxName: string | null;
  /** Whether the org is a sandbox (JWT `aud` is then test.salesforce.com). */
  readonly isSandbox: boolean;
}

export interface ParseDomainOptions {
  /**
   * Accept an emulated org on this machine: `localhost` or a loopback IP
   * literal, over http or https. No other host that is not Salesforce's.
   */
  readonly allowCustomHosts?: boolean;
}

const MY_DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * Parses `login`, `test`, a host or a URL into the org's login domain.
 *
 * @example
 * ```ts
 * parseOrgDomain('https://acme--uat.sandbox.lightning.force.com/lightning/page/home');
 * // { kind: 'my-domain-sandbox', loginUrl: 'https://acme--uat.sandbox.my.salesforce.com', ... }
 * ```
 */
export function parseOrgDomain(input: string, options: ParseDomainOptions = {}): OrgDomain {
  const trimmed = input.trim();
  if (trimmed === '') {
    throw new InvalidInputError(
      'The Salesforce domain is empty: use "login", "test" or your My Domain, e.g. acme.my.salesforce.com.',
    );
  }
  if (trimmed === 'login' || trimmed === 'production') return fixed('production', 'login.salesforce.com');
  if (trimmed === 'test' || trimmed === 'sandbox') return fixed('sandbox', 'test.salesforce.com');

  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch {
    throw new InvalidInputError(`"${input}" is not a host or URL: use e.g. acme.my.salesforce.com.`);
  }
  const host = url.hostname.toLowerCase();

  if (options.allowCustomHosts && !isSalesforceHost(host)) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new InvalidInputError(`"${input}" is not an http(s) URL.`);
    if (!isLoopbackHost(host)) {
      throw new InvalidInputError(
        `"${input}" is not a loopback host: allowCustomHosts is for an emulated org on this machine and accepts ` +
          'only localhost and loopback IP literals (127.0.0.0/8, ::1), over http or https. For a real org use its Salesforce host.',
      );
    }
    return { kind: 'custom', loginUrl: url.origin, myDomain: null, sandboxName: null, isSandbox: false };
  }
  if (url.protocol !== 'https:')
    throw new InvalidInputError(`"${input}": Salesforce is only reached over https.`);

  if (host === 'login.salesforce.com') return fixed('production', host);
  if (host === 'test.salesforce.com') return fixed('sandbox', host);

  const lightning = /^(.+?)(\.sandbox)?\.lightning\.force\.com$/.exec(host);
  if (lightning) {
    const suggestion = `${lightning[1]}${lightning[2] ?? ''}.my.salesforce.com`;
    throw new InvalidInputError(
      `"${host}" is the Lightning UI host, not a login or API host: use ${suggestion} (Setup > My Domain shows it).`,
    );
  }

  const sandbox = /^([^.]+)\.sandbox\.my\.salesforce(?:-setup)?\.com$/.exec(host);
  if (sandbox) {
    const label = sandbox[1] as string;
    const parts = label.split('--');
    if (parts.length !== 2 || !parts.every((part) => MY_DOMAIN_LABEL.test(part))) {
      throw new InvalidInputError(sandboxHint(host, label));
    }
    return {
      kind: 'my-domain-sandbox',
      loginUrl: `https://${label}.sandbox.my.salesforce.com`,
      myDomain: parts[0] as string,
      sandboxName: parts[1] as string,
      isSandbox: true,
    };
  }

  const developer = /^([^.]+)\.develop\.my\.salesforce(?:-setup)?\.com$/.exec(host);
  if (developer) {
    return myDomain('developer-edition', `${developer[1]}.develop.my.salesforce.com`, developer[1] as string);
  }

  const production = /^([^.]+)\.my\.salesforce(?:-setup)?\.com$/.exec(host);
  if (production) {
    const label = production[1] as string;
    if (label.includes('--')) {
      throw new InvalidInputError(
        `"${host}" looks like a sandbox (it contains "--") but lacks ".sandbox": use ${label}.sandbox.my.salesforce.com.`,
      );
    }
    if (!MY_DOMAIN_LABEL.test(label))
      throw new InvalidInputError(`"${label}" is not a valid My Domain name.`);
    return myDomain('my-domain', `${label}.my.salesforce.com`, label);
  }

  throw new InvalidInputError(
    `"${host}" is not a Salesforce login host: use login.salesforce.com, test.salesforce.com or your My Domain (acme.my.salesforce.com, acme--uat.sandbox.my.salesforce.com).`,
  );
}

/**
 * `localhost` or a loopback IP literal (127.0.0.0/8, ::1) — never a name that
 * merely starts with `127.` such as `127.attacker.example`, which DNS may send anywhere.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.split('.')[0] === '127';
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * Whether a token response's `instance_url` may receive the bearer token: for
 * a Salesforce login domain, an https origin under salesforce.com (Salesforce
 * serves the APIs from `{MyDomain}.my.salesforce.com`, its sandbox and
 * Developer Edition forms, or a legacy `{instance}.salesforce.com`); for a
 * custom host (the emulator), exactly the configured origin. Anything else
 * fails before a token is sent.
 */
export function assertInstanceUrl(instanceUrl: string, domain: OrgDomain): string {
  let url: URL;
  try {
    url = new URL(instanceUrl);
  } catch {
    throw new AuthError(
      `The token response named an instance_url that is not a URL ("${instanceUrl.slice(0, 100)}"); no token was sent to it.`,
    );
  }
  const origin = url.origin;
  if (domain.kind === 'custom') {
    if (origin !== domain.loginUrl || (url.pathname !== '/' && url.pathname !== '')) {
      throw new AuthError(
        `The token response named instance_url ${origin}, but with a custom host only the configured origin ${domain.loginUrl} may receive the token; no token was sent to it.`,
      );
    }
    return origin;
  }
  if (
    url.protocol !== 'https:' ||
    url.username !== '' ||
    url.password !== '' ||
    url.port !== '' ||
    !/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+salesforce\.com$/.test(url.hostname)
  ) {
    throw new AuthError(
      `The token response named instance_url ${origin}, which is not an https host under salesforce.com; no token was sent to it. Check the connection's domain and the connected app.`,
    );
  }
  return origin;
}

function sandboxHint(host: string, label: string): string {
  const dashes = [...label.matchAll(/-/g)].length;
  if (!label.includes('--') && dashes > 0) {
    const first = label.indexOf('-');
    const guess = `${label.slice(0, first)}--${label.slice(first + 1)}`;
    return `"${host}" is a sandbox host without "--" between the My Domain name and the sandbox name; copying the URL can turn "--" into "-". Did you mean ${guess}.sandbox.my.salesforce.com?`;
  }
  return `"${host}" is not a valid sandbox host: expected {mydomain}--{sandbox}.sandbox.my.salesforce.com.`;
}

function isSalesforceHost(host: string): boolean {
  return /(^|\.)(salesforce|salesforce-setup|force)\.com$/.test(host);
}

function fixed(kind: 'production' | 'sandbox', host: string): OrgDomain {
  return {
    kind,
    loginUrl: `https://${host}`,
    myDomain: null,
    sandboxName: null,
    isSandbox: kind === 'sandbox',
  };
}

function myDomain(kind: 'my-domain' | 'developer-edition', host: string, name: string): OrgDomain {
  return { kind, loginUrl: `https://${host}`, myDomain: name, sandboxName: null, isSandbox: false };
}
