import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError, TransientError, type Account, type Grant } from '@accessledger/core';
import { collectSync } from '@accessledger/core/testing';
import type { ScimServerHandle, ScimServerOptions } from '@accessledger/scim-test-server';
import { afterEach, describe, expect, it } from 'vitest';
import {
  configFor,
  connectorFor,
  contextFor,
  credentialsFor,
  startProvider,
  type SeededDirectory,
} from '../../test/scim-provider.js';

let server: ScimServerHandle | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function provider(
  options: ScimServerOptions = {},
): Promise<{ server: ScimServerHandle; people: SeededDirectory }> {
  const started = await startProvider(options);
  server = started.server;
  return started;
}

async function syncOf(handle: ScimServerHandle, extra = {}) {
  const connector = connectorFor(configFor(handle, extra));
  return collectSync(connector, contextFor(credentialsFor(handle)));
}

const grantsOf = (grants: readonly Grant[], account: string) =>
  grants
    .filter((grant) => grant.accountExternalId === account)
    .map(
      (grant) =>
        `${grant.entitlement.type}:${grant.entitlement.externalId}${grant.via ? ` via ${grant.via.externalId}` : ''}`,
    )
    .sort();

describe('SCIM sync: users, groups, roles and entitlements', () => {
  it('maps core and enterprise attributes, keeps the rest as attributes and leaves meta out', async () => {
    const { server: handle, people } = await provider();
    const sync = await syncOf(handle);
    const ada = sync.accounts.find((account) => account.externalId === people.ada) as Account;
    expect(ada).toMatchObject({
      username: 'ada@example.com',
      email: 'ada@example.com',
      displayName: 'Ada Lovelace',
      status: 'active',
      attributes: {
        title: 'Analyst',
        department: 'Engineering',
        employeeNumber: '1',
        name: { givenName: 'Ada', familyName: 'Lovelace' },
      },
    });
    expect(ada.attributes).not.toHaveProperty('meta');
    expect(ada.attributes).not.toHaveProperty('groups');
    const grace = sync.accounts.find((account) => account.externalId === people.grace);
    expect(grace?.attributes['manager']).toEqual({ id: people.ada, displayName: 'Ada Lovelace' });
    expect(sync.accounts.find((account) => account.externalId === people.linus)?.status).toBe('inactive');
  });

  it('expands nested groups with via the group the user is directly in', async () => {
    const { server: handle, people } = await provider();
    const sync = await syncOf(handle);
    expect(grantsOf(sync.grants, people.ada)).toEqual(
      [
        'entitlement:billing',
        'role:admin',
        `group:${people.platform}`,
        `group:${people.engineering} via ${people.platform}`,
        `group:${people.everyone} via ${people.platform}`,
      ].sort(),
    );
    expect(grantsOf(sync.grants, people.linus)).toEqual([]);
    expect(sync.entitlements.map((entitlement) => `${entitlement.type}:${entitlement.name}`).sort()).toEqual(
      [
        'entitlement:billing',
        'group:Engineering',
        'group:Everyone',
        'group:Platform',
        'role:Administrator',
      ].sort(),
    );
  });

  it('reads memberships from users’ groups when the provider has no Groups resource type', async () => {
    const { server: handle, people } = await provider({ groups: false });
    const inner = handle.store.create('Group', { displayName: 'Inner', members: [{ value: people.ada }] }).id;
    const outer = handle.store.create('Group', { displayName: 'Outer', members: [{ value: inner }] }).id;
    const sync = await syncOf(handle);
    expect(handle.requests.some((request) => request.path.startsWith('/Groups'))).toBe(false);
    expect(
      sync.entitlements
        .filter((entitlement) => entitlement.type === 'group')
        .map((group) => group.name)
        .sort(),
    ).toEqual(['Inner', 'Outer']);
    const groupGrants = sync.grants.filter((grant) => grant.entitlement.type === 'group');
    expect(groupGrants.map((grant) => [grant.entitlement.externalId, grant.attributes])).toEqual([
      [inner, {}],
      [outer, { membership: 'indirect' }],
    ]);
  });

  it('makes no new version of anything when nothing changed: two syncs emit identical items', async () => {
    const { server: handle } = await provider();
    const first = await syncOf(handle);
    const second = await syncOf(handle);
    expect(second).toEqual(first);
  });
});

