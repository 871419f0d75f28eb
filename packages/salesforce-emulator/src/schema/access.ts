import { AUDIT_FIELDS, MODSTAMP_ONLY, defineObject, field, reference, systemField } from './builder.js';
import type { ObjectDefinition } from './builder.js';
import { PERMISSION_FIELDS } from './identity.js';

export const PERMISSION_SET_TYPES = ['Regular', 'Session', 'Group', 'Profile', 'Standard'] as const;
export const GROUP_TYPES = [
  'Regular',
  'Role',
  'RoleAndSubordinates',
  'RoleAndSubordinatesInternal',
  'Organization',
  'Queue',
  'Manager',
  'ManagerAndSubordinatesInternal',
] as const;

/** PermissionSetGroup.Status: whether the aggregate permission set reflects the components (Object Reference: "PermissionSetGroup"). */
export const PERMISSION_SET_GROUP_STATUSES = ['Updated', 'Outdated', 'Updating', 'Failed'] as const;

export const permissionSetObject: ObjectDefinition = defineObject({
  name: 'PermissionSet',
  label: 'Permission Set',
  keyPrefix: '0PS',
  createable: true,
  updateable: true,
  deletable: true,
  fields: [
    field('Name', 'string', { nillable: false, length: 80 }),
    field('Label', 'string', { nillable: false, length: 80 }),
    field('Description', 'textarea', { length: 255 }),
    systemField('Type', 'picklist', { picklistValues: PERMISSION_SET_TYPES }),
    systemField('IsOwnedByProfile', 'boolean', { nillable: false }),
    systemField('IsCustom', 'boolean', { nillable: false }),
    reference('ProfileId', ['Profile'], 'Profile', { createable: false, updateable: false }),
    reference('PermissionSetGroupId', ['PermissionSetGroup'], 'PermissionSetGroup', {
      createable: false,
      updateable: false,
    }),
    // "The ID of either the related PermissionSetLicense or UserLicense" (Object Reference: "PermissionSet").
    reference('LicenseId', ['UserLicense', 'PermissionSetLicense'], 'License', { updateable: false }),
    systemField('NamespacePrefix', 'string'),
    ...PERMISSION_FIELDS.map((name) => field(name, 'boolean', { nillable: false })),
    ...AUDIT_FIELDS,
  ],
  childRelationships: [
    { relationshipName: 'Assignments', childSObject: 'PermissionSetAssignment', field: 'PermissionSetId' },
    {
      relationshipName: 'PermissionSetGroupComponents',
      childSObject: 'PermissionSetGroupComponent',
      field: 'PermissionSetId',
    },
  ],
  requiredOnCreate: ['Name', 'Label'],
  indexedFields: ['ProfileId', 'PermissionSetGroupId'],
});

export const permissionSetGroupObject: ObjectDefinition = defineObject({
  name: 'PermissionSetGroup',
  label: 'Permission Set Group',
  keyPrefix: '0PG',
  createable: true,
  updateable: true,
  deletable: true,
  fields: [
    field('DeveloperName', 'string', { nillable: false, length: 80 }),
    field('MasterLabel', 'string', { nillable: false, length: 80 }),
    field('Description', 'textarea', { length: 255 }),
    systemField('Status', 'picklist', { picklistValues: PERMISSION_SET_GROUP_STATUSES }),
    field('HasActivationRequired', 'boolean', { nillable: false }),
    systemField('NamespacePrefix', 'string'),
    ...AUDIT_FIELDS,
  ],
  childRelationships: [
    {
      relationshipName: 'PermissionSetGroupComponents',
      childSObject: 'PermissionSetGroupComponent',
      field: 'PermissionSetGroupId',
    },
  ],
  requiredOnCreate: ['DeveloperName', 'MasterLabel'],
});

