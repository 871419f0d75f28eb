/**
 * A small in-memory org for the SOQL engine's tests: the identity objects a
 * governance connector reads (User, Profile, UserLicense, PermissionSet,
 * PermissionSetAssignment) plus Case/Group for a polymorphic owner, with
 * descriptors shaped like describe's and a handful of records.
 */
import { idChecksum } from './literals.js';
import type {
  ChildRelationshipDescriptor,
  FieldDescriptor,
  FieldType,
  ObjectDescriptor,
  SObjectRecord,
  SoqlDataSource,
} from './types.js';

/** A deterministic 18-character Id: key prefix, a mixed-case body so the checksum matters, a counter. */
export function fixtureId(keyPrefix: string, counter: number): string {
  const id15 = `${keyPrefix}8dA0b${String(counter).padStart(7, '0')}`;
  return id15 + idChecksum(id15);
}

interface FieldOptions {
  readonly referenceTo?: readonly string[];
  readonly relationshipName?: string;
  readonly filterable?: boolean;
  readonly sortable?: boolean;
  readonly nillable?: boolean;
  readonly custom?: boolean;
}

function field(name: string, type: FieldType, options: FieldOptions = {}): FieldDescriptor {
  const longText = type === 'textarea';
  return {
    name,
    label: name,
    type,
    nillable: options.nillable ?? (type !== 'boolean' && type !== 'id'),
    custom: options.custom ?? name.endsWith('__c'),
    createable: type !== 'id',
    updateable: type !== 'id',
    filterable: options.filterable ?? !longText,
    sortable: options.sortable ?? !longText,
    ...(type === 'string' ? { length: 255 } : {}),
    ...(longText ? { length: 32000 } : {}),
    ...(options.referenceTo !== undefined ? { referenceTo: options.referenceTo } : {}),
    ...(options.relationshipName !== undefined ? { relationshipName: options.relationshipName } : {}),
  };
}

function reference(name: string, referenceTo: readonly string[], relationshipName: string): FieldDescriptor {
  return field(name, 'reference', { referenceTo, relationshipName });
}

function object(
  name: string,
  keyPrefix: string,
  fields: readonly FieldDescriptor[],
  childRelationships: readonly ChildRelationshipDescriptor[] = [],
  queryable = true,
): ObjectDescriptor {
  return {
    name,
    label: name,
    keyPrefix,
    queryable,
    createable: true,
    updateable: true,
    deletable: true,
    fields: [field('Id', 'id'), field('IsDeleted', 'boolean'), ...fields, field('CreatedDate', 'datetime')],
    childRelationships,
  };
}

