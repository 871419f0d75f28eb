import { AUDIT_FIELDS, defineObject, field, reference, systemField } from './builder.js';
import type { ObjectDefinition } from './builder.js';

export const USER_TYPES = [
  'Standard',
  'PowerPartner',
  'PowerCustomerSuccess',
  'CustomerSuccess',
  'CspLitePortal',
  'CsnOnly',
  'Guest',
  'AutomatedProcess',
] as const;

/** Profile and permission set permission booleans modelled by the emulator. */
export const PERMISSION_FIELDS = [
  'PermissionsApiEnabled',
  'PermissionsModifyAllData',
  'PermissionsViewAllData',
  'PermissionsManageUsers',
  'PermissionsViewAllUsers',
  'PermissionsViewAllProfiles',
  'PermissionsCustomizeApplication',
  'PermissionsManageProfilesPermissionsets',
  'PermissionsManagePackageLicenses',
  'PermissionsViewSetup',
  'PermissionsAssignPermissionSets',
] as const;

export const organizationObject: ObjectDefinition = defineObject({
  name: 'Organization',
  keyPrefix: '00D',
  fields: [
    systemField('Name', 'string', { nillable: false }),
    systemField('OrganizationType', 'picklist'),
    systemField('InstanceName', 'string'),
    systemField('IsSandbox', 'boolean', { nillable: false }),
    systemField('NamespacePrefix', 'string'),
    systemField('DefaultLocaleSidKey', 'picklist'),
    systemField('LanguageLocaleKey', 'picklist'),
    systemField('TimeZoneSidKey', 'picklist'),
    ...AUDIT_FIELDS,
  ],
});

export const userLicenseObject: ObjectDefinition = defineObject({
  name: 'UserLicense',
  label: 'User License',
  keyPrefix: '100',
  fields: [
    systemField('Name', 'string', { nillable: false }),
    systemField('MasterLabel', 'string', { nillable: false }),
    systemField('LicenseDefinitionKey', 'string', { nillable: false }),
    systemField('Status', 'picklist', { picklistValues: ['Active', 'Disabled'] }),
    systemField('TotalLicenses', 'int', { nillable: false }),
    systemField('UsedLicenses', 'int', { nillable: false }),
    ...AUDIT_FIELDS,
  ],
  childRelationships: [{ relationshipName: 'Profiles', childSObject: 'Profile', field: 'UserLicenseId' }],
});

export const profileObject: ObjectDefinition = defineObject({
  name: 'Profile',
  keyPrefix: '00e',
  fields: [
    systemField('Name', 'string', { nillable: false }),
    systemField('Description', 'string'),
    reference('UserLicenseId', ['UserLicense'], 'UserLicense', { createable: false, updateable: false }),
    systemField('UserType', 'picklist'),
    ...PERMISSION_FIELDS.map((name) => systemField(name, 'boolean', { nillable: false })),
    ...AUDIT_FIELDS,
  ],
  childRelationships: [{ relationshipName: 'Users', childSObject: 'User', field: 'ProfileId' }],
  indexedFields: [],
});

export const userRoleObject: ObjectDefinition = defineObject({
  name: 'UserRole',
  label: 'Role',
  keyPrefix: '00E',
  createable: true,
  updateable: true,
  deletable: true,
  fields: [
    field('Name', 'string', { nillable: false, length: 80 }),
    field('DeveloperName', 'string', { nillable: false, length: 80 }),
    field('Description', 'string'),
    reference('ParentRoleId', ['UserRole'], undefined),
    field('RollupDescription', 'string', { length: 80 }),
    systemField('PortalType', 'picklist'),
    ...AUDIT_FIELDS,
  ],
  childRelationships: [{ relationshipName: 'Users', childSObject: 'User', field: 'UserRoleId' }],
  requiredOnCreate: ['Name'],
});

/** Custom fields every emulated org carries on User, so describe shows `__c` fields. */
const USER_CUSTOM_FIELDS = [
  field('Cost_Center__c', 'string', { length: 40, label: 'Cost Center' }),
  field('Access_Review_Due__c', 'date', { label: 'Access Review Due' }),
  field('Is_Contractor__c', 'boolean', { nillable: false, label: 'Contractor' }),
];

export const userObject: ObjectDefinition = defineObject({
  name: 'User',
  keyPrefix: '005',
  createable: true,
  updateable: true,
  deletable: false,
  fields: [
    field('Username', 'string', { nillable: false, length: 80 }),
    field('LastName', 'string', { nillable: false, length: 80 }),
    field('FirstName', 'string', { length: 40 }),
    systemField('Name', 'string', { nillable: false, length: 121 }),
    field('Email', 'email', { nillable: false, length: 128 }),
    field('Alias', 'string', { nillable: false, length: 8 }),
    field('CommunityNickname', 'string', { length: 40 }),
    field('IsActive', 'boolean', { nillable: false }),
    systemField('UserType', 'picklist', { picklistValues: USER_TYPES }),
    reference('ProfileId', ['Profile'], 'Profile', { nillable: false }),
    reference('UserRoleId', ['UserRole'], 'UserRole'),
    reference('ManagerId', ['User'], 'Manager'),
    field('Title', 'string', { length: 80 }),
    field('Department', 'string', { length: 80 }),
    field('Division', 'string', { length: 80 }),
    field('CompanyName', 'string', { length: 80 }),
    field('EmployeeNumber', 'string', { length: 20 }),
    field('FederationIdentifier', 'string', { length: 512 }),
    field('Phone', 'phone', { length: 40 }),
    field('TimeZoneSidKey', 'picklist', { nillable: false }),
    field('LocaleSidKey', 'picklist', { nillable: false }),
    field('EmailEncodingKey', 'picklist', { nillable: false }),
    field('LanguageLocaleKey', 'picklist', { nillable: false }),
    systemField('LastLoginDate', 'datetime'),
    ...USER_CUSTOM_FIELDS,
    ...AUDIT_FIELDS,
  ],
  childRelationships: [
    {
      relationshipName: 'PermissionSetAssignments',
      childSObject: 'PermissionSetAssignment',
      field: 'AssigneeId',
    },
    { relationshipName: 'UserPackageLicenses', childSObject: 'UserPackageLicense', field: 'UserId' },
    { relationshipName: 'GroupMembers', childSObject: 'GroupMember', field: 'UserOrGroupId' },
  ],
  requiredOnCreate: [
    'Username',
    'LastName',
    'Email',
    'Alias',
    'TimeZoneSidKey',
    'LocaleSidKey',
    'EmailEncodingKey',
    'LanguageLocaleKey',
    'ProfileId',
  ],
  indexedFields: ['ProfileId', 'UserRoleId'],
});

export const userLoginObject: ObjectDefinition = defineObject({
  name: 'UserLogin',
  label: 'User Login',
  keyPrefix: '060',
  updateable: true,
  fields: [
    reference('UserId', ['User'], undefined, { createable: false, updateable: false }),
    field('IsFrozen', 'boolean', { nillable: false, createable: false }),
    field('IsPasswordLocked', 'boolean', { nillable: false, createable: false }),
    systemField('LastModifiedDate', 'datetime', { nillable: false }),
    reference('LastModifiedById', ['User'], 'LastModifiedBy', { createable: false, updateable: false }),
  ],
  indexedFields: ['UserId'],
});
