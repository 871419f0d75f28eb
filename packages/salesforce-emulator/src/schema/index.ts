import type { ObjectDefinition } from './builder.js';
import { accountObject, opportunityObject, taskObject } from './business.js';
import {
  groupMemberObject,
  groupObject,
  mutingPermissionSetObject,
  packageLicenseObject,
  permissionSetAssignmentObject,
  permissionSetGroupComponentObject,
  permissionSetGroupObject,
  permissionSetLicenseAssignObject,
  permissionSetLicenseObject,
  permissionSetObject,
  userPackageLicenseObject,
} from './access.js';
import {
  organizationObject,
  profileObject,
  userLicenseObject,
  userLoginObject,
  userObject,
  userRoleObject,
} from './identity.js';

export type { ObjectDefinition } from './builder.js';
export { PERMISSION_FIELDS, USER_TYPES } from './identity.js';
export { GROUP_TYPES, PERMISSION_SET_GROUP_STATUSES, PERMISSION_SET_TYPES } from './access.js';

/** Every object the emulated org knows, in describeGlobal order. */
export const ORG_OBJECTS: readonly ObjectDefinition[] = [
  accountObject,
  groupObject,
  groupMemberObject,
  mutingPermissionSetObject,
  opportunityObject,
  organizationObject,
  packageLicenseObject,
  permissionSetObject,
  permissionSetAssignmentObject,
  permissionSetGroupObject,
  permissionSetGroupComponentObject,
  permissionSetLicenseObject,
  permissionSetLicenseAssignObject,
  profileObject,
  taskObject,
  userObject,
  userLicenseObject,
  userLoginObject,
  userPackageLicenseObject,
  userRoleObject,
];
