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
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientCredentialsGrant } from '../auth/oauth.js';
import { FixedSessionProvider, SingleFlightSessionProvider } from '../auth/session.js';
import { mapScimError } from '../scim/errors.js';
import { HttpClient, type HttpClientOptions } from './client.js';

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

/** A client of the test server (or of `origin`) with a static token and fast retries. */
function clientAt(
  origin: string,
  options: Partial<Omit<HttpClientOptions<string>, 'sessions' | 'authorize' | 'logger'>> = {},
) {
  return new HttpClient<string>({
    service: 'the test service',
    sessions: new FixedSessionProvider(async () => 'static-token'),
    authorize: (token) => ({ baseUrl: `${origin}/api/v1`, headers: { authorization: `Bearer ${token}` } }),
    logger: createRunContext().logger,
    retry: fast,
    ...options,
  });
}

function staticClient(hooks = {}) {
  return clientAt(baseUrl, { hooks });
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

function answer(response: ServerResponse, status: number, contentType: string | null, body: string): void {
  response.writeHead(status, contentType ? { 'content-type': contentType } : {});
  response.end(body);
}

const BAD_GATEWAY_PAGE =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';

describe('requireJson: a successful answer that is not JSON fails as malformed', () => {
  async function failureOf(client: HttpClient<string>): Promise<TransientError> {
    const failure = await client
      .request({ method: 'GET', path: 'Users', action: 'listing users' }, signal)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as TransientError).details.upstreamCode).toBe('MALFORMED_RESPONSE');
    return failure as TransientError;
  }

  it('quotes the HTML page a proxy sent with 200, and neither retries nor hides it', async () => {
    handler = (_request, _body, response) => answer(response, 200, 'text/html', BAD_GATEWAY_PAGE);
    const client = clientAt(baseUrl, { requireJson: true });
    const failure = await failureOf(client);
    expect(failure.message).toBe(
      'the test service answered listing users with text/html instead of JSON ("502 Bad Gateway Bad Gateway…"): ' +
        'a proxy or firewall between accessledger and the test service may have answered instead. Nothing was stored from it.',
    );
    expect([received.length, client.requests]).toEqual([1, 1]);
    // Without the option the page is handed over as the text it is.
    const lenient = await clientAt(baseUrl).request<unknown>(
      { method: 'GET', path: 'Users', action: 'listing users' },
      signal,
    );
    expect(lenient.data).toBe(BAD_GATEWAY_PAGE);
  });

  it('refuses JSON cut off half-way, a JSON body under another content type, and an empty 200', async () => {
    const client = clientAt(baseUrl, { requireJson: true });
    handler = (_request, _body, response) =>
      answer(response, 200, 'application/json', '{"Resources": [{"id"');
    expect((await failureOf(client)).message).toMatch(
      /with JSON that does not parse \(20 characters, cut off or malformed\) \("\{"Resources": \[\{"id""\)/,
    );
    handler = (_request, _body, response) => answer(response, 200, 'text/plain', '{"ok":true}');
    expect((await failureOf(client)).message).toMatch(/with text\/plain instead of JSON: a proxy/);
    handler = (_request, _body, response) => answer(response, 200, null, '');
    expect((await failureOf(client)).message).toMatch(/with no content type instead of JSON:/);
  });

  it('accepts structured +json types, and an empty 201 or 204', async () => {
    const client = clientAt(baseUrl, { requireJson: true });
    handler = (_request, _body, response) =>
      answer(response, 200, 'application/scim+json; charset=utf-8', '{"totalResults":0}');
    const listed = await client.request<{ totalResults: number }>(
      { method: 'GET', path: 'Users', action: 'listing users' },
      signal,
    );
    expect(listed.data.totalResults).toBe(0);
    for (const status of [201, 204]) {
      handler = (_request, _body, response) => answer(response, status, null, '');
      const written = await client.request(
        { method: 'PATCH', path: 'Users/1', body: {}, action: 'updating' },
        signal,
      );
      expect(written.status).toBe(status);
    }
  });
});

