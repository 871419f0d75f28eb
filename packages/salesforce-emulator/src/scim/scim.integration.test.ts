import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOrg } from '../generator/generate-org.js';
import { startEmulator } from '../http/server.js';
import type { EmulatorHandle } from '../http/server.js';
import { accessTokenFor, apiClient } from '../http/test-support.js';

let emulator: EmulatorHandle;
let api: ReturnType<typeof apiClient>;
const S = '/services/scim/v2';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

beforeAll(async () => {
  emulator = await startEmulator({ org: generateOrg({ seed: 31, preset: 'demo' }) });
  api = apiClient(emulator, await accessTokenFor(emulator));
});
afterAll(async () => {
  await emulator.close();
  emulator.org.dispose();
});

type ScimUser = {
  id: string;
  active: boolean;
  entitlements: { value: string; type: string }[];
  roles: { value: string }[];
};

function profileId(name: string): string {
  return String(emulator.org.find('Profile', { Name: name })[0]?.Id);
}

describe('SCIM discovery', () => {
  it('serves ServiceProviderConfig with filter maxResults 200, ResourceTypes and Schemas', async () => {
    const config = (await api('GET', `${S}/ServiceProviderConfig`)).body as {
      filter: unknown;
      patch: unknown;
    };
    expect(config.filter).toEqual({ supported: true, maxResults: 200 });
    const types = (await api('GET', `${S}/ResourceTypes`)).body as { Resources: { id: string }[] };
    expect(types.Resources.map((type) => type.id)).toEqual(['User', 'Group', 'Entitlement', 'Role']);
    expect(((await api('GET', `${S}/Schemas`)).body as { totalResults: number }).totalResults).toBe(5);
  });
});

describe('SCIM users', () => {
  it('lists with a filter, caps count at 200 and pages with startIndex', async () => {
    const admin = emulator.adminUsername;
    const filtered = (await api('GET', `${S}/Users?filter=${encodeURIComponent(`userName eq "${admin}"`)}`))
      .body as {
      totalResults: number;
      Resources: ScimUser[];
    };
    expect(filtered.totalResults).toBe(1);
    expect(filtered.Resources[0]?.id).toBe(emulator.org.adminUserId);
    const capped = (await api('GET', `${S}/Users?count=1000`)).body as {
      itemsPerPage: number;
      totalResults: number;
    };
    expect([capped.itemsPerPage, capped.totalResults]).toEqual([200, 2001]);
    const second = (await api('GET', `${S}/Users?startIndex=201&count=1`)).body as {
      startIndex: number;
      Resources: unknown[];
    };
    expect([second.startIndex, second.Resources.length]).toEqual([201, 1]);
    const bad = await api('GET', `${S}/Users?filter=${encodeURIComponent('userName gt 3 or x')}`);
    expect([bad.status, (bad.body as { scimType: string }).scimType]).toEqual([400, 'invalidFilter']);
  });

  it('creates, patches (active, name, roles, entitlements, enterprise extension) and deactivates on DELETE', async () => {
    const created = await api('POST', `${S}/Users`, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'scim.created@example.com',
      name: { familyName: 'Created', givenName: 'Scim' },
      emails: [{ value: 'scim.created@example.com', primary: true }],
      entitlements: [{ value: profileId('Standard User') }],
    });
    expect(created.status).toBe(201);
    const user = created.body as ScimUser;
    const role = emulator.org.find('UserRole')[1];
    const permissionSet = emulator.org.find('PermissionSet', { Type: 'Regular', LicenseId: null })[0];
    const patched = await api('PATCH', `${S}/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'replace', path: 'name.familyName', value: 'Patched' },
        { op: 'add', path: 'roles', value: [{ value: role?.Id }] },
        { op: 'add', path: 'entitlements', value: [{ value: permissionSet?.Id }] },
        { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Finance' },
        { op: 'replace', value: { active: false } },
      ],
    });
    expect(patched.status).toBe(200);
    const body = patched.body as ScimUser & { name: { familyName: string } } & Record<
        string,
        { department: string }
      >;
    expect(body.name.familyName).toBe('Patched');
    expect(body.active).toBe(false);
    expect(body.roles[0]?.value).toBe(role?.Id);
    expect(body.entitlements.map((entry) => entry.value)).toContain(permissionSet?.Id);
    expect(body[ENTERPRISE]?.department).toBe('Finance');
    const removed = await api('PATCH', `${S}/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: `entitlements[value eq "${String(permissionSet?.Id)}"]` }],
    });
    expect((removed.body as ScimUser).entitlements.map((entry) => entry.type)).toEqual(['Profile']);
    await api('PATCH', `${S}/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'active', value: true }],
    });
    expect((await api('DELETE', `${S}/Users/${user.id}`)).status).toBe(204);
    expect(emulator.org.get(user.id)?.IsActive).toBe(false);
    const duplicate = await api('POST', `${S}/Users`, {
      userName: 'scim.created@example.com',
      name: { familyName: 'Again' },
      emails: [{ value: 'again@example.com' }],
    });
    expect([duplicate.status, (duplicate.body as { scimType: string; schemas: string[] }).schemas]).toEqual([
      409,
      ['urn:ietf:params:scim:api:messages:2.0:Error'],
    ]);
  });
});

describe('SCIM entitlements, roles and groups', () => {
  it('adds a profile member by replacing the profile and refuses removing it', async () => {
    const user = emulator.org.find('User', { IsActive: true, UserType: 'Standard' })[3];
    const readOnly = profileId('Read Only');
    const answer = await api('PATCH', `${S}/Entitlements/${readOnly}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: user?.Id }] }],
    });
    expect(answer.status).toBe(200);
    expect(emulator.org.get(String(user?.Id))?.ProfileId).toBe(readOnly);
    const entitlement = (await api('GET', `${S}/Entitlements/${readOnly}`)).body as {
      members: { value: string }[];
      type: string;
    };
    expect(entitlement.type).toBe('Profile');
    expect(entitlement.members.map((member) => member.value)).toContain(user?.Id);
    const removal = await api('PATCH', `${S}/Entitlements/${readOnly}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: `members[value eq "${String(user?.Id)}"]` }],
    });
    expect([removal.status, (removal.body as { scimType: string }).scimType]).toEqual([400, 'mutability']);
    const list = (await api('GET', `${S}/Entitlements`)).body as { Resources: { type: string }[] };
    expect(new Set(list.Resources.map((resource) => resource.type))).toEqual(
      new Set(['Profile', 'PermissionSet']),
    );
  });

  it('lists roles and changes public group membership', async () => {
    const roles = (await api('GET', `${S}/Roles`)).body as { totalResults: number };
    expect(roles.totalResults).toBe(emulator.org.find('UserRole').length);
    const group = emulator.org.find('Group', { Type: 'Regular' })[2];
    const patched = await api('PATCH', `${S}/Groups/${String(group?.Id)}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: { members: [{ value: emulator.org.adminUserId }] } }],
    });
    expect(
      (patched.body as { members: { value: string }[] }).members.map((member) => member.value),
    ).toContain(emulator.org.adminUserId);
  });

  it('answers as an org without SCIM when the switch is off', async () => {
    emulator.org.settings.scimEnabled = false;
    const answer = await api('GET', `${S}/Users`);
    emulator.org.settings.scimEnabled = true;
    expect(answer.status).toBe(404);
  });
});
