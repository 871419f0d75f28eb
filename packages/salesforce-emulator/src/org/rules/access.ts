import { badRequest } from '../errors.js';
import type { OrgStore } from '../store.js';
import type { StoredRecord } from '../table.js';
import type { ObjectRules } from './types.js';

function permissionSet(store: OrgStore, id: unknown): StoredRecord | undefined {
  return typeof id === 'string' ? store.table('PermissionSet').live.get(id) : undefined;
}

function integrity(message: string, fields: readonly string[]): never {
  throw badRequest('FIELD_INTEGRITY_EXCEPTION', message, fields);
}

/** The aggregate permission set (Type 'Group') that carries a permission set group's permissions. */
export function aggregatePermissionSetId(store: OrgStore, permissionSetGroupId: string): string | undefined {
  const [id] = store.table('PermissionSet').idsWhere('PermissionSetGroupId', permissionSetGroupId);
  return id;
}

export const permissionSetAssignmentRules: ObjectRules = {
  defaults: { IsActive: true },
  beforeInsert(candidate, _context, writer) {
    const store = writer.store;
    if (candidate.PermissionSetId === null && candidate.PermissionSetGroupId === null) {
      throw badRequest('REQUIRED_FIELD_MISSING', 'Required fields are missing: [PermissionSetId]', [
        'PermissionSetId',
      ]);
    }
    if (typeof candidate.PermissionSetGroupId === 'string') {
      // Assigning a group is recorded against its aggregate permission set, with both Ids set.
      const aggregateId = aggregatePermissionSetId(store, candidate.PermissionSetGroupId);
      if (candidate.PermissionSetId !== null && candidate.PermissionSetId !== aggregateId) {
        integrity(
          'PermissionSetId must be empty or the aggregate permission set of the permission set group.',
          ['PermissionSetId'],
        );
      }
      candidate.PermissionSetId = aggregateId ?? null;
    } else {
      const target = permissionSet(store, candidate.PermissionSetId);
      if (target?.IsOwnedByProfile === true) {
        integrity(
          "You can't assign or unassign this permission set because it's owned by a profile. Change the user's profile instead.",
          ['PermissionSetId'],
        );
      }
      if (target?.Type === 'Group') {
        integrity(
          "You can't assign this permission set directly because it belongs to a permission set group. Assign the group (PermissionSetGroupId) instead.",
          ['PermissionSetId'],
        );
      }
      candidate.IsActive = target?.Type !== 'Session';
    }
    const target = permissionSet(store, candidate.PermissionSetId);
    const assignee = store.table('User').live.get(String(candidate.AssigneeId));
    const profile = store.table('Profile').live.get(String(assignee?.ProfileId));
    if (typeof target?.LicenseId === 'string' && target.LicenseId !== profile?.UserLicenseId) {
      integrity(
        `The user license doesn't match the user license of the permission set ${String(target.Label)}.`,
        ['AssigneeId'],
      );
    }
  },
  beforeDelete(record, _context, writer) {
    const target = permissionSet(writer.store, record.PermissionSetId);
    if (target?.IsOwnedByProfile === true) {
      integrity(
        "You can't assign or unassign this permission set because it's owned by a profile. Change the user's profile instead.",
        ['PermissionSetId'],
      );
    }
  },
};

export const permissionSetRules: ObjectRules = {
  defaults: { Type: 'Regular', IsCustom: true },
  beforeInsert(candidate) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(String(candidate.Name)) || String(candidate.Name).includes('__')) {
      integrity(
        'The API Name can only contain underscores and alphanumeric characters. It must be unique, begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.',
        ['Name'],
      );
    }
  },
  beforeDelete(record) {
    if (record.IsOwnedByProfile === true || record.Type === 'Group') {
      integrity(
        'This permission set is owned by a profile or a permission set group and cannot be deleted.',
        ['Id'],
      );
    }
  },
  afterDelete(record, _context, writer) {
    const store = writer.store;
    const id = record.Id as string;
    for (const assignmentId of [...store.table('PermissionSetAssignment').idsWhere('PermissionSetId', id)]) {
      store.deleteRaw('PermissionSetAssignment', assignmentId);
    }
    for (const component of [...store.table('PermissionSetGroupComponent').live.values()]) {
      if (component.PermissionSetId === id)
        store.deleteRaw('PermissionSetGroupComponent', component.Id as string);
    }
  },
};

export const permissionSetGroupRules: ObjectRules = {
  defaults: { Status: 'Updated' },
  afterInsert(record, _context, writer) {
    writer.store.insertRaw('PermissionSet', {
      Name: `${String(record.DeveloperName)}_Aggregate`,
      Label: String(record.MasterLabel),
      Type: 'Group',
      IsOwnedByProfile: false,
      IsCustom: false,
      PermissionSetGroupId: record.Id ?? null,
    });
  },
  beforeDelete(record, _context, writer) {
    const aggregateId = aggregatePermissionSetId(writer.store, record.Id as string);
    if (
      aggregateId !== undefined &&
      writer.store.table('PermissionSetAssignment').idsWhere('PermissionSetId', aggregateId).length > 0
    ) {
      throw badRequest(
        'DELETE_FAILED',
        'Your attempt to delete this permission set group failed because it is assigned to users.',
      );
    }
  },
  afterDelete(record, _context, writer) {
    const store = writer.store;
    const id = record.Id as string;
    for (const componentId of [
      ...store.table('PermissionSetGroupComponent').idsWhere('PermissionSetGroupId', id),
    ]) {
      store.deleteRaw('PermissionSetGroupComponent', componentId);
    }
    const aggregateId = aggregatePermissionSetId(store, id);
    if (aggregateId !== undefined) store.deleteRaw('PermissionSet', aggregateId);
  },
};

export const permissionSetGroupComponentRules: ObjectRules = {
  beforeInsert(candidate, _context, writer) {
    const target = permissionSet(writer.store, candidate.PermissionSetId);
    if (target?.IsOwnedByProfile === true || target?.Type === 'Group') {
      integrity('Only regular permission sets can be added to a permission set group.', ['PermissionSetId']);
    }
  },
};

export const userPackageLicenseRules: ObjectRules = {
  beforeInsert(candidate, _context, writer) {
    const license = writer.store.table('PackageLicense').live.get(String(candidate.PackageLicenseId));
    if (license === undefined) return;
    const allowed = Number(license.AllowedLicenses);
    if (allowed !== -1 && Number(license.UsedLicenses) >= allowed) {
      throw badRequest('LICENSE_LIMIT_EXCEEDED', 'License Limit Exceeded', ['PackageLicenseId']);
    }
    if (license.Status === 'Expired') {
      integrity('The package license has expired.', ['PackageLicenseId']);
    }
  },
  afterInsert(record, _context, writer) {
    adjustPackageLicense(writer.store, record.PackageLicenseId, 1);
  },
  afterDelete(record, _context, writer) {
    adjustPackageLicense(writer.store, record.PackageLicenseId, -1);
  },
};

function adjustPackageLicense(store: OrgStore, packageLicenseId: unknown, delta: number): void {
  const license = store.table('PackageLicense').live.get(String(packageLicenseId));
  if (license !== undefined) {
    store.updateRaw(license, 'PackageLicense', { UsedLicenses: Number(license.UsedLicenses) + delta });
  }
}