export const permissionSetGroupComponentObject: ObjectDefinition = defineObject({
  name: 'PermissionSetGroupComponent',
  label: 'Permission Set Group Component',
  keyPrefix: '0PC',
  createable: true,
  deletable: true,
  fields: [
    reference('PermissionSetGroupId', ['PermissionSetGroup'], 'PermissionSetGroup', {
      nillable: false,
      updateable: false,
    }),
    // A component is a permission set or the group's muting permission set (prefix 0QM).
    reference('PermissionSetId', ['PermissionSet', 'MutingPermissionSet'], 'PermissionSet', {
      nillable: false,
      updateable: false,
    }),
    ...MODSTAMP_ONLY,
  ],
  requiredOnCreate: ['PermissionSetGroupId', 'PermissionSetId'],
  uniqueKeys: [['PermissionSetGroupId', 'PermissionSetId']],
  indexedFields: ['PermissionSetGroupId', 'PermissionSetId'],
});

/**
 * Object Reference "MutingPermissionSet" (API 46.0+): the same permission
 * fields as PermissionSet; each one enabled here is switched off inside the
 * permission set group it is a component of.
 */
export const mutingPermissionSetObject: ObjectDefinition = defineObject({
  name: 'MutingPermissionSet',
  label: 'Muting Permission Set',
  keyPrefix: '0QM',
  createable: true,
  updateable: true,
  deletable: true,
  fields: [
    field('DeveloperName', 'string', { nillable: false, length: 80 }),
    field('MasterLabel', 'string', { nillable: false, length: 80 }),
    field('Description', 'textarea', { length: 255 }),
    systemField('NamespacePrefix', 'string'),
    ...PERMISSION_FIELDS.map((name) => field(name, 'boolean', { nillable: false })),
    ...AUDIT_FIELDS,
  ],
  requiredOnCreate: ['DeveloperName', 'MasterLabel'],
});

/**
 * Object Reference "PermissionSetLicense" (query-only): seats of a license
 * that lets permission sets grant what the user license alone does not.
 */
export const permissionSetLicenseObject: ObjectDefinition = defineObject({
  name: 'PermissionSetLicense',
  label: 'Permission Set License',
  keyPrefix: '0PL',
  fields: [
    systemField('DeveloperName', 'string', { nillable: false, length: 80 }),
    systemField('MasterLabel', 'string', { nillable: false, length: 80 }),
    systemField('PermissionSetLicenseKey', 'string', { nillable: false, length: 81 }),
    systemField('Status', 'picklist', { picklistValues: ['Active', 'Disabled', 'Expired'] }),
    systemField('ExpirationDate', 'date'),
    systemField('TotalLicenses', 'int', { nillable: false }),
    systemField('UsedLicenses', 'int', { nillable: false }),
    ...AUDIT_FIELDS,
  ],
  childRelationships: [
    {
      relationshipName: 'PermissionSetLicenseAssignments',
      childSObject: 'PermissionSetLicenseAssign',
      field: 'PermissionSetLicenseId',
    },
  ],
});

/** Object Reference "PermissionSetLicenseAssign": create and delete only (an update is delete + insert). */
export const permissionSetLicenseAssignObject: ObjectDefinition = defineObject({
  name: 'PermissionSetLicenseAssign',
  label: 'Permission Set License Assignment',
  keyPrefix: '2LA',
  createable: true,
  deletable: true,
  fields: [
    reference('AssigneeId', ['User'], 'Assignee', { nillable: false, updateable: false }),
    reference('PermissionSetLicenseId', ['PermissionSetLicense'], 'PermissionSetLicense', {
      nillable: false,
      updateable: false,
    }),
    ...AUDIT_FIELDS,
  ],
  requiredOnCreate: ['AssigneeId', 'PermissionSetLicenseId'],
  uniqueKeys: [['AssigneeId', 'PermissionSetLicenseId']],
  indexedFields: ['AssigneeId', 'PermissionSetLicenseId'],
});

