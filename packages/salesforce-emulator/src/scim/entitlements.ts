import { toId18 } from '../org/ids.js';
import type { StoredRecord } from '../org/table.js';
import { matchesClause, parseFilter } from './filter.js';
import type { ScimCall } from './scim-call.js';
import { applyEntitlementChange, listResponse, pageParameters, readPatchOperations } from './scim-call.js';
import { ScimError, notFoundResource, scimJson } from './scim-errors.js';
import { meta } from './user-resource.js';

export const ENTITLEMENT_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Entitlement';

interface Entitlement {
  readonly record: StoredRecord;
  readonly type: 'Profile' | 'PermissionSet';
}

/** Profiles and the permission sets a user can hold directly (not profile-owned, not group aggregates). */
function* entitlements(call: ScimCall): Iterable<Entitlement> {
  for (const profile of call.org.store.table('Profile').live.values())
    yield { record: profile, type: 'Profile' };
  for (const permissionSet of call.org.store.table('PermissionSet').live.values()) {
    if (permissionSet.IsOwnedByProfile === true || permissionSet.Type === 'Group') continue;
    yield { record: permissionSet, type: 'PermissionSet' };
  }
}

function members(call: ScimCall, entitlement: Entitlement): { value: unknown; display: unknown }[] {
  const store = call.org.store;
  const users = store.table('User');
  const ids =
    entitlement.type === 'Profile'
      ? users.idsWhere('ProfileId', String(entitlement.record.Id))
      : store
          .table('PermissionSetAssignment')
          .rowsWhere('PermissionSetId', String(entitlement.record.Id))
          .map((assignment) => String(assignment.AssigneeId));
  return ids.map((id) => ({ value: id, display: users.live.get(id)?.Name ?? null }));
}

function resource(call: ScimCall, entitlement: Entitlement, withMembers: boolean): Record<string, unknown> {
  const record = entitlement.record;
  return {
    schemas: [ENTITLEMENT_SCHEMA],
    id: record.Id,
    displayName: entitlement.type === 'Profile' ? record.Name : record.Label,
    type: entitlement.type,
    ...(withMembers ? { members: members(call, entitlement) } : {}),
    meta: meta(call.request.baseUrl, 'Entitlement', 'Entitlements', record),
  };
}

function requireEntitlement(call: ScimCall): Entitlement {
  const id = toId18(call.id);
  const store = call.org.store;
  const profile = id === undefined ? undefined : store.table('Profile').live.get(id);
  if (profile !== undefined) return { record: profile, type: 'Profile' };
  const permissionSet = id === undefined ? undefined : store.table('PermissionSet').live.get(id);
  if (
    permissionSet !== undefined &&
    permissionSet.IsOwnedByProfile !== true &&
    permissionSet.Type !== 'Group'
  ) {
    return { record: permissionSet, type: 'PermissionSet' };
  }
  throw notFoundResource('Entitlement', call.id);
}

export function listEntitlements(call: ScimCall) {
  const filter = call.request.query.get('filter');
  const clauses = filter === null ? [] : parseFilter(filter);
  const { startIndex, count } = pageParameters(call.request.query);
  const page: Record<string, unknown>[] = [];
  let total = 0;
  for (const entitlement of entitlements(call)) {
    const view = resource(call, entitlement, false);
    if (!clauses.every((clause) => matchesClause(view[clause.attribute], clause))) continue;
    total++;
    if (total >= startIndex && page.length < count) page.push(view);
  }
  return listResponse(page, total, startIndex);
}

export function getEntitlement(call: ScimCall) {
  return scimJson(200, resource(call, requireEntitlement(call), true));
}

const MEMBER_FILTER = /^members\[value eq "([^"]+)"\]$/i;

export function patchEntitlement(call: ScimCall) {
  // Salesforce's SCIM reference lists Entitlements as read (GET) only; an org that keeps to it
  // refuses the PATCH that the Lumos article relies on.
  if (!call.org.settings.scimEntitlementWrites) {
    throw new ScimError(405, 'Entitlements are read-only in this org: use the REST API to assign them.');
  }
  const entitlement = requireEntitlement(call);
  for (const operation of readPatchOperations(call.body)) {
    const path = operation.path ?? 'members';
    const filtered = MEMBER_FILTER.exec(path)?.[1];
    if (filtered === undefined && path.toLowerCase() !== 'members') {
      throw new ScimError(
        400,
        `Only 'members' can be changed on an entitlement, not '${path}'.`,
        'invalidPath',
      );
    }
    const value = operation.value as { members?: unknown } | unknown[] | undefined;
    const entries =
      filtered !== undefined ? [{ value: filtered }] : Array.isArray(value) ? value : (value?.members ?? []);
    for (const entry of entries as { value?: unknown }[]) {
      if (typeof entry.value !== 'string') continue;
      applyEntitlementChange(
        call,
        entry.value,
        String(entitlement.record.Id),
        operation.op === 'remove' ? 'remove' : 'add',
      );
    }
  }
  return scimJson(200, resource(call, requireEntitlement(call), true));
}
