import { trackAssignmentExpiry } from '../assignment-expiry.js';
import { parseDateTime } from '../datetime.js';
import { badRequest } from '../errors.js';
import type { OrgStore } from '../store.js';
import type { StoredRecord } from '../table.js';
import type { OrgWriter } from '../writer.js';
import {
  aggregatePermissionSetId,
  groupsContaining,
  mutingPermissionSetIdOf,
  permissionSetGroupChanged,
  permissionsChanged,
} from './aggregates.js';
import type { ObjectRules } from './types.js';

export { aggregatePermissionSetId } from './aggregates.js';

function permissionSet(store: OrgStore, id: unknown): StoredRecord | undefined {
  return typeof id === 'string' ? store.table('PermissionSet').live.get(id) : undefined;
}

function integrity(message: string, fields: readonly string[]): never {
  throw badRequest('FIELD_INTEGRITY_EXCEPTION', message, fields);
}

/**
 * Permissions that keep an assignment from having an expiration date (Help "Set
 * Assignment Expiration Details for Users in Permission Sets and Permission Set
 * Groups": Assign Permission Sets, Manage Profiles and Permission Sets, Manage Users).
 */
const NO_EXPIRY_PERMISSIONS: readonly [string, string][] = [
  ['PermissionsAssignPermissionSets', 'Assign Permission Sets'],
  ['PermissionsManageProfilesPermissionsets', 'Manage Profiles and Permission Sets'],
  ['PermissionsManageUsers', 'Manage Users'],
];

function checkExpiration(candidate: StoredRecord, target: StoredRecord | undefined, writer: OrgWriter): void {
  const value = candidate.ExpirationDate;
  if (value === null || value === undefined) return;
  if (!writer.settings.assignmentExpirationEnabled) {
    integrity(
      'Assignment expiration dates are not enabled in this org: turn on "Permission Set & Permission Set Group Assignments with Expiration Dates" in User Management Settings.',
      ['ExpirationDate'],
    );
  }
  const at = parseDateTime(String(value));
  if (at === undefined || at.getTime() <= writer.store.now().getTime()) {
    integrity('The expiration date must be in the future.', ['ExpirationDate']);
  }
  const blocking = NO_EXPIRY_PERMISSIONS.find(([field]) => target?.[field] === true);
  if (blocking !== undefined) {
    integrity(
      `A permission set or permission set group that contains the ${blocking[1]} permission can't have an expiration date.`,
      ['ExpirationDate'],
    );
  }
}