export const DESCRIPTORS: readonly ObjectDescriptor[] = [
  object(
    'User',
    '005',
    [
      field('Username', 'string'),
      field('FirstName', 'string'),
      field('LastName', 'string'),
      field('Name', 'string'),
      field('Email', 'email'),
      field('IsActive', 'boolean'),
      field('UserType', 'picklist'),
      field('Department', 'string'),
      field('AboutMe', 'textarea'),
      field('LastLoginDate', 'datetime'),
      field('HireDate__c', 'date'),
      field('Quota__c', 'currency'),
      field('FailedLogins__c', 'int'),
      reference('ProfileId', ['Profile'], 'Profile'),
      reference('ManagerId', ['User'], 'Manager'),
    ],
    [
      {
        relationshipName: 'PermissionSetAssignments',
        childSObject: 'PermissionSetAssignment',
        field: 'AssigneeId',
      },
      { relationshipName: 'ManagedUsers', childSObject: 'User', field: 'ManagerId' },
    ],
  ),
  object(
    'Profile',
    '00e',
    [
      field('Name', 'string'),
      field('UserType', 'picklist'),
      reference('UserLicenseId', ['UserLicense'], 'UserLicense'),
    ],
    [{ relationshipName: 'Users', childSObject: 'User', field: 'ProfileId' }],
  ),
  object(
    'UserLicense',
    '100',
    [
      field('Name', 'string'),
      field('LicenseDefinitionKey', 'string'),
      field('Status', 'picklist'),
      field('TotalLicenses', 'int'),
      field('UsedLicenses', 'int'),
    ],
    [{ relationshipName: 'Profiles', childSObject: 'Profile', field: 'UserLicenseId' }],
  ),
  object(
    'PermissionSet',
    '0PS',
    [
      field('Name', 'string'),
      field('Label', 'string'),
      field('Description', 'textarea', { filterable: false, sortable: false }),
      field('IsOwnedByProfile', 'boolean'),
      field('PermissionsModifyAllData', 'boolean'),
      field('PermissionsViewSetup', 'boolean'),
      reference('ProfileId', ['Profile'], 'Profile'),
    ],
    [{ relationshipName: 'Assignments', childSObject: 'PermissionSetAssignment', field: 'PermissionSetId' }],
  ),
  object('PermissionSetAssignment', '0Pa', [
    reference('AssigneeId', ['User'], 'Assignee'),
    reference('PermissionSetId', ['PermissionSet'], 'PermissionSet'),
    field('ExpirationDate', 'datetime'),
    field('IsActive', 'boolean'),
  ]),
  object('Group', '00G', [field('Name', 'string'), field('Type', 'picklist')]),
  object('Case', '500', [field('Subject', 'string'), reference('OwnerId', ['User', 'Group'], 'Owner')]),
  object('AggregateResult', '000', [], [], false),
];

export const LICENSE = { salesforce: fixtureId('100', 1), platform: fixtureId('100', 2) } as const;
export const PROFILE = {
  admin: fixtureId('00e', 1),
  standard: fixtureId('00e', 2),
  apiOnly: fixtureId('00e', 3),
} as const;
export const USER = {
  ada: fixtureId('005', 1),
  bob: fixtureId('005', 2),
  cleo: fixtureId('005', 3),
  dan: fixtureId('005', 4),
  eve: fixtureId('005', 5),
  zed: fixtureId('005', 6),
} as const;
export const PERMISSION_SET = {
  modifyAll: fixtureId('0PS', 1),
  viewSetup: fixtureId('0PS', 2),
  adminProfile: fixtureId('0PS', 3),
} as const;
export const GROUP = { queue: fixtureId('00G', 1) } as const;

const created = '2025-01-15T09:00:00.000+0000';

function user(values: Record<string, string | number | boolean | null>): SObjectRecord {
  return {
    IsDeleted: false,
    UserType: 'Standard',
    Department: null,
    AboutMe: null,
    LastLoginDate: null,
    HireDate__c: null,
    Quota__c: null,
    FailedLogins__c: 0,
    ManagerId: null,
    CreatedDate: created,
    ...values,
  };
}

