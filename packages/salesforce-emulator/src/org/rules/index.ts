import {
  mutingPermissionSetRules,
  permissionSetAssignmentRules,
  permissionSetGroupComponentRules,
  permissionSetGroupRules,
  permissionSetLicenseAssignRules,
  permissionSetRules,
  userPackageLicenseRules,
} from './access.js';
import { groupMemberRules, groupRules, userRoleRules } from './groups.js';
import { ownedRecordRules } from './ownership.js';
import type { ObjectRules } from './types.js';
import { userLoginRules, userRules } from './users.js';

/** Salesforce's rules per object, keyed by API name. */
export const OBJECT_RULES: Readonly<Record<string, ObjectRules>> = {
  User: userRules,
  UserLogin: userLoginRules,
  UserRole: userRoleRules,
  PermissionSet: permissionSetRules,
  PermissionSetAssignment: permissionSetAssignmentRules,
  PermissionSetGroup: permissionSetGroupRules,
  PermissionSetGroupComponent: permissionSetGroupComponentRules,
  MutingPermissionSet: mutingPermissionSetRules,
  PermissionSetLicenseAssign: permissionSetLicenseAssignRules,
  UserPackageLicense: userPackageLicenseRules,
  Group: groupRules,
  GroupMember: groupMemberRules,
  Account: ownedRecordRules('Account'),
  Opportunity: ownedRecordRules('Opportunity'),
  Task: ownedRecordRules('Task', { Status: 'Not Started', Priority: 'Normal' }),
};
