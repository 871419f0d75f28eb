import { AuthError, InMemoryCredentialStore, TransientError } from '@accessledger/core';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseOrgDomain } from '../domains.js';
import { SalesforceClient } from './client.js';
import { CredentialNames, sessionGrantFor } from './grants.js';
import { SingleFlightSessionProvider } from './session.js';

const CLIENT_SECRET = 'consumer-secret-never-leaves-its-host';
const ACCESS_TOKEN = '00Dxx0000000001!bearer-token-never-leaves-its-instance';
const never = new AbortController().signal;

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

/** A real HTTP server on loopback that records every request and answers with `respond`. */
async function serve(
  respond: (request: IncomingMessage, response: ServerResponse, body: string) => void,
): Promise<{ server: Server; origin: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        body,
      });
      respond(request, response, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

// The attacker's host: it must never see a secret or a token.
let attacker: Awaited<ReturnType<typeof serve>>;
// The configured login host, whose answers each test scripts.
let login: Awaited<ReturnType<typeof serve>>;
let script: (request: IncomingMessage, response: ServerResponse) => void;

beforeAll(async () => {
  attacker = await serve((_request, response) =>
    json(response, 200, { access_token: 'stolen', instance_url: 'x', id: 'x' }),
  );
  login = await serve((request, response) => script(request, response));
});
afterAll(async () => {
  await new Promise((resolve) => attacker.server.close(resolve));
  await new Promise((resolve) => login.server.close(resolve));
});
beforeEach(() => {
  attacker.seen.length = 0;
  login.seen.length = 0;
});

function token(instanceUrl: string) {
  return {
    access_token: ACCESS_TOKEN,
    instance_url: instanceUrl,
    id: `${instanceUrl}/id/00D/005`,
    token_type: 'Bearer',
  };
}

function client(): SalesforceClient {
  const domain = parseOrgDomain(login.origin, { allowCustomHosts: true });
  const sessions = new SingleFlightSessionProvider(
    sessionGrantFor(
      { flow: 'client-credentials', clientId: '3MVG9test' },
      domain,
      new InMemoryCredentialStore({ [CredentialNames.clientSecret]: CLIENT_SECRET }),
    ),
  );
  return new SalesforceClient({
    sessions,
    logger: pino({ level: 'silent' }),
    retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 },
  });
}

function attackerSawNothing(): void {
  expect(attacker.seen).toEqual([]);
}

async function queryAll(target: SalesforceClient): Promise<number> {
  let records = 0;
  for await (const page of target.query('SELECT Id FROM User', never)) records += page.length;
  return records;
}

describe('token safety against a hostile or misconfigured server (real sockets)', () => {
  it('never follows a redirect from the token endpoint, so the client secret is not re-sent', async () => {
    script = (_request, response) => {
      response.writeHead(307, { location: `${attacker.origin}/services/oauth2/token` });
      response.end();
    };
    const failure = await queryAll(client()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AuthError);
    expect((failure as Error).message).toMatch(
      /answered 307 with a redirect to http:\/\/127\.0\.0\.1:\d+; OAuth requests never follow redirects/,
    );
    expect(login.seen).toHaveLength(1);
    expect(login.seen[0]?.body).toContain('client_secret=');
    attackerSawNothing();
  });

  it('refuses an instance_url other than the configured custom origin, before any token is sent', async () => {
    script = (_request, response) => json(response, 200, token(attacker.origin));
    const failure = await queryAll(client()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AuthError);
    expect((failure as Error).message).toContain(
      `instance_url ${attacker.origin}, but with a custom host only the configured origin ${login.origin} may receive the token`,
    );
    attackerSawNothing();
  });

  for (const [label, link] of [
    ['an absolute URL on another origin', () => `${attacker.origin}/services/data/v63.0/query/01g-2000`],
    [
      'a protocol-relative URL',
      () => `//${attacker.origin.slice('http://'.length)}/services/data/v63.0/query/01g-2000`,
    ],
    [
      'a backslash trick',
      () => `/\\${attacker.origin.slice('http://'.length)}/services/data/v63.0/query/01g-2000`,
    ],
  ] as const) {
    it(`does not follow a nextRecordsUrl that is ${label}: no bearer token leaves the instance`, async () => {
      script = (request, response) => {
        if (request.url === '/services/oauth2/token') return json(response, 200, token(login.origin));
        json(response, 200, {
          totalSize: 4,
          done: false,
          nextRecordsUrl: link(),
          records: [{ Id: '005000000000001AAA' }],
        });
      };
      const failure = await queryAll(client()).catch((error: unknown) => error);
      expect((failure as Error).message).toMatch(
        /which is not a path on the instance .*only relative paths are followed, and no token was sent/,
      );
      expect(login.seen.filter((seen) => seen.authorization === `Bearer ${ACCESS_TOKEN}`)).toHaveLength(1);
      attackerSawNothing();
    });
  }

  it('follows a relative nextRecordsUrl on the instance', async () => {
    script = (request, response) => {
      if (request.url === '/services/oauth2/token') return json(response, 200, token(login.origin));
      if (request.url?.startsWith('/services/data/v63.0/query/01g-1'))
        return json(response, 200, { totalSize: 2, done: true, records: [{ Id: '005000000000002AAA' }] });
      json(response, 200, {
        totalSize: 2,
        done: false,
        nextRecordsUrl: '/services/data/v63.0/query/01g-1',
        records: [{ Id: '005000000000001AAA' }],
      });
    };
    expect(await queryAll(client())).toBe(2);
    attackerSawNothing();
  });
});

// The same scripted instance serves the lazily parsed query pages' own rules.
describe('query pages read ahead (queryPages): parsed when read, over a real socket', () => {
  it('hands a later page over unparsed and fails it as MALFORMED_RESPONSE when read; the page after it is never asked for', async () => {
    script = (request, response) => {
      if (request.url === '/services/oauth2/token') return json(response, 200, token(login.origin));
      if (request.url?.startsWith('/services/data/v63.0/query/01g-1')) {
        // Cut off mid-way: what a proxy's timeout or a dropped stream leaves.
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.end(
          '{"totalSize":3,"done":false,"nextRecordsUrl":"/services/data/v63.0/query/01g-2","records":[{"Id":"0',
        );
      }
      json(response, 200, {
        totalSize: 3,
        done: false,
        nextRecordsUrl: '/services/data/v63.0/query/01g-1',
        records: [{ Id: '005000000000001AAA' }],
      });
    };
    const pages = client().queryPages('SELECT Id FROM User', never)[Symbol.asyncIterator]();
    const first = await pages.next();
    expect(first.done ? [] : first.value.records().map((record) => record.Id)).toEqual([
      '005000000000001AAA',
    ]);
    const second = await pages.next();
    expect(second.done).toBe(false);
    const failure = (() => {
      try {
        if (!second.done) second.value.records();
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as TransientError).details.upstreamCode).toBe('MALFORMED_RESPONSE');
    expect((failure as TransientError).message).toMatch(/with JSON that does not parse/);
    await expect(pages.next()).rejects.toBeInstanceOf(TransientError);
    expect(login.seen.some((seen) => seen.url.includes('01g-2'))).toBe(false);
  });
});