export const RECORDS: Readonly<Record<string, readonly SObjectRecord[]>> = {
  UserLicense: [
    {
      Id: LICENSE.salesforce,
      IsDeleted: false,
      Name: 'Salesforce',
      LicenseDefinitionKey: 'SFDC',
      Status: 'Active',
      TotalLicenses: 100,
      UsedLicenses: 4,
      CreatedDate: created,
    },
    {
      Id: LICENSE.platform,
      IsDeleted: false,
      Name: 'Salesforce Platform',
      LicenseDefinitionKey: 'AUL',
      Status: 'Active',
      TotalLicenses: 50,
      UsedLicenses: 1,
      CreatedDate: created,
    },
  ],
  Profile: [
    {
      Id: PROFILE.admin,
      IsDeleted: false,
      Name: 'System Administrator',
      UserType: 'Standard',
      UserLicenseId: LICENSE.salesforce,
      CreatedDate: created,
    },
    {
      Id: PROFILE.standard,
      IsDeleted: false,
      Name: 'Standard User',
      UserType: 'Standard',
      UserLicenseId: LICENSE.salesforce,
      CreatedDate: created,
    },
    {
      Id: PROFILE.apiOnly,
      IsDeleted: false,
      Name: 'Minimum Access - API Only',
      UserType: 'Standard',
      UserLicenseId: null,
      CreatedDate: created,
    },
  ],
  User: [
    user({
      Id: USER.ada,
      Username: 'ada@acme.example',
      FirstName: 'Ada',
      LastName: 'Admin',
      Name: 'Ada Admin',
      Email: 'ada@acme.example',
      IsActive: true,
      Department: 'Engineering',
      ProfileId: PROFILE.admin,
      LastLoginDate: '2026-03-01T12:00:00.000+0000',
      HireDate__c: '2020-06-01',
      Quota__c: 250000.5,
      FailedLogins__c: 0,
      AboutMe: 'Founding admin',
    }),
    user({
      Id: USER.bob,
      Username: 'bob@acme.example',
      FirstName: 'Bob',
      LastName: 'Builder',
      Name: 'Bob Builder',
      Email: 'bob@acme.example',
      IsActive: true,
      Department: 'Sales',
      ProfileId: PROFILE.standard,
      ManagerId: USER.ada,
      LastLoginDate: '2026-02-27T08:30:00.000+0000',
      HireDate__c: '2026-03-02',
      Quota__c: 100000,
      FailedLogins__c: 2,
    }),
    user({
      Id: USER.cleo,
      Username: 'cleo@acme.example',
      FirstName: 'Cleo',
      LastName: "O'Brien",
      Name: "Cleo O'Brien",
      Email: 'cleo@acme.example',
      IsActive: false,
      ProfileId: PROFILE.standard,
      ManagerId: USER.ada,
      HireDate__c: '2026-02-10',
      FailedLogins__c: 5,
    }),
    user({
      Id: USER.dan,
      Username: 'dan@acme.example',
      FirstName: 'Dan',
      LastName: 'Percent',
      Name: 'Dan Percent',
      Email: 'dan@acme.example',
      IsActive: true,
      Department: 'R&D_100%',
      ProfileId: PROFILE.apiOnly,
      ManagerId: USER.bob,
      LastLoginDate: '2026-03-02T09:59:59.999+0000',
      HireDate__c: '2025-12-31',
      Quota__c: 0,
    }),
    user({
      Id: USER.eve,
      Username: 'eve@acme.example',
      FirstName: 'Eve',
      LastName: 'Émile',
      Name: 'Eve Émile',
      Email: 'eve@acme.example',
      IsActive: true,
      Department: 'Sales Ops',
      ProfileId: PROFILE.standard,
      LastLoginDate: '2026-01-31T23:59:59.000+0000',
      HireDate__c: '2025-11-30',
      Quota__c: 75000,
    }),
    user({
      Id: USER.zed,
      Username: 'zed@acme.example',
      FirstName: 'Zed',
      LastName: 'Removed',
      Name: 'Zed Removed',
      Email: 'zed@acme.example',
      IsActive: false,
      IsDeleted: true,
      ProfileId: PROFILE.standard,
    }),
  ],
  PermissionSet: [
    {
      Id: PERMISSION_SET.modifyAll,
      IsDeleted: false,
      Name: 'Modify_All',
      Label: 'Modify All Data',
      Description: 'Break-glass access',
      IsOwnedByProfile: false,
      PermissionsModifyAllData: true,
      PermissionsViewSetup: true,
      ProfileId: null,
      CreatedDate: created,
    },
    {
      Id: PERMISSION_SET.viewSetup,
      IsDeleted: false,
      Name: 'View_Setup',
      Label: 'View Setup',
      Description: null,
      IsOwnedByProfile: false,
      PermissionsModifyAllData: false,
      PermissionsViewSetup: true,
      ProfileId: null,
      CreatedDate: created,
    },
    {
      Id: PERMISSION_SET.adminProfile,
      IsDeleted: false,
      Name: 'X00e8dA0b0000001',
      Label: 'System Administrator',
      Description: null,
      IsOwnedByProfile: true,
      PermissionsModifyAllData: true,
      PermissionsViewSetup: true,
      ProfileId: PROFILE.admin,
      CreatedDate: created,
    },
  ],
  PermissionSetAssignment: [
    {
      Id: fixtureId('0Pa', 1),
      IsDeleted: false,
      AssigneeId: USER.ada,
      PermissionSetId: PERMISSION_SET.adminProfile,
      ExpirationDate: null,
      IsActive: true,
      CreatedDate: created,
    },
    {
      Id: fixtureId('0Pa', 2),
      IsDeleted: false,
      AssigneeId: USER.ada,
      PermissionSetId: PERMISSION_SET.viewSetup,
      ExpirationDate: null,
      IsActive: true,
      CreatedDate: '2025-02-01T10:00:00.000+0000',
    },
    {
      Id: fixtureId('0Pa', 3),
      IsDeleted: false,
      AssigneeId: USER.bob,
      PermissionSetId: PERMISSION_SET.viewSetup,
      ExpirationDate: '2026-06-30T00:00:00.000+0000',
      IsActive: true,
      CreatedDate: created,
    },
    {
      Id: fixtureId('0Pa', 4),
      IsDeleted: false,
      AssigneeId: USER.cleo,
      PermissionSetId: PERMISSION_SET.modifyAll,
      ExpirationDate: '2026-03-01T00:00:00.000+0000',
      IsActive: true,
      CreatedDate: created,
    },
    {
      Id: fixtureId('0Pa', 5),
      IsDeleted: false,
      AssigneeId: USER.ada,
      PermissionSetId: PERMISSION_SET.modifyAll,
      ExpirationDate: null,
      IsActive: true,
      CreatedDate: '2025-03-01T10:00:00.000+0000',
    },
  ],
  Group: [{ Id: GROUP.queue, IsDeleted: false, Name: 'Tier 1 Queue', Type: 'Queue', CreatedDate: created }],
  Case: [
    {
      Id: fixtureId('500', 1),
      IsDeleted: false,
      Subject: 'Access request',
      OwnerId: USER.bob,
      CreatedDate: created,
    },
    {
      Id: fixtureId('500', 2),
      IsDeleted: false,
      Subject: 'Unassigned',
      OwnerId: GROUP.queue,
      CreatedDate: created,
    },
  ],
};

