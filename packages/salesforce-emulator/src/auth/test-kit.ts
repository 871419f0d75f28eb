import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';
import { OAuthServer } from './oauth-server.js';
import type { AuthClock, AuthUser, AuthUserDirectory, OAuthServerOptions } from './types.js';

// Shared by the auth unit tests only; nothing outside `*.test.ts` imports this file.

export const ORG_ID = '00D5e000000TestEAA';
export const BASE_URL = 'http://127.0.0.1:8443';
export const CALLBACK = 'http://localhost:1717/OauthRedirect';

/**
 * A throwaway self-signed certificate and its key (`openssl req -x509 -newkey rsa:2048 -days 36500`),
 * used only to prove that a registered X.509 certificate verifies JWT bearer assertions.
 */
export const FIXTURE_CERTIFICATE_PEM = `
-----BEGIN CERTIFICATE-----
MIIDPTCCAiWgAwIBAgIUBphU04G56PLIFXR9Sp6VCXbjGo0wDQYJKoZIhvcNAQEL
BQAwLTErMCkGA1UEAwwiYWNjZXNzbGVkZ2VyIGVtdWxhdG9yIHRlc3QgZml4dHVy
ZTAgFw0yNjExMjgxODQxMThaGA8yMTI2MTEwNDE4NDExOFowLTErMCkGA1UEAwwi
YWNjZXNzbGVkZ2VyIGVtdWxhdG9yIHRlc3QgZml4dHVyZTCCASIwDQYJKoZIhvcN
AQEBBQADggEPADCCAQoCggEBAJdRHaxPL7nnblNVhUhuAI/Raxhdj+D2HCvqVCb0
Nat9zfnovRBYzqZI15n0WysAhjVRXZNFewWOCijLUT6tWvI5jn0RbvXp1vF0cWNI
QuRKMzzviV2nkzqgxC+sCrH9jheFJo+7dLFYatnvOWtdsq1e3xVxwjw/XPlbxzF2
mygjbuPgoyHi9Jj7Gpw/Q9TqYJBiXIR8C2JeJPihAyWBTdemaSeApE4reCweC38+
te89ovLTGYjaH6dox1nX3OwBkggrY9k37S2FsQAiE//UEZKXbYb2hEMclzxxmM6m
B9epQGxGdv9gdnS09i/rR1eBPqtW77DRJYr2x75SDhWwLp8CAwEAAaNTMFEwHQYD
VR0OBBYEFPC2IZ/D/5lMdGuYc3ZxPLKJOZ26MB8GA1UdIwQYMBaAFPC2IZ/D/5lM
dGuYc3ZxPLKJOZ26MA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEB
AE+IVUVlHyLP/2F/njXYd6v14O7B0843NolJl+bvog/EloLWwz07FRGMnLc6gEWM
EARdEhkbbNQbiaSXniq3ufFxE5tTxBSHePiicO2TJTCka+UnLUIEHX3GjnOO6oAU
8VAhF1xRgZsbE4tSP3gqceZHMfQR8k9CJkXIakcytPjlN8DrPo8kQfA6lMzAljEM
+nMCx82qtHnZ46zpOtGNJlXBc4QLe+zkSSJGT7hGqKcD3MPVlB31a4H81xDWYyye
u726UeZ03csh3XGFp/NSOYMTo5Am4HlqfTyxDCyU5xoPhhZer/jJY56/2jNrHigq
GC5ZmcdXJf0G3is7IgPNANc=
-----END CERTIFICATE-----
`;

export const FIXTURE_PRIVATE_KEY_PEM = `
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCXUR2sTy+5525T
VYVIbgCP0WsYXY/g9hwr6lQm9DWrfc356L0QWM6mSNeZ9FsrAIY1UV2TRXsFjgoo
y1E+rVryOY59EW716dbxdHFjSELkSjM874ldp5M6oMQvrAqx/Y4XhSaPu3SxWGrZ
7zlrXbKtXt8VccI8P1z5W8cxdpsoI27j4KMh4vSY+xqcP0PU6mCQYlyEfAtiXiT4
oQMlgU3XpmkngKROK3gsHgt/PrXvPaLy0xmI2h+naMdZ19zsAZIIK2PZN+0thbEA
IhP/1BGSl22G9oRDHJc8cZjOpgfXqUBsRnb/YHZ0tPYv60dXgT6rVu+w0SWK9se+
Ug4VsC6fAgMBAAECggEAHxm+/ZFw/8a/eEVVlaN2Xhju6B0i21v6QlRxY2hCN7Mt
yLW7VkbKgobqOWxt6JK9AuxsTT60oFmnYOcZFcbPsIV/8djJc6XSVeJXA87wYLeX
fGjHVQaCTkSIzjuQHzE8KT1mxZgDzgecPpratGSXuuaK939gKr3jQCVK9bGpBkCh
B7tRwZqhR5dnKyab/3j4k/Dxt/TdvZO7oYGwqPWJIXJHy42IkEIK+uO5AO5nau/u
b+sa0/6Bz2iOtvdOSsZ59XAolff002dtaSKpCfF/LmN2auh3VLhiPO+ZcarwcAQ3
hfxhTkyBPxiXRC8nZf6GDIM6ZjjBO5VKNLzLeG0/EQKBgQDTUzApMA4VwMBs+twe
hQ3g7/e50qLxVaAJO9dzvI7bJcY/2JX5e2x9WJkTJ1I6I4QsF/Nde5tMe0Y7clvT
NCCFOCQQcUoJbGWReNHMyp+/VSRGHAzgdOAljxdhM3GYA6UtDyXSBeaMTUlmjRCS
oHl2pHAtYHmnOcKCk+MPXXQfrQKBgQC3TlEKvygFOx6JPnNQ+/3yXNfYic/e+SOm
L426ihah2Nj0LEOSRcECQjE8N7PD87lJPs/eu/3oJ97sda5W/errNopY4IajajqZ
1dd6UgGOVi6uk1bDXqScwYBCJineMTR4u9AwnJ7U1nYLiQmK63K95YEGoQQSK9R8
7S4IAk2g+wKBgQCzlghhmDMADXP5qR4S2aO3unZddkF+sfN0pWQtONp2Jh3Z+CdL
grXpt7cubcYVHkWeayQoF3kcf85pin+6dpwEWndbecsfQvz1qSUx0if7o1FWO1Q+
E1TA1l9Z/SvVsZNXPX44g0cviCaOfebNlI5kYs3p4gjAMfe4nBDj59ldaQKBgEVI
AnVvXm7rs1ToF6mqNIcf9CzRmZGK1KCBJK42duthDE7tU/S7DIIQBo/d9cHAIm2+
oc5re0H9n9H7gJM8kUepa4y//+NPySpPmouO5yunAynUYlyhLtJYiGN4DSb/rfdb
9QoKiDWlgSRG/SZWax2+2o9o2CMOEdfNxTIdvL11AoGAGnToLYgPRz0GcU/qce6h
LXhh5yQelx8BCBWwSdec2TNuqwLCLdqw8vM+DeejN5mEZz/gnlK3UakZbDyd/A07
ssqDaVqLy65F/6M4W8FFs8cab6pLFDT9qKdDodw1AIaxgRjccrmkeFfFRR49A5KU
EKjh3JNQbHhVdP3P15bH+q4=
-----END PRIVATE KEY-----
`;

