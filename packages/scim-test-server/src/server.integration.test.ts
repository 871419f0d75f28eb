import { afterEach, describe, expect, it } from 'vitest';
import { startScimServer, type ScimServerHandle, type ScimServerOptions } from './server.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let server: ScimServerHandle | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: ScimServerOptions = {}): Promise<ScimServerHandle> {
  server = await startScimServer(options);
  return server;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(
  handle: ScimServerHandle,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${handle.baseUrl}${path}`, {
    method,
    headers: {
      authorization: 'Bearer scim-test-token',
      ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

const newUser = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER],
  userName,
  active: true,
  ...extra,
});

describe('SCIM test server: discovery (RFC 7643 §5, §6, §7)', () => {
  it('says what it supports, as configured', async () => {
    const handle = await start({ patch: false, filter: false, maxResults: 2, cursor: true, groups: false });
    const config = (await call(handle, 'GET', '/ServiceProviderConfig')).body;
    expect(config).toMatchObject({
      patch: { supported: false },
      filter: { supported: false, maxResults: 2 },
      etag: { supported: true },
      bulk: { supported: false },
      pagination: { cursor: true, index: true },
    });
    const types = (await call(handle, 'GET', '/ResourceTypes')).body as { Resources: { id: string }[] };
    expect(types.Resources.map((type) => type.id)).toEqual(['User']);
    const schemas = (await call(handle, 'GET', '/Schemas')).body as { Resources: { id: string }[] };
    expect(schemas.Resources.map((schema) => schema.id)).toContain(
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    );
    expect((await call(handle, 'GET', '/Groups')).status).toBe(404);
  });
});

describe('SCIM test server: resources (RFC 7644 §3.3, §3.5)', () => {
  it('creates with 201, Location and ETag, refuses a duplicate userName with 409 uniqueness', async () => {
    const handle = await start();
    const created = await call(handle, 'POST', '/Users', newUser('ada@example.com'));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${handle.baseUrl}/Users/${String(created.body['id'])}`);
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect(created.headers.get('content-type')).toBe('application/scim+json');
    const duplicate = await call(handle, 'POST', '/Users', newUser('ADA@example.com'));
    expect([duplicate.status, duplicate.body['scimType'], duplicate.body['status']]).toEqual([
      409,
      'uniqueness',
      '409',
    ]);
  });

  it('PATCHes, PUTs and checks If-Match: stale → 412, missing when required → 428', async () => {
    const handle = await start({ requireIfMatch: true });
    const id = String((await call(handle, 'POST', '/Users', newUser('grace@example.com'))).body['id']);
    expect(
      (
        await call(handle, 'PATCH', `/Users/${id}`, {
          schemas: [PATCH],
          Operations: [{ op: 'replace', path: 'active', value: false }],
        })
      ).status,
    ).toBe(428);
    const patched = await call(
      handle,
      'PATCH',
      `/Users/${id}`,
      { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] },
      { 'if-match': 'W/"1"' },
    );
    expect([patched.status, patched.body['active'], patched.headers.get('etag')]).toEqual([
      200,
      false,
      'W/"2"',
    ]);
    const stale = await call(handle, 'PUT', `/Users/${id}`, newUser('grace@example.com'), {
      'if-match': 'W/"1"',
    });
    expect(stale.status).toBe(412);
    const replaced = await call(
      handle,
      'PUT',
      `/Users/${id}`,
      newUser('grace@example.com', { title: 'RADM' }),
      { 'if-match': 'W/"2"' },
    );
    expect([replaced.status, replaced.body['title'], replaced.body['active']]).toEqual([200, 'RADM', true]);
    const notModified = await call(handle, 'GET', `/Users/${id}`, undefined, { 'if-none-match': 'W/"3"' });
    expect(notModified.status).toBe(304);
  });

  it('answers PATCH with 501 when it does not support it', async () => {
    const handle = await start({ patch: false });
    const id = String((await call(handle, 'POST', '/Users', newUser('x@example.com'))).body['id']);
    const refused = await call(handle, 'PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(refused.status).toBe(501);
  });

  it('nests groups and lists a user’s direct and indirect groups', async () => {
    const handle = await start();
    const user = String((await call(handle, 'POST', '/Users', newUser('nested@example.com'))).body['id']);
    const inner = String(
      (
        await call(handle, 'POST', '/Groups', {
          schemas: [GROUP],
          displayName: 'Inner',
          members: [{ value: user }],
        })
      ).body['id'],
    );
    const outer = await call(handle, 'POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Outer',
      members: [{ value: inner }],
    });
    expect((outer.body['members'] as { type: string }[])[0]?.type).toBe('Group');
    const groups = (await call(handle, 'GET', `/Users/${user}`)).body['groups'];
    expect(groups).toEqual([
      { value: inner, display: 'Inner', type: 'direct' },
      { value: String(outer.body['id']), display: 'Outer', type: 'indirect' },
    ]);
    const cycle = await call(handle, 'PATCH', `/Groups/${inner}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: outer.body['id'] }] }],
    });
    expect([cycle.status, cycle.body['scimType']]).toEqual([400, 'invalidValue']);
  });
});

describe('SCIM test server: lists (RFC 7644 §3.4.2)', () => {
  it('filters, caps count at maxResults and pages by startIndex', async () => {
    const handle = await start({ maxResults: 2 });
    for (const name of ['a', 'b', 'c', 'd', 'e'])
      await call(handle, 'POST', '/Users', newUser(`${name}@example.com`));
    const filtered = await call(handle, 'GET', `/Users?filter=${encodeURIComponent('userName sw "c"')}`);
    expect([filtered.body['totalResults'], (filtered.body['Resources'] as unknown[]).length]).toEqual([1, 1]);
    const page = await call(handle, 'GET', '/Users?startIndex=3&count=10');
    expect([page.body['totalResults'], page.body['itemsPerPage'], page.body['startIndex']]).toEqual([
      5, 2, 3,
    ]);
    expect((page.body['Resources'] as { userName: string }[]).map((user) => user.userName)).toEqual([
      'c@example.com',
      'd@example.com',
    ]);
    const bad = await call(handle, 'GET', `/Users?filter=${encodeURIComponent('userName zz "c"')}`);
    expect([bad.status, bad.body['scimType']]).toEqual([400, 'invalidFilter']);
  });

  it('refuses a filter with 501 when filtering is off, and pages by cursor when offered (RFC 9865)', async () => {
    const handle = await start({ filter: false, cursor: true, maxResults: 2 });
    for (const name of ['a', 'b', 'c']) await call(handle, 'POST', '/Users', newUser(`${name}@example.com`));
    expect((await call(handle, 'GET', `/Users?filter=${encodeURIComponent('userName eq "a"')}`)).status).toBe(
      501,
    );
    const first = await call(handle, 'GET', '/Users?cursor&count=2');
    expect((first.body['Resources'] as unknown[]).length).toBe(2);
    const next = String(first.body['nextCursor']);
    const second = await call(handle, 'GET', `/Users?cursor=${next}&count=2`);
    expect([(second.body['Resources'] as unknown[]).length, second.body['nextCursor']]).toEqual([
      1,
      undefined,
    ]);
    const invalid = await call(handle, 'GET', '/Users?cursor=bogus');
    expect([invalid.status, invalid.body['scimType']]).toEqual([400, 'invalidCursor']);
  });
});

describe('SCIM test server: throttling and authentication', () => {
  it('answers bursts of 429 with Retry-After', async () => {
    const handle = await start({ rateLimit: { every: 3, burst: 1, retryAfterSeconds: 2 } });
    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1) statuses.push((await call(handle, 'GET', '/Users')).status);
    expect(statuses).toEqual([429, 200, 200, 429, 200, 200]);
    handle.throttleNext(1, 5);
    const throttled = await call(handle, 'GET', '/ServiceProviderConfig');
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '5']);
  });

  it('checks bearer and basic credentials with 401 and a challenge', async () => {
    const bearer = await start();
    const refused = await call(bearer, 'GET', '/Users', undefined, { authorization: 'Bearer wrong' });
    expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="scim"']);
    await bearer.close();
    const basic = await start({ auth: { kind: 'basic', username: 'svc', password: 'pa:ss' } });
    const good = `Basic ${Buffer.from('svc:pa:ss').toString('base64')}`;
    expect((await call(basic, 'GET', '/Users', undefined, { authorization: good })).status).toBe(200);
    expect((await call(basic, 'GET', '/Users')).status).toBe(401);
  });

  it('issues expiring tokens for the client credentials grant and refuses revoked ones', async () => {
    const handle = await start({
      auth: { kind: 'oauth', clientId: 'client', clientSecret: 'secret', tokenLifetimeSeconds: 60 },
    });
    const token = await fetch(handle.tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('client:secret').toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    const issued = (await token.json()) as { access_token: string; expires_in: number };
    expect(issued.expires_in).toBe(60);
    const authorization = `Bearer ${issued.access_token}`;
    expect((await call(handle, 'GET', '/Users', undefined, { authorization })).status).toBe(200);
    handle.revokeTokens();
    expect((await call(handle, 'GET', '/Users', undefined, { authorization })).status).toBe(401);
    const wrong = await fetch(handle.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=client&client_secret=nope',
    });
    expect(wrong.status).toBe(401);
  });
});
