import type { OrgStore } from '../org/store.js';
import type { StoredRecord } from '../org/table.js';
import type { SeededRandom } from '../org/prng.js';
import type { OrgShape } from './presets.js';
import { NAMESPACES, PERMISSION_SET_TOPICS } from './names.js';
import { PERMISSION_FIELDS } from '../schema/index.js';

type PermissionName = (typeof PERMISSION_FIELDS)[number];

interface LicenseSpec {
  readonly key: string;
  readonly name: string;
  readonly definitionKey: string;
}

const LICENSES: readonly LicenseSpec[] = [
  { key: 'salesforce', name: 'Salesforce', definitionKey: 'SFDC' },
  { key: 'platform', name: 'Salesforce Platform', definitionKey: 'AUL' },
  { key: 'chatterFree', name: 'Chatter Free', definitionKey: 'PID_Chatter' },
  { key: 'partner', name: 'Partner Community', definitionKey: 'PID_Partner_Community' },
  { key: 'customer', name: 'Customer Community', definitionKey: 'PID_Customer_Community' },
  { key: 'guest', name: 'Guest User License', definitionKey: 'PID_Guest_User' },
];

interface ProfileSpec {
  readonly key: string;
  readonly name: string;
  readonly license: string;
  readonly userType: string;
  readonly permissions: readonly PermissionName[];
}

const ADMIN_PERMISSIONS: readonly PermissionName[] = PERMISSION_FIELDS;

export const PROFILES: readonly ProfileSpec[] = [
  {
    key: 'admin',
    name: 'System Administrator',
    license: 'salesforce',
    userType: 'Standard',
    permissions: ADMIN_PERMISSIONS,
  },
  {
    key: 'integration',
    name: 'Integration Administrator',
    license: 'salesforce',
    userType: 'Standard',
    permissions: ADMIN_PERMISSIONS,
  },
  {
    key: 'standard',
    name: 'Standard User',
    license: 'salesforce',
    userType: 'Standard',
    permissions: ['PermissionsApiEnabled'],
  },
  {
    key: 'sales',
    name: 'Sales User',
    license: 'salesforce',
    userType: 'Standard',
    permissions: ['PermissionsApiEnabled'],
  },
  { key: 'readOnly', name: 'Read Only', license: 'salesforce', userType: 'Standard', permissions: [] },
  {
    key: 'platform',
    name: 'Standard Platform User',
    license: 'platform',
    userType: 'Standard',
    permissions: ['PermissionsApiEnabled'],
  },
  {
    key: 'chatterFree',
    name: 'Chatter Free User',
    license: 'chatterFree',
    userType: 'CsnOnly',
    permissions: [],
  },
  {
    key: 'partner',
    name: 'Partner Community User',
    license: 'partner',
    userType: 'PowerPartner',
    permissions: [],
  },
  {
    key: 'customer',
    name: 'Customer Community User',
    license: 'customer',
    userType: 'CspLitePortal',
    permissions: [],
  },
  { key: 'guest', name: 'Customer Portal Guest', license: 'guest', userType: 'Guest', permissions: [] },
  {
    key: 'automation',
    name: 'Automated Process',
    license: 'salesforce',
    userType: 'AutomatedProcess',
    permissions: [],
  },
];

export interface AccessCatalog {
  readonly licenseIds: ReadonlyMap<string, string>;
  readonly profileIds: ReadonlyMap<string, string>;
  /** Profile Id → its owned permission set Id. */
  readonly profilePermissionSetIds: ReadonlyMap<string, string>;
  /** Regular and session permission sets a user can be given, with their license restriction. */
  readonly assignablePermissionSets: readonly { id: string; licenseId: string | null }[];
  /** Permission set groups with their aggregate permission set. */
  readonly permissionSetGroups: readonly { id: string; aggregateId: string }[];
}

function permissionValues(granted: readonly PermissionName[]): Record<string, boolean> {
  const values: Record<string, boolean> = {};
  for (const name of PERMISSION_FIELDS) values[name] = granted.includes(name);
  return values;
}

