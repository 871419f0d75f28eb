import { toId18 } from '../org/ids.js';
import type { StoredRecord } from '../org/table.js';
import type { ScimCall } from './scim-call.js';
import { listResponse, pageParameters, readPatchOperations } from './scim-call.js';
import { ScimError, notFoundResource, scimJson } from './scim-errors.js';
import { meta } from './user-resource.js';

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ROLE_SCHEMA = 'urn:salesforce:schemas:extension:2.0:Role';

function publicGroup(call: ScimCall, id: string): StoredRecord {
  const id18 = toId18(id);
  const group = id18 === undefined ? undefined : call.org.store.table('Group').live.get(id18);
  if (group === undefined || group.Type !== 'Regular') throw notFoundResource('Group', id);
  return group;
}

function groupResource(call: ScimCall, group: StoredRecord): Record<string, unknown> {
  const store = call.org.store;
  return {
    schemas: [GROUP_SCHEMA],
    id: group.Id,
    displayName: group.Name,
    members: store
      .table('GroupMember')
      .rowsWhere('GroupId', String(group.Id))
      .map((member) => {
        const target = store.locate(String(member.UserOrGroupId))?.record;
        return {
          value: member.UserOrGroupId,
          display: target?.Name ?? null,
          type: String(member.UserOrGroupId).startsWith('005') ? 'User' : 'Group',
        };
      }),
    meta: meta(call.request.baseUrl, 'Group', 'Groups', group),
  };
}

export function listGroups(call: ScimCall) {
  const { startIndex, count } = pageParameters(call.request.query);
  const groups = [...call.org.store.table('Group').live.values()].filter((group) => group.Type === 'Regular');
  const page = groups
    .slice(startIndex - 1, startIndex - 1 + count)
    .map((group) => groupResource(call, group));
  return listResponse(page, groups.length, startIndex);
}

export function getGroup(call: ScimCall) {
  return scimJson(200, groupResource(call, publicGroup(call, call.id)));
}

const MEMBER_FILTER = /^members\[value eq "([^"]+)"\]$/i;

export function patchGroup(call: ScimCall) {
  const group = publicGroup(call, call.id);
  const groupId = String(group.Id);
  const members = call.org.store.table('GroupMember');
  for (const operation of readPatchOperations(call.body)) {
    const path = operation.path ?? 'members';
    const filtered = MEMBER_FILTER.exec(path)?.[1];
    if (filtered === undefined && path.toLowerCase() !== 'members') {
      throw new ScimError(400, `Only 'members' can be changed on a group, not '${path}'.`, 'invalidPath');
    }
    const value = operation.value as { members?: unknown } | unknown[] | undefined;
    const entries =
      filtered !== undefined ? [{ value: filtered }] : Array.isArray(value) ? value : (value?.members ?? []);
    for (const entry of entries as { value?: unknown }[]) {
      const memberId = typeof entry.value === 'string' ? toId18(entry.value) : undefined;
      if (memberId === undefined) continue;
      const existing = members.findUnique(['GroupId', 'UserOrGroupId'], {
        GroupId: groupId,
        UserOrGroupId: memberId,
      });
      if (operation.op === 'remove' && existing !== undefined)
        call.org.delete('GroupMember', existing, call.session.userId);
      if (operation.op !== 'remove' && existing === undefined) {
        call.org.create('GroupMember', { GroupId: groupId, UserOrGroupId: memberId }, call.session.userId);
      }
    }
  }
  return scimJson(200, groupResource(call, publicGroup(call, groupId)));
}

function roleResource(call: ScimCall, role: StoredRecord): Record<string, unknown> {
  return {
    schemas: [ROLE_SCHEMA],
    id: role.Id,
    displayName: role.Name,
    ...(role.ParentRoleId !== null ? { parentRole: { value: role.ParentRoleId } } : {}),
    meta: meta(call.request.baseUrl, 'Role', 'Roles', role),
  };
}

export function listRoles(call: ScimCall) {
  const { startIndex, count } = pageParameters(call.request.query);
  const roles = [...call.org.store.table('UserRole').live.values()];
  const page = roles.slice(startIndex - 1, startIndex - 1 + count).map((role) => roleResource(call, role));
  return listResponse(page, roles.length, startIndex);
}

export function getRole(call: ScimCall) {
  const id18 = toId18(call.id);
  const role = id18 === undefined ? undefined : call.org.store.table('UserRole').live.get(id18);
  if (role === undefined) throw notFoundResource('Role', call.id);
  return scimJson(200, roleResource(call, role));
}