export class ManualClock implements AuthClock {
  constructor(private current = Date.UTC(2026, 2, 1, 12, 0, 0)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/** An in-memory AuthUserDirectory whose users can be frozen or deactivated mid-test. */
export class FakeDirectory implements AuthUserDirectory {
  private readonly users = new Map<string, AuthUser>();

  add(username: string, id: string, overrides: Partial<AuthUser> = {}): AuthUser {
    const user: AuthUser = {
      id,
      username,
      isActive: true,
      isFrozen: false,
      orgId: ORG_ID,
      displayName: username.split('@')[0] ?? username,
      email: username,
      ...overrides,
    };
    this.users.set(id, user);
    return user;
  }

  update(id: string, changes: Partial<AuthUser>): void {
    const user = this.users.get(id);
    if (user === undefined) throw new Error(`no user ${id}`);
    this.users.set(id, { ...user, ...changes });
  }

  findByUsername(username: string): AuthUser | undefined {
    return [...this.users.values()].find((user) => user.username === username);
  }

  findById(id: string): AuthUser | undefined {
    return [...this.users.values()].find((user) => user.id.slice(0, 15) === id.slice(0, 15));
  }
}

export const ADMIN_ID = '0055e00001AdminAAA';
export const LOGIN_PASSWORD = 'test-Passw0rd!';
export const INTEGRATION_ID = '0055e00002IntegAAA';

export function newServer(overrides: Partial<OAuthServerOptions> = {}): {
  server: OAuthServer;
  directory: FakeDirectory;
  clock: ManualClock;
} {
  const directory = new FakeDirectory();
  directory.add('admin@acme.example', ADMIN_ID, { displayName: 'Ada Admin' });
  directory.add('integration@acme.example', INTEGRATION_ID, { displayName: 'Integration User' });
  const clock = new ManualClock();
  const server = new OAuthServer({
    directory,
    orgId: ORG_ID,
    defaultUsername: 'admin@acme.example',
    // The token-exchange tests skip the browser; the login page has tests of its own.
    authorize: 'auto-approve',
    loginPassword: LOGIN_PASSWORD,
    clock,
    ...overrides,
  });
  return { server, directory, clock };
}

export function getRequest(
  path: string,
  query: Readonly<Record<string, string>> = {},
  options: { headers?: IncomingHttpHeaders; baseUrl?: string } = {},
): EmulatorRequest {
  return {
    method: 'GET',
    path,
    query: new URLSearchParams(query),
    headers: options.headers ?? {},
    body: Buffer.alloc(0),
    baseUrl: options.baseUrl ?? BASE_URL,
  };
}

export function postForm(
  path: string,
  form: Readonly<Record<string, string>>,
  options: { headers?: IncomingHttpHeaders; baseUrl?: string } = {},
): EmulatorRequest {
  return {
    method: 'POST',
    path,
    query: new URLSearchParams(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
    body: Buffer.from(new URLSearchParams(form).toString()),
    baseUrl: options.baseUrl ?? BASE_URL,
  };
}

/** The JSON object body of a response, or a failure naming what came back instead. */
export function jsonBody(response: EmulatorResponse): Record<string, unknown> {
  const body = response.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Error(`expected a JSON object body, got ${JSON.stringify(body)} (status ${response.status})`);
  }
  return body as Record<string, unknown>;
}

export function stringField(response: EmulatorResponse, name: string): string {
  const value = jsonBody(response)[name];
  if (typeof value !== 'string')
    throw new Error(`expected "${name}" to be a string in ${JSON.stringify(response.body)}`);
  return value;
}

/** The query parameters of a 302's Location. */
export function redirectParameters(response: EmulatorResponse): URLSearchParams {
  const location = response.headers?.Location;
  if (response.status !== 302 || location === undefined) {
    throw new Error(`expected a redirect, got ${response.status} ${JSON.stringify(response.body)}`);
  }
  return new URL(location).searchParams;
}