/** Licenses, profiles (each with its owned permission set), permission sets and groups. */
export function generateAccessCatalog(
  store: OrgStore,
  random: SeededRandom,
  shape: OrgShape,
  stamp: string,
  adminPlaceholder: string,
): AccessCatalog {
  const licenseIds = new Map<string, string>();
  for (const license of LICENSES) {
    const total =
      license.key === 'salesforce' ? Math.ceil(shape.users * 1.2) + 10 : Math.ceil(shape.users * 0.3) + 10;
    const record = store.insertRaw('UserLicense', {
      Name: license.name,
      MasterLabel: license.name,
      LicenseDefinitionKey: license.definitionKey,
      Status: 'Active',
      TotalLicenses: total,
      UsedLicenses: 0,
      SystemModstamp: stamp,
      CreatedById: adminPlaceholder,
      LastModifiedById: adminPlaceholder,
    });
    licenseIds.set(license.key, record.Id as string);
  }

  const profileIds = new Map<string, string>();
  const profilePermissionSetIds = new Map<string, string>();
  for (const profile of PROFILES) {
    const licenseId = licenseIds.get(profile.license) ?? null;
    const record = store.insertRaw('Profile', {
      Name: profile.name,
      Description: null,
      UserLicenseId: licenseId,
      UserType: profile.userType,
      ...permissionValues(profile.permissions),
      SystemModstamp: stamp,
      CreatedById: adminPlaceholder,
      LastModifiedById: adminPlaceholder,
    });
    const profileId = record.Id as string;
    profileIds.set(profile.key, profileId);
    const owned = store.insertRaw('PermissionSet', {
      // Salesforce names a profile's own permission set after an encoded form of the profile Id.
      Name: `X${profileId.slice(0, 15)}`,
      Label: profile.name,
      Type: 'Profile',
      IsOwnedByProfile: true,
      IsCustom: false,
      ProfileId: profileId,
      LicenseId: licenseId,
      ...permissionValues(profile.permissions),
      SystemModstamp: stamp,
      CreatedById: adminPlaceholder,
      LastModifiedById: adminPlaceholder,
    });
    profilePermissionSetIds.set(profileId, owned.Id as string);
  }

  const assignablePermissionSets: { id: string; licenseId: string | null }[] = [];
  const salesforceLicense = licenseIds.get('salesforce') ?? null;
  const platformLicense = licenseIds.get('platform') ?? null;
  for (let index = 0; index < shape.regularPermissionSets; index++) {
    const topic = PERMISSION_SET_TOPICS[index % PERMISSION_SET_TOPICS.length] ?? 'Access';
    const round = Math.floor(index / PERMISSION_SET_TOPICS.length);
    const managed = random.chance(0.1);
    const roll = random.next();
    const licenseId = roll < 0.15 ? salesforceLicense : roll < 0.2 ? platformLicense : null;
    const type = index === 0 ? 'Standard' : random.chance(0.05) ? 'Session' : 'Regular';
    const record = store.insertRaw('PermissionSet', {
      Name: round === 0 ? topic : `${topic}_${round}`,
      Label: `${topic.replace(/_/g, ' ')}${round === 0 ? '' : ` ${round}`}`,
      Description: `Grants ${topic.replace(/_/g, ' ').toLowerCase()} access`,
      Type: type,
      IsOwnedByProfile: false,
      IsCustom: type !== 'Standard',
      LicenseId: licenseId,
      NamespacePrefix: managed ? random.pick(NAMESPACES) : null,
      ...permissionValues(random.chance(0.05) ? ['PermissionsViewAllData'] : []),
      SystemModstamp: stamp,
      CreatedById: adminPlaceholder,
      LastModifiedById: adminPlaceholder,
    });
    assignablePermissionSets.push({ id: record.Id as string, licenseId });
  }

  const permissionSetGroups: { id: string; aggregateId: string }[] = [];
  const groupable = assignablePermissionSets.filter((entry) => entry.licenseId === null);
  for (let index = 0; index < shape.permissionSetGroups; index++) {
    const name = `Bundle_${index + 1}`;
    const group = store.insertRaw('PermissionSetGroup', {
      DeveloperName: name,
      MasterLabel: `Bundle ${index + 1}`,
      Description: `Permission set group ${index + 1}`,
      Status: 'Updated',
      SystemModstamp: stamp,
      CreatedById: adminPlaceholder,
      LastModifiedById: adminPlaceholder,
    });
    const groupId = group.Id as string;
    const aggregate = store.insertRaw('PermissionSet', {
      Name: `${name}_Aggregate`,
      Label: `Bundle ${index + 1}`,
      Type: 'Group',
      IsOwnedByProfile: false,
      IsCustom: false,
      PermissionSetGroupId: groupId,
      ...permissionValues([]),
      SystemModstamp: stamp,
      CreatedById: adminPlaceholder,
      LastModifiedById: adminPlaceholder,
    });
    for (const componentIndex of random.sampleIndexes(groupable.length, random.int(2, 5))) {
      const component = groupable[componentIndex];
      if (component === undefined) continue;
      store.insertRaw('PermissionSetGroupComponent', {
        PermissionSetGroupId: groupId,
        PermissionSetId: component.id,
        SystemModstamp: stamp,
      });
    }
    permissionSetGroups.push({ id: groupId, aggregateId: aggregate.Id as string });
  }
  return { licenseIds, profileIds, profilePermissionSetIds, assignablePermissionSets, permissionSetGroups };
}

/** Sets UserLicense.UsedLicenses from the active users holding each license. */
export function countUsedLicenses(store: OrgStore): void {
  const usedByLicense = new Map<string, number>();
  const profiles = store.table('Profile').live;
  for (const user of store.table('User').live.values()) {
    if (user.IsActive !== true) continue;
    const licenseId = profiles.get(String(user.ProfileId))?.UserLicenseId;
    if (typeof licenseId === 'string') usedByLicense.set(licenseId, (usedByLicense.get(licenseId) ?? 0) + 1);
  }
  for (const license of store.table('UserLicense').live.values()) {
    const used = usedByLicense.get(license.Id as string) ?? 0;
    const changes: Partial<StoredRecord> = { UsedLicenses: used };
    if (Number(license.TotalLicenses) < used) changes.TotalLicenses = used;
    store.updateRaw(license, 'UserLicense', changes as StoredRecord);
  }
}