/** The instant the date-literal tests evaluate against: Monday 2 March 2026, 10:00 UTC. */
export const NOW = new Date('2026-03-02T10:00:00.000Z');

/** A `SoqlDataSource` over plain arrays; `IsDeleted` rows only show with `includeDeleted`. */
export class InMemoryOrg implements SoqlDataSource {
  private readonly descriptors = new Map<string, ObjectDescriptor>();
  private readonly records = new Map<string, SObjectRecord[]>();
  private readonly byId = new Map<string, SObjectRecord>();

  constructor(
    descriptors: readonly ObjectDescriptor[] = DESCRIPTORS,
    records: Readonly<Record<string, readonly SObjectRecord[]>> = RECORDS,
  ) {
    for (const descriptor of descriptors) this.descriptors.set(descriptor.name.toLowerCase(), descriptor);
    for (const [name, rows] of Object.entries(records)) this.insert(name, rows);
  }

  insert(objectName: string, rows: readonly SObjectRecord[]): void {
    const key = objectName.toLowerCase();
    const table = this.records.get(key) ?? [];
    for (const row of rows) {
      table.push(row);
      const id = row['Id'];
      if (typeof id === 'string') this.byId.set(id.slice(0, 15), row);
    }
    this.records.set(key, table);
  }

  describe(objectName: string): ObjectDescriptor | undefined {
    return this.descriptors.get(objectName.toLowerCase());
  }

  scan(objectName: string, options: { includeDeleted: boolean }): Iterable<SObjectRecord> {
    const rows = this.records.get(objectName.toLowerCase()) ?? [];
    return options.includeDeleted ? rows : rows.filter((row) => row['IsDeleted'] !== true);
  }

  getById(id: string): SObjectRecord | undefined {
    return this.byId.get(id.slice(0, 15));
  }
}
