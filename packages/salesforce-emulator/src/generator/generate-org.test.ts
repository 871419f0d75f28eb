import { describe, expect, it } from 'vitest';
import { generateOrg } from './generate-org.js';
import type { EmulatedOrg } from '../org/emulated-org.js';

function snapshot(org: EmulatedOrg): string {
  return JSON.stringify(
    org.store.objectNames().map((name) => [...org.store.scan(name, { includeDeleted: true })]),
  );
}

describe('generateOrg', () => {
  it('is deterministic: the same seed and reference date give the same org byte for byte', () => {
    const referenceDate = new Date('2026-03-01T12:00:00.000Z');
    const first = generateOrg({ seed: 11, preset: 'tiny', referenceDate });
    const second = generateOrg({ seed: 11, preset: 'tiny', referenceDate });
    const other = generateOrg({ seed: 12, preset: 'tiny', referenceDate });
    expect(snapshot(first)).toBe(snapshot(second));
    expect(snapshot(other)).not.toBe(snapshot(first));
    expect(first.connectedApp.clientId).toBe(second.connectedApp.clientId);
    [first, second, other].forEach((org) => org.dispose());
  });

  it('generates login times relative to when it is generated, by default', () => {
    const before = Date.now();
    const org = generateOrg({ seed: 4, preset: 'demo' });
    const logins = org
      .find('User')
      .map((user) => user['LastLoginDate'])
      .filter((login): login is string => typeof login === 'string')
      .map((login) => new Date(login.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).getTime());
    expect(logins.length).toBeGreaterThan(100);
    expect(Math.max(...logins)).toBeLessThanOrEqual(Date.now());
    // Some users logged in within the last week of the generation date, some are dormant for months.
    expect(logins.some((login) => login > before - 7 * 86_400_000)).toBe(true);
    expect(logins.some((login) => login < before - 90 * 86_400_000)).toBe(true);
    org.dispose();
  });

  it('keeps the data as Salesforce does', () => {
    const org = generateOrg({ seed: 3, preset: 'demo' });
    const users = org.find('User');
    expect(users).toHaveLength(2001);
    const permissionSets = new Map(org.find('PermissionSet').map((set) => [set.Id, set]));
    const assignments = org.find('PermissionSetAssignment');
    for (const user of users) {
      const owned = assignments.filter(
        (assignment) =>
          assignment.AssigneeId === user.Id &&
          permissionSets.get(assignment.PermissionSetId as string)?.IsOwnedByProfile,
      );
      expect(owned).toHaveLength(1);
      expect(permissionSets.get(owned[0]?.PermissionSetId as string)?.ProfileId).toBe(user.ProfileId);
    }
    const groupAssignments = assignments.filter((assignment) => assignment.PermissionSetGroupId !== null);
    expect(groupAssignments.length).toBeGreaterThan(0);
    for (const assignment of groupAssignments) {
      expect(permissionSets.get(assignment.PermissionSetId as string)?.PermissionSetGroupId).toBe(
        assignment.PermissionSetGroupId,
      );
    }
    const inactiveShare = users.filter((user) => user.IsActive === false).length / users.length;
    expect(inactiveShare).toBeGreaterThan(0.05);
    expect(inactiveShare).toBeLessThan(0.15);
    expect(users.some((user) => user.LastLoginDate === null)).toBe(true);
    expect(new Set(users.map((user) => user.UserType))).toEqual(
      new Set(['Standard', 'CsnOnly', 'PowerPartner', 'CspLitePortal', 'Guest', 'AutomatedProcess']),
    );
    expect(String(users[1]?.LastLoginDate ?? users[2]?.LastLoginDate)).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/,
    );
    const groupTypes = new Set(org.find('Group').map((group) => group.Type));
    for (const type of ['Regular', 'Role', 'RoleAndSubordinates', 'Queue', 'Organization'])
      expect(groupTypes).toContain(type);
    const nested = org.find('GroupMember').filter((member) => String(member.UserOrGroupId).startsWith('00G'));
    expect(nested.length).toBeGreaterThan(0);
    for (const license of org.find('PackageLicense')) {
      const held = org.find('UserPackageLicense', { PackageLicenseId: license.Id as string }).length;
      expect(license.UsedLicenses).toBe(held);
      if (license.AllowedLicenses !== -1) expect(held).toBeLessThanOrEqual(Number(license.AllowedLicenses));
    }
    const admin = org.get(org.adminUserId);
    const adminProfile = org.get(String(admin?.ProfileId));
    expect(adminProfile?.PermissionsModifyAllData).toBe(true);
    org.dispose();
  });
});