describe('requestDeferred: a successful answer kept as bytes until read', () => {
  it('hands over the body unparsed, and parses it once when read', async () => {
    handler = (_request, _body, response) => json(response, 200, { records: [{ Name: 'Ädа' }], done: true });
    const body = await staticClient().requestDeferred<{ records: { Name: string }[] }>(
      { method: 'GET', path: 'query', action: 'reading a page' },
      signal,
    );
    expect(body.status).toBe(200);
    const value = body.value();
    expect(value.records[0]?.Name).toBe('Ädа');
    expect(body.value()).toBe(value);
  });

  it('refuses a wrong content type on arrival, and JSON that does not parse when read, as malformed', async () => {
    const client = staticClient();
    handler = (_request, _body, response) => answer(response, 200, 'text/html', BAD_GATEWAY_PAGE);
    const refused = await client
      .requestDeferred({ method: 'GET', path: 'query', action: 'reading a page' }, signal)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TransientError);
    expect((refused as TransientError).message).toMatch(/with text\/html instead of JSON \("502 Bad Gateway/);
    handler = (_request, _body, response) => answer(response, 200, 'application/json', '{"records": [{"Id"');
    const cutOff = await client.requestDeferred(
      { method: 'GET', path: 'query', action: 'reading a page' },
      signal,
    );
    expect(() => cutOff.value()).toThrow(/reading a page with JSON that does not parse \(18 characters/);
    try {
      cutOff.value();
    } catch (error) {
      expect((error as TransientError).details.upstreamCode).toBe('MALFORMED_RESPONSE');
    }
  });

  it('reads a large array member a slice at a time, the rest of the body at once (sliced)', async () => {
    const records = Array.from({ length: 3000 }, (_, index) => ({
      Id: `0Pa${index}`,
      Name: `Zoë ${index} ${'x'.repeat(40)}`,
    }));
    handler = (_request, _body, response) =>
      json(response, 200, { totalSize: 3000, done: false, nextRecordsUrl: '/next', records });
    const body = await staticClient().requestDeferred<{ records: unknown[]; done: boolean }>(
      { method: 'GET', path: 'query', action: 'reading a page' },
      signal,
    );
    const { value, runs } = body.sliced('records');
    expect(value).toEqual({ totalSize: 3000, done: false, nextRecordsUrl: '/next', records: [] });
    expect(runs).toBeDefined();
    expect([...(runs?.() ?? [])].flat()).toEqual(records);
    // A member that is not large, or a small body: the value as parsed, nothing to read after.
    expect(body.sliced('done')).toEqual({ value: { ...value, records } });
    handler = (_request, _body, response) =>
      json(response, 200, { records: records.slice(0, 2), done: true });
    const small = await staticClient().requestDeferred<unknown>(
      { method: 'GET', path: 'query', action: 'reading a page' },
      signal,
    );
    expect(small.sliced('records')).toEqual({ value: { records: records.slice(0, 2), done: true } });
    expect(small.value()).toEqual({ records: records.slice(0, 2), done: true });
  });

  it('fails as malformed when a slice it reads is not JSON, having handed out the slices before it', async () => {
    const good = Array.from({ length: 3000 }, (_, index) =>
      JSON.stringify({ Id: `0Pa${index}`, Name: 'y'.repeat(40) }),
    );
    handler = (_request, _body, response) =>
      answer(response, 200, 'application/json', `{"done":true,"records":[${good.join(',')},{"Id":tru}]}`);
    const body = await staticClient().requestDeferred(
      { method: 'GET', path: 'query', action: 'reading a page' },
      signal,
    );
    const { runs } = body.sliced('records');
    const read: unknown[] = [];
    const failure = (() => {
      try {
        for (const run of runs?.() ?? []) read.push(...run);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as TransientError).message).toMatch(/reading a page with JSON that does not parse/);
    expect((failure as TransientError).details.upstreamCode).toBe('MALFORMED_RESPONSE');
    expect(read.length).toBeGreaterThan(1000);
    expect(read.length).toBeLessThan(3000);
  });

  it('retries and maps a failed answer from its parsed body, as request does', async () => {
    let calls = 0;
    handler = (_request, _body, response) =>
      ++calls === 1
        ? json(response, 503, { detail: 'busy' })
        : json(response, 409, { status: '409', scimType: 'uniqueness', detail: 'taken' });
    const bodies: unknown[] = [];
    const client = staticClient({
      mapError: (failure: { status: number; data: unknown }) => {
        bodies.push(failure.data);
        return mapScimError(failure.status, failure.data, { service: 'SCIM', action: 'reading' });
      },
    });
    const failure = await client
      .requestDeferred({ method: 'GET', path: 'query', action: 'reading' }, signal)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConflictError);
    expect(bodies).toEqual([{ status: '409', scimType: 'uniqueness', detail: 'taken' }]);
    expect(client.requests).toBe(2);
  });
});

describe("paths: 'root-relative': a link is followed only as a path on the base URL's origin", () => {
  it('follows a path from the root, with its query', async () => {
    handler = (_request, _body, response) => json(response, 200, { done: true });
    const client = clientAt(baseUrl, { paths: 'root-relative', originName: 'the instance' });
    await client.request(
      { method: 'GET', path: '/api/v1/query/01g-2000', query: { q: 'a b' }, action: 'reading the next page' },
      signal,
    );
    expect(received.map((request) => request.url)).toEqual(['/api/v1/query/01g-2000?q=a+b']);
  });

  for (const [label, link] of [
    ['an absolute URL on another origin', () => 'http://evil.example/api/v1/query/01g-2000'],
    ['an absolute URL even on the same origin', () => `${baseUrl}/api/v1/query/01g-2000`],
    ['a protocol-relative URL', () => '//evil.example/api/v1/query/01g-2000'],
    ['a backslash trick', () => '/\\evil.example/api/v1/query/01g-2000'],
    ['a path relative to the base URL', () => 'query/01g-2000'],
  ] as const) {
    it(`refuses ${label} before any request is built`, async () => {
      const client = clientAt(baseUrl, { paths: 'root-relative', originName: 'the instance' });
      const failure = await client
        .request({ method: 'GET', path: link(), action: 'reading the next page' }, signal)
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(InvalidInputError);
      expect((failure as Error).message).toBe(
        `Not reading the next page: the test service named the link "${link()}", which is not a path on the instance ${baseUrl}; only relative paths are followed, and no token was sent.`,
      );
      expect([received.length, client.requests]).toEqual([0, 0]);
    });
  }

  it("is not the default: an absolute URL on the base URL's origin is followed", async () => {
    handler = (_request, _body, response) => json(response, 200, {});
    await clientAt(baseUrl).request(
      { method: 'GET', path: `${baseUrl}/api/v1/query/01g-2000`, action: 'reading' },
      signal,
    );
    expect(received.map((request) => request.url)).toEqual(['/api/v1/query/01g-2000']);
  });
});

describe('a request that gets no answer is a TransientError naming the host and the fix', () => {
  const servers: ReturnType<typeof createTcpServer>[] = [];
  const sockets: Socket[] = [];

  async function listen(onConnection: (socket: Socket) => void): Promise<number> {
    const tcp = createTcpServer((socket) => {
      sockets.push(socket);
      onConnection(socket);
    });
    servers.push(tcp);
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    return (tcp.address() as AddressInfo).port;
  }

  afterAll(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const tcp of servers.splice(0)) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  });

  async function failureAt(
    origin: string,
    options: Parameters<typeof clientAt>[1] = {},
  ): Promise<{ error: TransientError; requests: number }> {
    const client = clientAt(origin, { retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1 }, ...options });
    const error = await client
      .request({ method: 'GET', path: 'Users', action: 'listing users' }, signal)
      .catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(TransientError);
    return { error: error as TransientError, requests: client.requests };
  }

  it('connection refused: retried and counted, then named with the default fix', async () => {
    const port = await listen(() => undefined);
    const closed = servers.pop();
    await new Promise<void>((resolve) => closed?.close(() => resolve()));
    const { error, requests } = await failureAt(`http://127.0.0.1:${port}`);
    expect(error.message).toBe(
      `127.0.0.1:${port} refused the connection while listing users (ECONNREFUSED): ` +
        'check the domain and port in the connection config, and that nothing (a proxy, a firewall) blocks it.',
    );
    expect(error.details.upstreamCode).toBe('ECONNREFUSED');
    expect(requests).toBe(2);
  });

  it("connection reset, with the connector's own wording of the fix", async () => {
    const port = await listen((socket) => socket.resetAndDestroy());
    const { error } = await failureAt(`http://127.0.0.1:${port}`, {
      networkFixes: { reset: 'ask the example.com status page' },
    });
    expect(error.message).toBe(
      `127.0.0.1:${port} dropped the connection while listing users (ECONNRESET): ask the example.com status page.`,
    );
    expect(error.details.hint).toBe('ask the example.com status page');
  });

  it('TLS handshake against a server that does not speak TLS', async () => {
    const port = await listen((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const { error } = await failureAt(`https://127.0.0.1:${port}`);
    expect(error.message).toMatch(
      new RegExp(
        `^127\\.0\\.0\\.1:${port} failed the TLS handshake while listing users \\(EPROTO\\): .*NODE_EXTRA_CA_CERTS`,
      ),
    );
  });

  it('timeout', async () => {
    const port = await listen(() => undefined);
    const { error } = await failureAt(`http://127.0.0.1:${port}`, { timeoutMs: 100 });
    expect(error.message).toMatch(
      new RegExp(
        `^127\\.0\\.0\\.1:${port} did not answer in time while listing users \\(ECONNABORTED\\): check the network route to the test service`,
      ),
    );
  });

  it('a name that does not resolve (DNS; RFC 6761 reserves .invalid)', async () => {
    const { error } = await failureAt('http://accessledger-test.invalid', {
      retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    });
    expect(error.message).toMatch(
      /^accessledger-test\.invalid could not be resolved \(DNS\) while listing users \((ENOTFOUND|EAI_AGAIN)\): check the spelling of the domain/,
    );
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
