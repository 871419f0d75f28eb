import { afterEach, describe, expect, it } from 'vitest';
import { generateOrg } from '../generator/generate-org.js';
import type { EmulatedOrg } from './emulated-org.js';
import { SalesforceApiError } from './errors.js';

const orgs: EmulatedOrg[] = [];
function freshOrg(seed = 5): EmulatedOrg {
  const org = generateOrg({ seed, preset: 'tiny' });
  orgs.push(org);
  return org;
}
afterEach(() => orgs.splice(0).forEach((org) => org.dispose()));

function failure(action: () => unknown): SalesforceApiError {
  try {
    action();
  } catch (error) {
    if (error instanceof SalesforceApiError) return error;
    throw error;
  }
  throw new Error('expected a SalesforceApiError');
}

function profileId(org: EmulatedOrg, name: string): string {
  return String(org.find('Profile', { Name: name })[0]?.Id);
}

function newUser(org: EmulatedOrg, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Username: `new.user.${Math.random().toString(36).slice(2)}@example.com`,
    LastName: 'User',
    Email: 'new.user@example.com',
    Alias: 'nuser',
    TimeZoneSidKey: 'America/Los_Angeles',
    LocaleSidKey: 'en_US',
    EmailEncodingKey: 'UTF-8',
    LanguageLocaleKey: 'en_US',
    ProfileId: profileId(org, 'Standard User'),
    ...overrides,
  };
}

function regularPermissionSet(org: EmulatedOrg): string {
  const set = org.find('PermissionSet', { Type: 'Regular', LicenseId: null })[0];
  return String(set?.Id);
}