describe('SCIM sync: discovery and paging', () => {
  it('asks for no more than the provider’s maxResults and pages by startIndex', async () => {
    const { server: handle } = await provider({ maxResults: 2 });
    const sync = await syncOf(handle, { pageSize: 50 });
    expect(sync.accounts).toHaveLength(3);
    const userPages = handle.requests.filter((request) => request.path === '/Users');
    expect(userPages.map((request) => new URLSearchParams(request.query).get('startIndex'))).toEqual([
      '1',
      '3',
    ]);
    expect(userPages.every((request) => new URLSearchParams(request.query).get('count') === '2')).toBe(true);
  });

  it('reads every user once when users are added during the read, and again when one is deleted', async () => {
    let pages = 0;
    const { server: handle, people } = await provider({
      maxResults: 1,
      beforeList: (kind, _query, store) => {
        if (kind !== 'User') return;
        pages += 1;
        if (pages === 2) store.create('User', { userName: 'late@example.com' });
        if (pages === 3) store.delete('User', people.ada);
      },
    });
    const sync = await syncOf(handle);
    const names = sync.accounts.map((account) => account.username).sort();
    // Ada was read before her deletion; Grace, Linus and the late user are all read despite the shifts.
    expect(names).toEqual(['ada@example.com', 'grace@example.com', 'late@example.com', 'linus@example.com']);
    expect(new Set(sync.accounts.map((account) => account.externalId)).size).toBe(4);
  });

  it('pages by cursor where the provider offers it (RFC 9865)', async () => {
    const { server: handle } = await provider({ cursor: true, maxResults: 2 });
    const sync = await syncOf(handle);
    expect(sync.accounts).toHaveLength(3);
    const queries = handle.requests
      .filter((request) => request.path === '/Users')
      .map((request) => new URLSearchParams(request.query));
    expect(queries[0]?.get('cursor')).toBe('');
    expect(queries[1]?.get('cursor')).not.toBe('');
    expect(queries.every((query) => query.get('startIndex') === null)).toBe(true);
  });

  it('without ResourceTypes and Schemas, finds Groups by asking /Groups, and reads them', async () => {
    const { server: handle, people } = await provider({ discovery: false });
    const sync = await syncOf(handle);
    expect(grantsOf(sync.grants, people.grace)).toContain(`group:${people.platform}`);
    await handle.close();
    const withoutGroups = await provider({ discovery: false, groups: false });
    const bare = await syncOf(withoutGroups.server);
    expect(bare.accounts).toHaveLength(3);
    expect(
      withoutGroups.server.requests
        .filter((request) => request.path === '/Groups')
        .map((request) => request.status),
    ).toEqual([404]);
  });

  it('validates: discovery says what the provider supports', async () => {
    const { server: handle } = await provider({ patch: false, filter: false, etag: false, maxResults: 5 });
    const report = await connectorFor(configFor(handle)).validate(contextFor(credentialsFor(handle)));
    expect(report.ok).toBe(true);
    expect(report.checks[0]?.message).toBe(
      'ServiceProviderConfig: no PATCH (PUT of whole resources instead), no filter, no ETags, index paging, at most 5 per page.',
    );
    expect(report.identity['users']).toBe('3');
  });
});

describe('SCIM sync: throttling and credentials', () => {
  it('waits out bursts of 429 with Retry-After and counts every request', async () => {
    const { server: handle } = await provider({
      maxResults: 1,
      rateLimit: { every: 3, burst: 1, retryAfterSeconds: 0 },
    });
    const sync = await syncOf(handle);
    expect(sync.accounts).toHaveLength(3);
    expect(handle.requests.filter((request) => request.status === 429).length).toBeGreaterThan(2);
  });

  it('fails validation with the provider’s refusal when the token is wrong, and says how to fix it', async () => {
    const { server: handle } = await provider();
    const report = await connectorFor(configFor(handle)).validate(contextFor({ token: 'wrong' }));
    expect(report.ok).toBe(false);
    expect(report.checks[0]?.message).toContain('HTTP 401');
    const missing = connectorFor(configFor(handle)).sync(contextFor({}))[Symbol.asyncIterator]().next();
    await expect(missing).rejects.toBeInstanceOf(AuthError);
  });

  it('renews an OAuth token the provider stopped accepting, once for the whole sync', async () => {
    const { server: handle } = await provider({
      maxResults: 1,
      auth: { kind: 'oauth', clientId: 'c', clientSecret: 's' },
    });
    const connector = connectorFor(configFor(handle));
    const ctx = contextFor(credentialsFor(handle));
    const iterator = connector.sync(ctx)[Symbol.asyncIterator]();
    await iterator.next();
    handle.revokeTokens();
    for (let step = await iterator.next(); !step.done; step = await iterator.next());
    expect(handle.tokensIssued()).toBe(2);
    const basic = handle.requests.find((request) => request.path === '/token');
    expect(basic?.status).toBe(200);
  });

  it('sends basic credentials', async () => {
    const { server: handle } = await provider({
      auth: { kind: 'basic', username: 'svc', password: 'p@ss:word' },
    });
    expect((await syncOf(handle)).accounts).toHaveLength(3);
    const wrong = await connectorFor(configFor(handle)).validate(contextFor({ password: 'nope' }));
    expect(wrong.ok).toBe(false);
  });
});

describe('SCIM sync: answers that are not the provider’s', () => {
  it('fails, rather than reporting no users, when a proxy answers the Users list with an HTML page', async () => {
    const { server: handle } = await provider();
    const upstream = new URL(handle.baseUrl);
    // A gateway in front of the provider: passes everything through but the Users list, which it
    // answers 200 with its login page (RFC 7644 §3.4.2: a list answer is a ListResponse in JSON).
    const gateway = createServer((request, response) => {
      const url = new URL(request.url ?? '/', upstream.origin);
      if (request.method === 'GET' && url.pathname.endsWith('/Users')) {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<html><body>Sign in to the corporate gateway</body></html>');
        return;
      }
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        void fetch(url, {
          method: request.method ?? 'GET',
          headers: Object.fromEntries(
            Object.entries(request.headers).filter(
              (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'host',
            ),
          ),
          ...(body.length > 0 ? { body } : {}),
        }).then(async (answer) => {
          response.writeHead(answer.status, Object.fromEntries(answer.headers));
          response.end(Buffer.from(await answer.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = gateway.address() as AddressInfo;
      const baseUrl = `http://127.0.0.1:${port}${upstream.pathname}`;
      const connector = connectorFor(configFor(handle, { baseUrl }));
      const failure = await collectSync(connector, contextFor(credentialsFor(handle))).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(TransientError);
      expect((failure as TransientError).details.upstreamCode).toBe('MALFORMED_RESPONSE');
      expect((failure as Error).message).toMatch(
        /text\/html instead of JSON .*Sign in to the corporate gateway/,
      );
    } finally {
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
    }
  });
});