export const permissionSetAssignmentObject: ObjectDefinition = defineObject({
  name: 'PermissionSetAssignment',
  label: 'Permission Set Assignment',
  keyPrefix: '0Pa',
  createable: true,
  updateable: true,
  deletable: true,
  fields: [
    reference('AssigneeId', ['User'], 'Assignee', { nillable: false, updateable: false }),
    reference('PermissionSetId', ['PermissionSet'], 'PermissionSet', { updateable: false }),
    reference('PermissionSetGroupId', ['PermissionSetGroup'], 'PermissionSetGroup', { updateable: false }),
    systemField('IsActive', 'boolean', { nillable: false }),
    field('ExpirationDate', 'datetime'),
    ...MODSTAMP_ONLY,
  ],
  requiredOnCreate: ['AssigneeId'],
  uniqueKeys: [['AssigneeId', 'PermissionSetId']],
  indexedFields: ['AssigneeId', 'PermissionSetId'],
});

export const packageLicenseObject: ObjectDefinition = defineObject({
  name: 'PackageLicense',
  label: 'Package License',
  keyPrefix: '050',
  fields: [
    systemField('NamespacePrefix', 'string', { nillable: false }),
    systemField('AllowedLicenses', 'int', { nillable: false }),
    systemField('UsedLicenses', 'int', { nillable: false }),
    systemField('Status', 'picklist', { picklistValues: ['Active', 'Expired', 'Free', 'Trial'] }),
    systemField('ExpirationDate', 'datetime'),
    systemField('IsProvisioned', 'boolean', { nillable: false }),
    systemField('IsAvailableForIntegrations', 'boolean', { nillable: false }),
    ...AUDIT_FIELDS,
  ],
});

export const userPackageLicenseObject: ObjectDefinition = defineObject({
  name: 'UserPackageLicense',
  label: 'User Package License',
  keyPrefix: '051',
  createable: true,
  deletable: true,
  fields: [
    reference('PackageLicenseId', ['PackageLicense'], 'PackageLicense', {
      nillable: false,
      updateable: false,
    }),
    reference('UserId', ['User'], 'User', { nillable: false, updateable: false }),
    ...AUDIT_FIELDS,
  ],
  requiredOnCreate: ['PackageLicenseId', 'UserId'],
  uniqueKeys: [['UserId', 'PackageLicenseId']],
  indexedFields: ['UserId', 'PackageLicenseId'],
});

export const groupObject: ObjectDefinition = defineObject({
  name: 'Group',
  keyPrefix: '00G',
  createable: true,
  updateable: true,
  deletable: true,
  fields: [
    field('Name', 'string', { nillable: false, length: 40 }),
    field('DeveloperName', 'string', { length: 80 }),
    field('Type', 'picklist', { nillable: false, picklistValues: GROUP_TYPES }),
    reference('RelatedId', ['UserRole', 'User'], 'Related', { createable: false, updateable: false }),
    field('Email', 'email'),
    field('DoesIncludeBosses', 'boolean', { nillable: false }),
    field('DoesSendEmailToMembers', 'boolean', { nillable: false }),
    reference('OwnerId', ['User', 'Organization'], 'Owner', { createable: false, updateable: false }),
    ...AUDIT_FIELDS,
  ],
  childRelationships: [{ relationshipName: 'GroupMembers', childSObject: 'GroupMember', field: 'GroupId' }],
  requiredOnCreate: ['Name'],
  indexedFields: ['RelatedId'],
});

export const groupMemberObject: ObjectDefinition = defineObject({
  name: 'GroupMember',
  label: 'Group Member',
  keyPrefix: '011',
  createable: true,
  deletable: true,
  fields: [
    reference('GroupId', ['Group'], 'Group', { nillable: false, updateable: false }),
    reference('UserOrGroupId', ['User', 'Group'], undefined, { nillable: false, updateable: false }),
    ...MODSTAMP_ONLY,
  ],
  requiredOnCreate: ['GroupId', 'UserOrGroupId'],
  uniqueKeys: [['GroupId', 'UserOrGroupId']],
  indexedFields: ['GroupId', 'UserOrGroupId'],
});
