import { SalesforceApiError, badRequest } from '../errors.js';
import type { OrgStore } from '../store.js';
import { usernameTakenElsewhere } from '../store.js';
import type { FieldValue, StoredRecord } from '../table.js';
import type { ObjectRules } from './types.js';

const EMAIL_FORM = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function checkUsername(store: OrgStore, username: string, userId: string | undefined): void {
  if (!EMAIL_FORM.test(username)) {
    throw badRequest(
      'INVALID_NEW_USERNAME',
      'Username: Please enter a username in the form of an email address (for example, john@acme.com).',
      ['Username'],
    );
  }
  const holder = store.userIdByUsername(username);
  if ((holder !== undefined && holder !== userId) || usernameTakenElsewhere(username, store)) {
    // Usernames are unique across every Salesforce org, not just this one.
    throw badRequest(
      'DUPLICATE_USERNAME',
      "Duplicate Username.<br>The username already exists in this or another Salesforce organization. Usernames must be unique across all Salesforce organizations. To resolve, use a different username (it doesn't need to match the user's email address).",
      ['Username'],
    );
  }
}

function checkEmail(email: FieldValue | undefined): void {
  if (typeof email === 'string' && !EMAIL_FORM.test(email)) {
    throw badRequest('INVALID_EMAIL_ADDRESS', `Email: invalid email address: ${email}`, ['Email']);
  }
}

function fullName(record: Readonly<Record<string, FieldValue>>): string {
  return [record.FirstName, record.LastName]
    .filter((part) => typeof part === 'string' && part !== '')
    .join(' ');
}

function profileOf(store: OrgStore, profileId: FieldValue | undefined): StoredRecord {
  const profile = typeof profileId === 'string' ? store.table('Profile').live.get(profileId) : undefined;
  if (profile === undefined)
    throw badRequest('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['ProfileId']);
  return profile;
}

/** Adjusts UserLicense.UsedLicenses; fails when an activation would exceed TotalLicenses. */
export function adjustUserLicense(store: OrgStore, profileId: FieldValue | undefined, delta: number): void {
  const profile = typeof profileId === 'string' ? store.table('Profile').live.get(profileId) : undefined;
  const licenseId = profile?.UserLicenseId;
  const license = typeof licenseId === 'string' ? store.table('UserLicense').live.get(licenseId) : undefined;
  if (license === undefined) return;
  const used = Number(license.UsedLicenses ?? 0);
  if (delta > 0 && used + delta > Number(license.TotalLicenses ?? 0)) {
    throw badRequest('LICENSE_LIMIT_EXCEEDED', 'License Limit Exceeded');
  }
  store.updateRaw(license, 'UserLicense', { UsedLicenses: used + delta });
}

export function profilePermissionSetId(store: OrgStore, profileId: string): string | undefined {
  const [permissionSetId] = store.table('PermissionSet').idsWhere('ProfileId', profileId);
  return permissionSetId;
}

export const userRules: ObjectRules = {
  defaults: { IsActive: true },
  beforeInsert(candidate, _context, writer) {
    const store = writer.store;
    checkUsername(store, String(candidate.Username), undefined);
    checkEmail(candidate.Email);
    const profile = profileOf(store, candidate.ProfileId);
    candidate.Name = fullName(candidate);
    candidate.UserType = profile.UserType ?? 'Standard';
    if (candidate.IsActive === true) adjustUserLicense(store, candidate.ProfileId, 1);
  },
  afterInsert(record, _context, writer) {
    const store = writer.store;
    const userId = record.Id as string;
    const permissionSetId = profilePermissionSetId(store, record.ProfileId as string);
    if (permissionSetId !== undefined) {
      store.insertRaw('PermissionSetAssignment', {
        AssigneeId: userId,
        PermissionSetId: permissionSetId,
        IsActive: true,
      });
    }
    store.insertRaw('UserLogin', { UserId: userId, IsFrozen: false, IsPasswordLocked: false });
  },
  beforeUpdate(record, changes, context, writer) {
    const store = writer.store;
    if ('ProfileId' in changes) {
      if (changes.ProfileId === null) {
        throw badRequest('REQUIRED_FIELD_MISSING', 'Required fields are missing: [ProfileId]', ['ProfileId']);
      }
      changes.UserType = profileOf(store, changes.ProfileId).UserType ?? 'Standard';
    }
    if (typeof changes.Username === 'string' && changes.Username !== record.Username) {
      checkUsername(store, changes.Username, record.Id as string);
    }
    if ('Email' in changes) checkEmail(changes.Email);
    for (const required of ['LastName', 'Email', 'Alias', 'Username'] as const) {
      if (required in changes && (changes[required] === null || changes[required] === '')) {
        throw badRequest('REQUIRED_FIELD_MISSING', `Required fields are missing: [${required}]`, [required]);
      }
    }
    if ('FirstName' in changes || 'LastName' in changes) changes.Name = fullName({ ...record, ...changes });
    const deactivating = changes.IsActive === false && record.IsActive === true;
    if (deactivating && record.Id === context.sessionUserId) {
      // The session user cannot deactivate their own user record.
      throw new SalesforceApiError(
        400,
        'FIELD_INTEGRITY_EXCEPTION',
        'You cannot deactivate your own user record.',
        ['IsActive'],
      );
    }
    const activating = changes.IsActive === true && record.IsActive === false;
    const newProfile = changes.ProfileId ?? record.ProfileId;
    if (activating) adjustUserLicense(store, newProfile, 1);
    if (deactivating) adjustUserLicense(store, record.ProfileId, -1);
    if (!activating && !deactivating && record.IsActive === true && newProfile !== record.ProfileId) {
      adjustUserLicense(store, newProfile, 1);
      adjustUserLicense(store, record.ProfileId, -1);
    }
  },
  afterUpdate(record, before, _context, writer) {
    if (record.ProfileId === before.ProfileId) return;
    // Every user holds exactly one profile-owned permission set assignment: it follows ProfileId.
    const store = writer.store;
    const userId = record.Id as string;
    const oldPermissionSetId = profilePermissionSetId(store, before.ProfileId as string);
    const assignments = store.table('PermissionSetAssignment');
    if (oldPermissionSetId !== undefined) {
      const oldAssignment = assignments.findUnique(['AssigneeId', 'PermissionSetId'], {
        AssigneeId: userId,
        PermissionSetId: oldPermissionSetId,
      });
      if (oldAssignment !== undefined) store.deleteRaw('PermissionSetAssignment', oldAssignment);
    }
    const newPermissionSetId = profilePermissionSetId(store, record.ProfileId as string);
    if (newPermissionSetId !== undefined) {
      store.insertRaw('PermissionSetAssignment', {
        AssigneeId: userId,
        PermissionSetId: newPermissionSetId,
        IsActive: true,
      });
    }
  },
};

export const userLoginRules: ObjectRules = {
  beforeUpdate(record, changes) {
    if (changes.IsPasswordLocked === true && record.IsPasswordLocked === false) {
      throw badRequest('FIELD_INTEGRITY_EXCEPTION', 'IsPasswordLocked can only be set to false.', [
        'IsPasswordLocked',
      ]);
    }
  },
};
