import {
  AbortedError,
  AuthError,
  ConflictError,
  InvalidInputError,
  RateLimitedError,
  TransientError,
  createRunContext,
} from '@accessledger/core';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientCredentialsGrant } from '../auth/oauth.js';
import { FixedSessionProvider, SingleFlightSessionProvider } from '../auth/session.js';
import { mapScimError } from '../scim/errors.js';
import { HttpClient } from './client.js';

/** Over a real socket: each test scripts what the server answers, and reads what it received. */
type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;
let handler: Handler;
let received: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      handler(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  received = [];
});

function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

const signal = new AbortController().signal;
const fast = { retries: 3, baseDelayMs: 1, maxDelayMs: 20 };

function staticClient(hooks = {}) {
  return new HttpClient<string>({
    service: 'the test service',
    sessions: new FixedSessionProvider(async () => 'static-token'),
    authorize: (token) => ({ baseUrl: `${baseUrl}/api/v1`, headers: { authorization: `Bearer ${token}` } }),
    logger: createRunContext().logger,
    retry: fast,
    hooks,
  });
}

describe('HttpClient over a socket', () => {
  it('resolves paths under the base URL, sends the credentials and counts every request, retries included', async () => {
    let calls = 0;
    handler = (_request, _body, response) =>
      ++calls < 3 ? json(response, 503, { detail: 'busy' }) : json(response, 200, { ok: true });
    const client = staticClient();
    const answer = await client.request<{ ok: boolean }>(
      { method: 'GET', path: 'Users', action: 'listing' },
      signal,
    );
    expect(answer.data.ok).toBe(true);
    expect(received.map((request) => request.url)).toEqual([
      '/api/v1/Users',
      '/api/v1/Users',
      '/api/v1/Users',
    ]);
    expect(received[0]?.headers.authorization).toBe('Bearer static-token');
    expect(client.requests).toBe(3);
  });

  it('never replays a POST that failed with 500 or a dropped connection: it may have been applied', async () => {
    handler = (_request, _body, response) => json(response, 500, { detail: 'boom' });
    const client = staticClient();
    await expect(
      client.request({ method: 'POST', path: 'Users', body: { a: 1 }, action: 'creating a user' }, signal),
    ).rejects.toBeInstanceOf(TransientError);
    expect(received).toHaveLength(1);
    received = [];
    handler = (request) => request.socket.destroy();
    await expect(
      client.request({ method: 'POST', path: 'Users', body: { a: 1 }, action: 'creating a user' }, signal),
    ).rejects.toBeInstanceOf(TransientError);
    expect(received).toHaveLength(1);
    received = [];
    await expect(
      client.request({ method: 'GET', path: 'Users', action: 'listing' }, signal),
    ).rejects.toBeInstanceOf(TransientError);
    expect(received).toHaveLength(4);
  });

  it('waits out a 429 with Retry-After even for a POST, and surfaces a longer one as RateLimitedError', async () => {
    let calls = 0;
    handler = (_request, _body, response) =>
      ++calls === 1 ? json(response, 429, {}, { 'retry-after': '0' }) : json(response, 201, { id: 'x' });
    const client = staticClient();
    const created = await client.request<{ id: string }>(
      { method: 'POST', path: 'Users', body: {}, action: 'creating a user' },
      signal,
    );
    expect(created.data.id).toBe('x');
    expect(received).toHaveLength(2);
    received = [];
    handler = (_request, _body, response) => json(response, 429, {}, { 'retry-after': '90' });
    const refused = await client
      .request({ method: 'GET', path: 'Users', action: 'listing' }, signal)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterMs).toBe(90_000);
    expect(received).toHaveLength(1);
  });

  it('renews a refused session once, single flight, for concurrent callers', async () => {
    let grants = 0;
    let valid = 'token-0';
    handler = (request, _body, response) =>
      request.headers.authorization === `Bearer ${valid}`
        ? json(response, 200, { ok: true })
        : json(response, 401, { detail: 'expired' });
    const sessions = new SingleFlightSessionProvider(async () => `token-${grants++}`);
    const client = new HttpClient<string>({
      service: 'the test service',
      sessions,
      authorize: (token) => ({ baseUrl, headers: { authorization: `Bearer ${token}` } }),
      logger: createRunContext().logger,
      retry: fast,
    });
    await client.request({ method: 'GET', path: 'a', action: 'reading' }, signal);
    expect(grants).toBe(1);
    valid = 'token-1';
    await Promise.all(
      Array.from({ length: 5 }, () =>
        client.request({ method: 'GET', path: 'a', action: 'reading' }, signal),
      ),
    );
    expect(grants).toBe(2);
    valid = 'never';
    await expect(
      client.request({ method: 'GET', path: 'a', action: 'reading' }, signal),
    ).rejects.toBeInstanceOf(AuthError);
    expect(grants).toBe(3);
  });

  it('turns an abort into AbortedError and stops retrying', async () => {
    handler = () => undefined; // never answers
    const controller = new AbortController();
    const pending = staticClient().request(
      { method: 'GET', path: 'slow', action: 'reading slowly' },
      controller.signal,
    );
    setTimeout(() => controller.abort(), 30);
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    expect(received).toHaveLength(1);
  });

  it('refuses a path on another origin rather than send the credentials there', async () => {
    await expect(
      staticClient().request(
        { method: 'GET', path: 'http://evil.example/steal', action: 'following a link' },
        signal,
      ),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(received).toHaveLength(0);
  });

  it('lets the connector map errors and watch headers', async () => {
    const seen: unknown[] = [];
    handler = (_request, _body, response) =>
      json(response, 409, { status: '409', scimType: 'uniqueness', detail: 'taken' }, { 'x-usage': '7/10' });
    const client = staticClient({
      onResponse: (headers: Record<string, unknown>) => seen.push(headers['x-usage']),
      mapError: (failure: { status: number; data: unknown }) =>
        mapScimError(failure.status, failure.data, { service: 'SCIM', action: 'creating' }),
    });
    const error = await client
      .request({ method: 'POST', path: 'Users', body: {}, action: 'creating' }, signal)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(seen).toEqual(['7/10']);
  });
});

