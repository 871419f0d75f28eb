import { ConflictError, UnsupportedError, type RunContext } from '@accessledger/core';
import {
  ENTERPRISE_SCHEMA,
  type ScimServerHandle,
  type ScimServerOptions,
} from '@accessledger/scim-test-server';
import { afterEach, describe, expect, it } from 'vitest';
import {
  configFor,
  connectorFor,
  contextFor,
  credentialsFor,
  startProvider,
  type SeededDirectory,
} from '../../test/scim-provider.js';
import type { ScimConfigInput } from '../config.js';
import type { ScimConnector } from '../connector.js';

let server: ScimServerHandle | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Setup {
  readonly server: ScimServerHandle;
  readonly people: SeededDirectory;
  readonly connector: ScimConnector;
  readonly ctx: RunContext;
}

async function setUp(options: ScimServerOptions = {}, config: Partial<ScimConfigInput> = {}): Promise<Setup> {
  const started = await startProvider(options);
  server = started.server;
  return {
    ...started,
    connector: connectorFor(configFor(started.server, config)),
    ctx: contextFor(credentialsFor(started.server)),
  };
}

const writes = (handle: ScimServerHandle) =>
  handle.requests.filter((request) => request.method !== 'GET' && request.path !== '/token');

describe('createAccount', () => {
  it('POSTs a core + enterprise user with roles, adds it to groups, and a second create changes nothing', async () => {
    const { server: handle, people, connector, ctx } = await setUp();
    const account = {
      username: 'katherine@example.com',
      email: 'katherine@example.com',
      displayName: 'Katherine Johnson',
      firstName: 'Katherine',
      lastName: 'Johnson',
      entitlements: [
        { type: 'role', externalId: 'analyst' },
        { type: 'group', externalId: people.platform },
      ],
      attributes: { title: 'Mathematician', department: 'Flight Research', manager: people.ada },
    };
    const planned = await connector.provision(ctx, { kind: 'createAccount', account, dryRun: true });
    expect([
      planned.changed,
      planned.dryRun,
      planned.calls.map((call) => `${call.method} ${call.path}`),
    ]).toEqual([true, true, ['POST /scim/v2/Users', `PATCH /scim/v2/Groups/${people.platform}`]]);
    expect(writes(handle)).toEqual([]);
    const created = await connector.provision(ctx, { kind: 'createAccount', account });
    const id = created.createdExternalId as string;
    const stored = handle.store.users.get(id)?.attributes;
    expect(stored).toMatchObject({
      userName: 'katherine@example.com',
      name: { givenName: 'Katherine', familyName: 'Johnson' },
      title: 'Mathematician',
      roles: [{ value: 'analyst' }],
      [ENTERPRISE_SCHEMA]: { department: 'Flight Research', manager: { value: people.ada } },
    });
    expect(handle.store.groups.get(people.platform)?.attributes['members']).toContainEqual({
      value: id,
      type: 'User',
    });
    const again = await connector.provision(ctx, {
      kind: 'createAccount',
      account: { ...account, username: 'KATHERINE@example.com' },
    });
    expect([again.changed, again.createdExternalId]).toEqual([false, id]);
  });

  it('finds an existing userName without filter support by reading the users', async () => {
    const { server: handle, people, connector, ctx } = await setUp({ filter: false, maxResults: 1 });
    const result = await connector.provision(ctx, {
      kind: 'createAccount',
      account: { username: 'linus@example.com', email: 'linus@example.com', displayName: 'Linus' },
    });
    expect([result.changed, result.createdExternalId]).toEqual([false, people.linus]);
    expect(handle.requests.some((request) => request.query.includes('filter'))).toBe(false);
  });

  it('maps a 409 uniqueness refusal onto ConflictError', async () => {
    const { connector, ctx } = await setUp({
      beforeWrite: (method, kind, _id, store) => {
        // Another client creates the same userName between our lookup and our POST.
        if (method === 'POST' && kind === 'User') store.create('User', { userName: 'race@example.com' });
      },
    });
    const error = await connector
      .provision(ctx, {
        kind: 'createAccount',
        account: { username: 'race@example.com', email: 'race@example.com', displayName: 'Race' },
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).details).toMatchObject({ upstreamCode: 'uniqueness', httpStatus: 409 });
  });
});

describe('updateAccount', () => {
  it('PATCHes only what differs, and a repeat changes nothing', async () => {
    const { server: handle, people, connector, ctx } = await setUp();
    const op = {
      kind: 'updateAccount' as const,
      accountExternalId: people.grace,
      changes: {
        lastName: 'Hopper',
        email: 'grace.hopper@example.com',
        attributes: { department: 'Navy', title: 'RADM' },
      },
    };
    const result = await connector.provision(ctx, op);
    expect(result.changed).toBe(true);
    expect(result.calls[0]?.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'replace',
          path: 'emails',
          value: [{ value: 'grace.hopper@example.com', type: 'work', primary: true }],
        },
        { op: 'replace', path: 'name.familyName', value: 'Hopper' },
        { op: 'replace', path: 'title', value: 'RADM' },
      ],
    });
    expect(handle.store.users.get(people.grace)?.attributes).toMatchObject({
      title: 'RADM',
      name: { familyName: 'Hopper' },
    });
    expect((await connector.provision(ctx, op)).changed).toBe(false);
  });

  it('falls back to PUT of the whole resource with If-Match when the provider has no PATCH', async () => {
    const { server: handle, people, connector, ctx } = await setUp({ patch: false });
    await connector.provision(ctx, {
      kind: 'updateAccount',
      accountExternalId: people.ada,
      changes: { displayName: 'Countess Lovelace', attributes: { department: 'Mathematics' } },
    });
    const [put] = writes(handle);
    expect([put?.method, put?.ifMatch]).toEqual(['PUT', 'W/"1"']);
    expect(put?.body).not.toHaveProperty('meta');
    expect(handle.store.users.get(people.ada)?.attributes).toMatchObject({
      displayName: 'Countess Lovelace',
      roles: [{ value: 'admin', display: 'Administrator', primary: true }],
      [ENTERPRISE_SCHEMA]: { department: 'Mathematics', employeeNumber: '1' },
    });
  });
});

