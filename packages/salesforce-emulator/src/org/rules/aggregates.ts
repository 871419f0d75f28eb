import { PERMISSION_FIELDS } from '../../schema/index.js';
import type { OrgStore } from '../store.js';
import type { FieldValue } from '../table.js';

/** How the org brings a permission set group's aggregate up to date after a change. */
export type GroupRecalculation = 'immediate' | 'deferred';

/** The aggregate permission set (Type 'Group') that carries a permission set group's permissions. */
export function aggregatePermissionSetId(store: OrgStore, permissionSetGroupId: string): string | undefined {
  const [id] = store.table('PermissionSet').idsWhere('PermissionSetGroupId', permissionSetGroupId);
  return id;
}

/** The group's muting permission set, if it has one (a group has at most one). */
export function mutingPermissionSetIdOf(store: OrgStore, permissionSetGroupId: string): string | undefined {
  for (const component of store
    .table('PermissionSetGroupComponent')
    .rowsWhere('PermissionSetGroupId', permissionSetGroupId)) {
    const id = String(component.PermissionSetId);
    if (id.startsWith('0QM')) return id;
  }
  return undefined;
}

/**
 * Recomputes a group's aggregate permission set: every permission enabled in
 * a component permission set, minus every permission enabled in the group's
 * muting permission set ("MutingPermissionSet": "settings enabled by
 * MutingPermissionSet are turned off for the permission set group that it's a
 * component of"). Status ends at 'Updated'.
 */
export function recalculatePermissionSetGroup(store: OrgStore, permissionSetGroupId: string): void {
  const group = store.table('PermissionSetGroup').live.get(permissionSetGroupId);
  const aggregateId = aggregatePermissionSetId(store, permissionSetGroupId);
  if (group === undefined || aggregateId === undefined) return;
  const aggregate = store.table('PermissionSet').live.get(aggregateId);
  if (aggregate === undefined) return;
  store.updateRaw(group, 'PermissionSetGroup', { Status: 'Updating' });
  const values: Record<string, FieldValue> = {};
  for (const name of PERMISSION_FIELDS) values[name] = false;
  let muting: Readonly<Record<string, FieldValue>> | undefined;
  for (const component of store
    .table('PermissionSetGroupComponent')
    .rowsWhere('PermissionSetGroupId', permissionSetGroupId)) {
    const id = String(component.PermissionSetId);
    if (id.startsWith('0QM')) {
      muting = store.table('MutingPermissionSet').live.get(id);
      continue;
    }
    const permissionSet = store.table('PermissionSet').live.get(id);
    if (permissionSet === undefined) continue;
    for (const name of PERMISSION_FIELDS) if (permissionSet[name] === true) values[name] = true;
  }
  if (muting !== undefined) {
    for (const name of PERMISSION_FIELDS) if (muting[name] === true) values[name] = false;
  }
  store.updateRaw(aggregate, 'PermissionSet', values);
  store.updateRaw(group, 'PermissionSetGroup', { Status: 'Updated' });
}

/**
 * A component or a component's permissions changed: the group is recalculated
 * now, or (deferred) marked 'Outdated' with its aggregate left as it was, as
 * Salesforce does while its recalculation job has not run yet.
 */
export function permissionSetGroupChanged(
  store: OrgStore,
  permissionSetGroupId: string,
  mode: GroupRecalculation,
): void {
  if (mode === 'immediate') {
    recalculatePermissionSetGroup(store, permissionSetGroupId);
    return;
  }
  const group = store.table('PermissionSetGroup').live.get(permissionSetGroupId);
  if (group !== undefined) store.updateRaw(group, 'PermissionSetGroup', { Status: 'Outdated' });
}

/** The groups that hold a permission set or muting permission set as a component. */
export function groupsContaining(store: OrgStore, permissionSetId: string): string[] {
  return store
    .table('PermissionSetGroupComponent')
    .rowsWhere('PermissionSetId', permissionSetId)
    .map((component) => String(component.PermissionSetGroupId));
}

/** Brings every group that is not 'Updated' up to date (what Salesforce's background job does). */
export function recalculateOutdatedGroups(store: OrgStore): number {
  let count = 0;
  for (const group of [...store.table('PermissionSetGroup').live.values()]) {
    if (group.Status === 'Updated') continue;
    recalculatePermissionSetGroup(store, group.Id as string);
    count += 1;
  }
  return count;
}

/** Whether any permission field differs between two versions of a row. */
export function permissionsChanged(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): boolean {
  return PERMISSION_FIELDS.some((name) => before[name] !== after[name]);
}