describe('clientCredentialsGrant over a socket (RFC 6749 §4.4)', () => {
  it('authenticates with HTTP Basic by default and reads expires_in', async () => {
    handler = (_request, _body, response) =>
      json(response, 200, { access_token: 'abc', token_type: 'Bearer', expires_in: 3600 });
    const before = Date.now();
    const token = await clientCredentialsGrant(
      { tokenUrl: `${baseUrl}/oauth/token`, clientId: 'id:1', clientSecret: 's&cret', scope: 'scim' },
      signal,
    );
    expect(token.accessToken).toBe('abc');
    expect(token.expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
    const request = received[0];
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from('id%3A1:s%26cret').toString('base64')}`);
    expect(new URLSearchParams(request?.body)).toEqual(
      new URLSearchParams({ grant_type: 'client_credentials', scope: 'scim' }),
    );
  });

  it('sends the credentials in the body when asked, and maps invalid_client to AuthError', async () => {
    handler = (_request, _body, response) => json(response, 401, { error: 'invalid_client' });
    await expect(
      clientCredentialsGrant(
        {
          tokenUrl: `${baseUrl}/oauth/token`,
          clientId: 'id',
          clientSecret: 'secret',
          clientAuthentication: 'body',
        },
        signal,
      ),
    ).rejects.toBeInstanceOf(AuthError);
    const form = new URLSearchParams(received[0]?.body);
    expect([form.get('client_id'), form.get('client_secret'), received[0]?.headers.authorization]).toEqual([
      'id',
      'secret',
      undefined,
    ]);
  });
});