describe('ETag conflicts', () => {
  it('reads again and replans once when the resource changed between read and write (412)', async () => {
    let interfered = false;
    const {
      server: handle,
      people,
      connector,
      ctx,
    } = await setUp({
      patch: false,
      beforeWrite: (method, _kind, id, store) => {
        if (method === 'PUT' && !interfered && id !== undefined) {
          interfered = true;
          const user = store.get('User', id);
          store.replace('User', id, { ...user.attributes, nickName: 'changed by someone else' });
        }
      },
    });
    await connector.provision(ctx, {
      kind: 'grant',
      accountExternalId: people.grace,
      entitlement: { type: 'role', externalId: 'auditor' },
    });
    expect(writes(handle).map((request) => request.status)).toEqual([412, 200]);
    expect(handle.store.users.get(people.grace)?.attributes).toMatchObject({
      nickName: 'changed by someone else',
      roles: [{ value: 'auditor' }],
    });
  });

  it('gives up with ConflictError when the resource keeps changing', async () => {
    const { people, connector, ctx } = await setUp({
      patch: false,
      beforeWrite: (method, _kind, id, store) => {
        if (method === 'PUT' && id !== undefined)
          store.replace('User', id, { ...store.get('User', id).attributes });
      },
    });
    await expect(
      connector.provision(ctx, {
        kind: 'grant',
        accountExternalId: people.grace,
        entitlement: { type: 'role', externalId: 'auditor' },
      }),
    ).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('grants and revokes', () => {
  it('adds and removes group members, role and entitlement values with PATCH value paths', async () => {
    const { server: handle, people, connector, ctx } = await setUp();
    const revokeRole = await connector.provision(ctx, {
      kind: 'revoke',
      accountExternalId: people.ada,
      entitlement: { type: 'role', externalId: 'admin' },
    });
    expect(revokeRole.calls[0]?.body).toMatchObject({
      Operations: [{ op: 'remove', path: 'roles[value eq "admin"]' }],
    });
    await connector.provision(ctx, {
      kind: 'grant',
      accountExternalId: people.linus,
      entitlement: { type: 'entitlement', externalId: 'billing' },
    });
    await connector.provision(ctx, {
      kind: 'revoke',
      accountExternalId: people.grace,
      entitlement: { type: 'group', externalId: people.platform },
    });
    expect(handle.store.users.get(people.ada)?.attributes['roles']).toEqual([]);
    expect(handle.store.users.get(people.linus)?.attributes['entitlements']).toEqual([{ value: 'billing' }]);
    expect(handle.store.groups.get(people.platform)?.attributes['members']).toEqual([
      { value: people.ada, type: 'User' },
    ]);
    await expect(
      connector.provision(ctx, {
        kind: 'grant',
        accountExternalId: people.ada,
        entitlement: { type: 'group', externalId: people.platform },
        expiresAt: new Date(),
      }),
    ).rejects.toBeInstanceOf(UnsupportedError);
  });
});

describe('deprovision', () => {
  it('deactivates with active=false, idempotently', async () => {
    const { server: handle, people, connector, ctx } = await setUp();
    const planned = await connector.deprovision(ctx, {
      kind: 'deactivate',
      accountExternalId: people.ada,
      dryRun: true,
    });
    expect([planned.changed, handle.store.users.get(people.ada)?.attributes['active']]).toEqual([true, true]);
    expect(
      (await connector.deprovision(ctx, { kind: 'deactivate', accountExternalId: people.ada })).changed,
    ).toBe(true);
    expect(handle.store.users.get(people.ada)?.attributes['active']).toBe(false);
    expect(
      (await connector.deprovision(ctx, { kind: 'deactivate', accountExternalId: people.ada })).changed,
    ).toBe(false);
  });

  it('deletes only when configured to, and a repeat finds nothing to delete', async () => {
    const { server: handle, people, connector, ctx } = await setUp({}, { deactivate: 'delete' });
    const result = await connector.deprovision(ctx, { kind: 'deactivate', accountExternalId: people.linus });
    expect(result.calls.map((call) => call.method)).toEqual(['DELETE']);
    expect(handle.store.users.has(people.linus)).toBe(false);
    expect(
      (await connector.deprovision(ctx, { kind: 'deactivate', accountExternalId: people.linus })).changed,
    ).toBe(false);
  });

  it('releases: removes every direct group membership and clears roles and entitlements, also without PATCH', async () => {
    for (const patch of [true, false]) {
      const { server: handle, people, connector, ctx } = await setUp({ patch });
      const result = await connector.deprovision(ctx, { kind: 'release', accountExternalId: people.ada });
      expect(result.changed).toBe(true);
      const ada = handle.store.users.get(people.ada)?.attributes;
      expect([ada?.['roles'], ada?.['entitlements']]).toEqual([undefined, undefined]);
      expect(handle.store.groupsOfUser(people.ada)).toEqual([]);
      expect(
        (await connector.deprovision(ctx, { kind: 'release', accountExternalId: people.ada })).changed,
      ).toBe(false);
      await handle.close();
      server = undefined;
    }
  });
});
