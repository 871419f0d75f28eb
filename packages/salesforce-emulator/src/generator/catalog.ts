import type { OrgStore } from '../org/store.js';
import type { StoredRecord } from '../org/table.js';
import type { SeededRandom } from '../org/prng.js';
import type { OrgShape } from './presets.js';
import { NAMESPACES, PERMISSION_SET_TOPICS } from './names.js';
import { PERMISSION_FIELDS } from '../schema/index.js';
import { recalculatePermissionSetGroup } from '../org/rules/aggregates.js';

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
  // An API-only license for system-to-system integrations, with its profile "Salesforce API Only
  // System Integrations". Its LicenseDefinitionKey is not in the docs found; this one is assumed.
  { key: 'integration', name: 'Salesforce Integration', definitionKey: 'SFDC_INTEGRATION' },
];

interface PermissionSetLicenseSpec {
  readonly developerName: string;
  readonly label: string;
  readonly key: string;
}

/** Permission set licenses (Object Reference "PermissionSetLicense"); the first goes with the integration license. */
const PERMISSION_SET_LICENSES: readonly PermissionSetLicenseSpec[] = [
  {
    developerName: 'SalesforceAPIIntegrationPsl',
    label: 'Salesforce API Integration',
    key: 'SalesforceAPIIntegrationPsl',
  },
  { developerName: 'EinsteinAnalyticsPlusPsl', label: 'CRM Analytics Plus', key: 'EinsteinAnalyticsPlusPsl' },
];

interface ProfileSpec {
  readonly key: string;
  readonly name: string;
  /** The user license; null for the Automated Process user, which takes no seat. */
  readonly license: string | null;
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
    license: null,
    userType: 'AutomatedProcess',
    permissions: [],
  },
  {
    key: 'apiIntegration',
    name: 'Salesforce API Only System Integrations',
    license: 'integration',
    userType: 'Standard',
    permissions: ['PermissionsApiEnabled'],
  },
];

export interface AccessCatalog {
  readonly licenseIds: ReadonlyMap<string, string>;
  readonly profileIds: ReadonlyMap<string, string>;
  /** Profile Id → its owned permission set Id. */
  readonly profilePermissionSetIds: ReadonlyMap<string, string>;
  /**
   * Regular and session permission sets a user can be given, with their user license
   * restriction and the permission set license they need first (if any).
   */
  readonly assignablePermissionSets: readonly {
    id: string;
    licenseId: string | null;
    permissionSetLicenseId: string | null;
  }[];
  /** Permission set licenses by developer name. */
  readonly permissionSetLicenseIds: ReadonlyMap<string, string>;
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
    const licenseId = profile.license === null ? null : (licenseIds.get(profile.license) ?? null);
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

  const permissionSetLicenseIds = new Map<string, string>();
  for (const license of PERMISSION_SET_LICENSES) {
    const record = store.insertRaw('PermissionSetLicense', {
      DeveloperName: license.developerName,
      MasterLabel: license.label,
      PermissionSetLicenseKey: license.key,
      Status: 'Active',
      ExpirationDate: null,
      TotalLicenses: Math.max(5, Math.ceil(shape.users * 0.1)),
      UsedLicenses: 0,
      SystemModstamp: stamp,
      CreatedById: adminPlaceholder,
      LastModifiedById: adminPlaceholder,
    });
    permissionSetLicenseIds.set(license.developerName, record.Id as string);
  }
  const analyticsLicense = permissionSetLicenseIds.get('EinsteinAnalyticsPlusPsl') ?? null;

  const assignablePermissionSets: {
    id: string;
    licenseId: string | null;
    permissionSetLicenseId: string | null;
  }[] = [];
  const salesforceLicense = licenseIds.get('salesforce') ?? null;
  const platformLicense = licenseIds.get('platform') ?? null;
  for (let index = 0; index < shape.regularPermissionSets; index++) {
    const topic = PERMISSION_SET_TOPICS[index % PERMISSION_SET_TOPICS.length] ?? 'Access';
    const round = Math.floor(index / PERMISSION_SET_TOPICS.length);
    const managed = random.chance(0.1);
    const roll = random.next();
    // The last permission set needs the analytics permission set license, so every org has one.
    const permissionSetLicenseId = index === shape.regularPermissionSets - 1 ? analyticsLicense : null;
    const licenseId =
      permissionSetLicenseId ?? (roll < 0.15 ? salesforceLicense : roll < 0.2 ? platformLicense : null);
    const type = index === 0 ? 'Standard' : index === 2 || random.chance(0.05) ? 'Session' : 'Regular';
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
    assignablePermissionSets.push({
      id: record.Id as string,
      licenseId: permissionSetLicenseId === null ? licenseId : null,
      permissionSetLicenseId,
    });
  }

  const permissionSetGroups: { id: string; aggregateId: string }[] = [];
  const groupable = assignablePermissionSets.filter(
    (entry) => entry.licenseId === null && entry.permissionSetLicenseId === null,
  );
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
    const componentIds = random
      .sampleIndexes(groupable.length, random.int(2, 5))
      .map((componentIndex) => groupable[componentIndex]?.id)
      .filter((id): id is string => id !== undefined);
    if (index === 0) {
      // The first group bundles a View All Data permission set and mutes that permission,
      // as real orgs reuse a broad set and switch off what one team must not have.
      const broad = store.insertRaw('PermissionSet', {
        Name: 'Reporting_Power_User',
        Label: 'Reporting Power User',
        Description: 'Reports across the org',
        Type: 'Regular',
        IsOwnedByProfile: false,
        IsCustom: true,
        ...permissionValues(['PermissionsViewAllData', 'PermissionsApiEnabled']),
        SystemModstamp: stamp,
        CreatedById: adminPlaceholder,
        LastModifiedById: adminPlaceholder,
      });
      componentIds.push(broad.Id as string);
      const muting = store.insertRaw('MutingPermissionSet', {
        DeveloperName: `${name}_Muting`,
        MasterLabel: `Bundle ${index + 1} muting`,
        Description: 'Mutes View All Data in the bundle',
        ...permissionValues(['PermissionsViewAllData']),
        SystemModstamp: stamp,
        CreatedById: adminPlaceholder,
        LastModifiedById: adminPlaceholder,
      });
      componentIds.push(muting.Id as string);
    }
    for (const componentId of componentIds) {
      store.insertRaw('PermissionSetGroupComponent', {
        PermissionSetGroupId: groupId,
        PermissionSetId: componentId,
        SystemModstamp: stamp,
      });
    }
    recalculatePermissionSetGroup(store, groupId);
    permissionSetGroups.push({ id: groupId, aggregateId: aggregate.Id as string });
  }
  return {
    licenseIds,
    profileIds,
    profilePermissionSetIds,
    assignablePermissionSets,
    permissionSetGroups,
    permissionSetLicenseIds,
  };
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