/** A permission set that needs a permission set license (LicenseId 0PL…) needs the user to hold it first. */
function checkPermissionSetLicense(store: OrgStore, target: StoredRecord, assigneeId: string): void {
  const licenseId = target.LicenseId;
  if (typeof licenseId !== 'string' || !licenseId.startsWith('0PL')) return;
  const held = store
    .table('PermissionSetLicenseAssign')
    .rowsWhere('AssigneeId', assigneeId)
    .some((assignment) => assignment.PermissionSetLicenseId === licenseId);
  if (held) return;
  const license = store.table('PermissionSetLicense').live.get(licenseId);
  integrity(
    `The user can't be assigned the permission set ${String(target.Label)} because it requires the permission set license ${String(license?.MasterLabel ?? licenseId)}, which isn't assigned to the user.`,
    ['PermissionSetId'],
  );
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
      const group = store.table('PermissionSetGroup').live.get(candidate.PermissionSetGroupId);
      // A group that requires activation is inactive until a session activates it.
      candidate.IsActive = group?.HasActivationRequired !== true;
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
    if (
      typeof target?.LicenseId === 'string' &&
      target.LicenseId.startsWith('100') &&
      target.LicenseId !== profile?.UserLicenseId
    ) {
      integrity(
        `The user license doesn't match the user license of the permission set ${String(target.Label)}.`,
        ['AssigneeId'],
      );
    }
    if (target !== undefined) checkPermissionSetLicense(store, target, String(candidate.AssigneeId));
    checkExpiration(candidate, target, writer);
  },
  afterInsert(record, _context, writer) {
    trackAssignmentExpiry(writer.store, record);
  },
  beforeUpdate(record, changes, _context, writer) {
    if ('ExpirationDate' in changes) {
      checkExpiration({ ...record, ...changes }, permissionSet(writer.store, record.PermissionSetId), writer);
    }
  },
  afterUpdate(record, _before, _context, writer) {
    trackAssignmentExpiry(writer.store, record);
  },
  afterDelete(record, _context, writer) {
    trackAssignmentExpiry(writer.store, record, true);
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
  beforeUpdate(record, changes) {
    if (record.Type === 'Group' && permissionsChanged(record, { ...record, ...changes })) {
      integrity(
        "The permissions of a permission set group's aggregate permission set are calculated from the group's components and can't be edited.",
        ['Id'],
      );
    }
  },
  afterUpdate(record, before, _context, writer) {
    if (!permissionsChanged(before, record)) return;
    const mode = writer.settings.permissionSetGroupRecalculation;
    for (const groupId of groupsContaining(writer.store, record.Id as string)) {
      permissionSetGroupChanged(writer.store, groupId, mode);
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
    removeComponentsOf(writer, id);
  },
};

/** A deleted permission set or muting permission set leaves every group it was in, which is recalculated. */
function removeComponentsOf(writer: OrgWriter, permissionSetId: string): void {
  const store = writer.store;
  for (const component of store
    .table('PermissionSetGroupComponent')
    .rowsWhere('PermissionSetId', permissionSetId)) {
    store.deleteRaw('PermissionSetGroupComponent', component.Id as string);
    permissionSetGroupChanged(
      store,
      String(component.PermissionSetGroupId),
      writer.settings.permissionSetGroupRecalculation,
    );
  }
}

export const mutingPermissionSetRules: ObjectRules = {
  afterUpdate(record, before, _context, writer) {
    if (!permissionsChanged(before, record)) return;
    for (const groupId of groupsContaining(writer.store, record.Id as string)) {
      permissionSetGroupChanged(writer.store, groupId, writer.settings.permissionSetGroupRecalculation);
    }
  },
  afterDelete(record, _context, writer) {
    removeComponentsOf(writer, record.Id as string);
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
    const componentId = String(candidate.PermissionSetId);
    if (componentId.startsWith('0QM')) {
      // Object Reference "PermissionSetGroupComponent": a group has at most one muting permission set.
      if (mutingPermissionSetIdOf(writer.store, String(candidate.PermissionSetGroupId)) !== undefined) {
        integrity('A permission set group can contain only one muting permission set.', ['PermissionSetId']);
      }
      return;
    }
    const target = permissionSet(writer.store, candidate.PermissionSetId);
    if (target?.IsOwnedByProfile === true || target?.Type === 'Group') {
      integrity('Only regular permission sets can be added to a permission set group.', ['PermissionSetId']);
    }
  },
  afterInsert(record, _context, writer) {
    permissionSetGroupChanged(
      writer.store,
      String(record.PermissionSetGroupId),
      writer.settings.permissionSetGroupRecalculation,
    );
  },
  afterDelete(record, _context, writer) {
    permissionSetGroupChanged(
      writer.store,
      String(record.PermissionSetGroupId),
      writer.settings.permissionSetGroupRecalculation,
    );
  },
};

export const permissionSetLicenseAssignRules: ObjectRules = {
  beforeInsert(candidate, _context, writer) {
    const license = writer.store
      .table('PermissionSetLicense')
      .live.get(String(candidate.PermissionSetLicenseId));
    if (license === undefined) return;
    if (license.Status !== 'Active') {
      integrity(`The permission set license ${String(license.MasterLabel)} is ${String(license.Status)}.`, [
        'PermissionSetLicenseId',
      ]);
    }
    if (Number(license.UsedLicenses) >= Number(license.TotalLicenses)) {
      throw badRequest('LICENSE_LIMIT_EXCEEDED', 'License Limit Exceeded', ['PermissionSetLicenseId']);
    }
  },
  afterInsert(record, _context, writer) {
    adjustSeats(writer.store, 'PermissionSetLicense', record.PermissionSetLicenseId, 1);
  },
  beforeDelete(record, _context, writer) {
    const store = writer.store;
    // The user keeps no permission set that needs the license once it is gone.
    for (const assignment of store
      .table('PermissionSetAssignment')
      .rowsWhere('AssigneeId', String(record.AssigneeId))) {
      const target = permissionSet(store, assignment.PermissionSetId);
      if (target !== undefined && target.LicenseId === record.PermissionSetLicenseId) {
        integrity(
          `The permission set license can't be removed while the user is assigned the permission set ${String(target.Label)}, which requires it. Remove that assignment first.`,
          ['PermissionSetLicenseId'],
        );
      }
    }
  },
  afterDelete(record, _context, writer) {
    adjustSeats(writer.store, 'PermissionSetLicense', record.PermissionSetLicenseId, -1);
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
    adjustSeats(writer.store, 'PackageLicense', record.PackageLicenseId, 1);
  },
  afterDelete(record, _context, writer) {
    adjustSeats(writer.store, 'PackageLicense', record.PackageLicenseId, -1);
  },
};

function adjustSeats(store: OrgStore, objectName: string, licenseId: unknown, delta: number): void {
  const license = store.table(objectName).live.get(String(licenseId));
  if (license !== undefined) {
    store.updateRaw(license, objectName, { UsedLicenses: Number(license.UsedLicenses) + delta });
  }
}