describe('users', () => {
  it('creates a user with its profile permission set assignment and UserLogin', () => {
    const org = freshOrg();
    const id = org.create('User', newUser(org, { FirstName: 'Ada' }));
    const user = org.get(id);
    expect(user?.Name).toBe('Ada User');
    expect(user?.IsActive).toBe(true);
    const profileSet = org.find('PermissionSet', { ProfileId: profileId(org, 'Standard User') })[0];
    expect(
      org.find('PermissionSetAssignment', { AssigneeId: id, PermissionSetId: String(profileSet?.Id) }),
    ).toHaveLength(1);
    expect(org.find('UserLogin', { UserId: id })).toHaveLength(1);
  });

  it('lists every missing required field', () => {
    const org = freshOrg();
    const error = failure(() => org.create('User', { LastName: 'Only' }));
    expect(error.errorCode).toBe('REQUIRED_FIELD_MISSING');
    expect(error.fields).toEqual([
      'Username',
      'Email',
      'Alias',
      'TimeZoneSidKey',
      'LocaleSidKey',
      'EmailEncodingKey',
      'LanguageLocaleKey',
      'ProfileId',
    ]);
  });

  it('rejects an alias over 8 characters, an unknown field and a read-only field', () => {
    const org = freshOrg();
    expect(failure(() => org.create('User', newUser(org, { Alias: 'abcdefghi' }))).errorCode).toBe(
      'STRING_TOO_LONG',
    );
    expect(failure(() => org.create('User', newUser(org, { Nope__c: 1 }))).errorCode).toBe('INVALID_FIELD');
    expect(failure(() => org.create('User', newUser(org, { LastLoginDate: null }))).errorCode).toBe(
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
  });

  it('keeps usernames unique across every org in the process', () => {
    const org = freshOrg(5);
    const other = freshOrg(6);
    const username = 'taken@example.com';
    org.create('User', newUser(org, { Username: username }));
    expect(failure(() => org.create('User', newUser(org, { Username: 'TAKEN@example.com' }))).errorCode).toBe(
      'DUPLICATE_USERNAME',
    );
    expect(failure(() => other.create('User', newUser(other, { Username: username }))).errorCode).toBe(
      'DUPLICATE_USERNAME',
    );
    expect(failure(() => org.create('User', newUser(org, { Username: 'not-an-email' }))).errorCode).toBe(
      'INVALID_NEW_USERNAME',
    );
  });

  it('moves the profile-owned assignment when ProfileId changes and refuses a null profile', () => {
    const org = freshOrg();
    const id = org.create('User', newUser(org));
    const readOnly = profileId(org, 'Read Only');
    org.update('User', id, { ProfileId: readOnly });
    const owned = org
      .find('PermissionSetAssignment', { AssigneeId: id })
      .map((assignment) => org.get(String(assignment.PermissionSetId)))
      .filter((set) => set?.IsOwnedByProfile === true);
    expect(owned.map((set) => set?.ProfileId)).toEqual([readOnly]);
    expect(failure(() => org.update('User', id, { ProfileId: null })).errorCode).toBe(
      'REQUIRED_FIELD_MISSING',
    );
  });

  it('cannot be deleted, and the session user cannot deactivate themself', () => {
    const org = freshOrg();
    const error = failure(() => org.delete('User', org.adminUserId));
    expect([error.statusCode, error.errorCode, error.message]).toEqual([
      405,
      'METHOD_NOT_ALLOWED',
      "HTTP Method 'DELETE' not allowed. Allowed are HEAD,GET,PATCH",
    ]);
    expect(failure(() => org.update('User', org.adminUserId, { IsActive: false })).errorCode).toBe(
      'FIELD_INTEGRITY_EXCEPTION',
    );
  });

  it('inactive users keep their assignments', () => {
    const org = freshOrg();
    const id = org.create('User', newUser(org));
    org.create('PermissionSetAssignment', { AssigneeId: id, PermissionSetId: regularPermissionSet(org) });
    org.update('User', id, { IsActive: false });
    expect(org.find('PermissionSetAssignment', { AssigneeId: id })).toHaveLength(2);
  });

  it('applies an org validation rule', () => {
    const org = freshOrg();
    org.validationRules.push({
      objectName: 'User',
      name: 'Department_Required',
      errorMessage: 'Department is required',
      errorField: 'Department',
      condition: (user) => user.Department === null,
    });
    const error = failure(() => org.create('User', newUser(org)));
    expect([error.errorCode, error.message, error.fields]).toEqual([
      'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      'Department is required',
      ['Department'],
    ]);
    expect(org.create('User', newUser(org, { Department: 'Sales' }))).toMatch(/^005/);
  });
});

describe('permission set assignments', () => {
  it('rejects duplicates, profile-owned and group-aggregate permission sets', () => {
    const org = freshOrg();
    const id = org.create('User', newUser(org));
    const permissionSetId = regularPermissionSet(org);
    org.create('PermissionSetAssignment', { AssigneeId: id, PermissionSetId: permissionSetId });
    expect(
      failure(() =>
        org.create('PermissionSetAssignment', { AssigneeId: id, PermissionSetId: permissionSetId }),
      ).errorCode,
    ).toBe('DUPLICATE_VALUE');
    const profileOwned = org.find('PermissionSet', { IsOwnedByProfile: true })[0];
    expect(
      failure(() =>
        org.create('PermissionSetAssignment', { AssigneeId: id, PermissionSetId: String(profileOwned?.Id) }),
      ).errorCode,
    ).toBe('FIELD_INTEGRITY_EXCEPTION');
    const aggregate = org.find('PermissionSet', { Type: 'Group' })[0];
    expect(
      failure(() =>
        org.create('PermissionSetAssignment', { AssigneeId: id, PermissionSetId: String(aggregate?.Id) }),
      ).errorCode,
    ).toBe('FIELD_INTEGRITY_EXCEPTION');
    const ownedAssignment = org
      .find('PermissionSetAssignment', { AssigneeId: id })
      .find((assignment) => org.get(String(assignment.PermissionSetId))?.IsOwnedByProfile === true);
    expect(failure(() => org.delete('PermissionSetAssignment', String(ownedAssignment?.Id))).errorCode).toBe(
      'FIELD_INTEGRITY_EXCEPTION',
    );
  });

  it('assigns a permission set group through its aggregate permission set', () => {
    const org = freshOrg();
    const id = org.create('User', newUser(org));
    const group = org.find('PermissionSetGroup')[0];
    const assignmentId = org.create('PermissionSetAssignment', {
      AssigneeId: id,
      PermissionSetGroupId: String(group?.Id),
    });
    const assignment = org.get(assignmentId);
    expect(org.get(String(assignment?.PermissionSetId))?.PermissionSetGroupId).toBe(group?.Id);
  });

  it('refuses a permission set whose license does not match the user license', () => {
    const org = freshOrg();
    const id = org.create('User', newUser(org, { ProfileId: profileId(org, 'Chatter Free User') }));
    const licensed = org
      .find('PermissionSet')
      .find((set) => set.Type === 'Regular' && set.LicenseId !== null);
    const restricted =
      licensed?.Id ??
      org.create('PermissionSet', {
        Name: 'Licensed_Set',
        Label: 'Licensed Set',
        LicenseId: String(org.find('UserLicense', { Name: 'Salesforce' })[0]?.Id),
      });
    expect(
      failure(() =>
        org.create('PermissionSetAssignment', { AssigneeId: id, PermissionSetId: String(restricted) }),
      ).errorCode,
    ).toBe('FIELD_INTEGRITY_EXCEPTION');
  });

  it('reports a reference to a missing record', () => {
    const org = freshOrg();
    const error = failure(() =>
      org.create('PermissionSetAssignment', {
        AssigneeId: '005000000000000AAA',
        PermissionSetId: regularPermissionSet(org),
      }),
    );
    expect([error.errorCode, error.fields]).toEqual(['INVALID_CROSS_REFERENCE_KEY', ['AssigneeId']]);
  });
});

describe('package licenses, groups and ownership', () => {
  it('fails past AllowedLicenses and keeps UsedLicenses current', () => {
    const org = freshOrg();
    const license = org
      .find('PackageLicense')
      .find((row) => row.AllowedLicenses !== -1 && row.Status !== 'Expired');
    const licenseId = String(license?.Id);
    const holders = new Set(
      org.find('UserPackageLicense', { PackageLicenseId: licenseId }).map((row) => row.UserId),
    );
    const candidates = org
      .find('User', { IsActive: true, UserType: 'Standard' })
      .filter((user) => !holders.has(user.Id));
    let created = 0;
    let error: SalesforceApiError | undefined;
    for (const user of candidates) {
      try {
        org.create('UserPackageLicense', { PackageLicenseId: licenseId, UserId: String(user.Id) });
        created++;
      } catch (caught) {
        error = caught as SalesforceApiError;
        break;
      }
    }
    expect(error?.errorCode).toBe('LICENSE_LIMIT_EXCEEDED');
    expect(org.get(licenseId)?.UsedLicenses).toBe(license?.AllowedLicenses);
    expect(created).toBe(Number(license?.AllowedLicenses) - holders.size);
    const seat = org.find('UserPackageLicense', { PackageLicenseId: licenseId })[0];
    org.delete('UserPackageLicense', String(seat?.Id));
    expect(org.get(licenseId)?.UsedLicenses).toBe(Number(license?.AllowedLicenses) - 1);
  });

  it('nests public groups and refuses duplicate members', () => {
    const org = freshOrg();
    const parent = org.create('Group', { Name: 'Parent' });
    const child = org.create('Group', { Name: 'Child' });
    org.create('GroupMember', { GroupId: parent, UserOrGroupId: child });
    expect(
      failure(() => org.create('GroupMember', { GroupId: parent, UserOrGroupId: child })).errorCode,
    ).toBe('DUPLICATE_VALUE');
    const roleGroup = org.find('Group', { Type: 'Role' })[0];
    expect(
      failure(() =>
        org.create('GroupMember', { GroupId: String(roleGroup?.Id), UserOrGroupId: org.adminUserId }),
      ).errorCode,
    ).toBe('FIELD_INTEGRITY_EXCEPTION');
  });

  it('refuses ownership transfer to an inactive user and soft-deletes accounts', () => {
    const org = freshOrg();
    const account = org.create('Account', { Name: 'Acme' });
    expect(org.get(account)?.OwnerId).toBe(org.adminUserId);
    const inactive = org.create('User', newUser(org));
    org.update('User', inactive, { IsActive: false });
    const error = failure(() => org.update('Account', account, { OwnerId: inactive }));
    expect([error.errorCode, error.message]).toEqual([
      'INACTIVE_OWNER_OR_USER',
      `operation performed with inactive user [${inactive}] as owner of account`,
    ]);
    org.delete('Account', account);
    expect(failure(() => org.update('Account', account, { Name: 'x' })).errorCode).toBe('ENTITY_IS_DELETED');
    expect([...org.store.scan('Account', { includeDeleted: true })].some((row) => row.Id === account)).toBe(
      true,
    );
  });

  it('creates role groups with a role and an aggregate permission set with a permission set group', () => {
    const org = freshOrg();
    const role = org.create('UserRole', { Name: 'Support Lead' });
    expect(org.find('Group', { RelatedId: role }).map((group) => group.Type)).toEqual([
      'Role',
      'RoleAndSubordinates',
      'RoleAndSubordinatesInternal',
    ]);
    const group = org.create('PermissionSetGroup', { DeveloperName: 'Support', MasterLabel: 'Support' });
    expect(org.find('PermissionSet', { PermissionSetGroupId: group, Type: 'Group' })).toHaveLength(1);
  });
});
