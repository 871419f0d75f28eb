import { toSalesforceDateTime } from '../org/datetime.js';
import type { SeededRandom } from '../org/prng.js';
import type { OrgStore } from '../org/store.js';
import type { AccessCatalog } from './catalog.js';
import { PROFILES } from './catalog.js';
import { DEPARTMENTS, FIRST_NAMES, LAST_NAMES, TITLES } from './names.js';
import type { OrgShape } from './presets.js';

interface PeopleInput {
  readonly store: OrgStore;
  readonly random: SeededRandom;
  readonly shape: OrgShape;
  readonly catalog: AccessCatalog;
  readonly roleIds: readonly string[];
  /** Portal roles (PortalType Partner / CustomerPortal) for external users, by user type. */
  readonly portalRoleIds: ReadonlyMap<string, string>;
  readonly adminUserId: string;
  readonly domain: string;
  readonly referenceDate: Date;
  readonly createdStamp: string;
}

export interface People {
  /** Active internal (Standard) users: candidates for groups and package licenses. */
  readonly activeUserIds: readonly string[];
  /** Owners for business records: mostly active users, a few inactive (ownership transfer cases). */
  readonly ownerIds: readonly string[];
}

/** Profile key weights for generated users; guest and automated-process users are added once each. */
const PROFILE_WEIGHTS: readonly [string, number][] = [
  ['standard', 0.45],
  ['sales', 0.25],
  ['readOnly', 0.05],
  ['platform', 0.08],
  ['admin', 0.02],
  ['chatterFree', 0.06],
  ['partner', 0.05],
  ['customer', 0.04],
];
const INTERNAL_PROFILES = new Set(['standard', 'sales', 'readOnly', 'platform', 'admin', 'apiIntegration']);
const TIME_ZONES = ['America/Los_Angeles', 'America/New_York', 'Europe/London', 'Europe/Paris', 'Asia/Tokyo'];
const DAY_MS = 86_400_000;

function pickProfileKey(random: SeededRandom): string {
  let roll = random.next();
  for (const [key, weight] of PROFILE_WEIGHTS) {
    if (roll < weight) return key;
    roll -= weight;
  }
  return 'standard';
}

/** Users (the admin integration user first), their UserLogin rows and permission set assignments. */
export function generatePeople(input: PeopleInput): People {
  const {
    store,
    random,
    shape,
    catalog,
    roleIds,
    portalRoleIds,
    adminUserId,
    domain,
    referenceDate,
    createdStamp,
  } = input;
  const profileByKey = new Map(PROFILES.map((profile) => [profile.key, profile]));
  const poolByLicense = new Map<string | null, string[]>();
  const poolFor = (licenseId: string | null): string[] => {
    let pool = poolByLicense.get(licenseId);
    if (pool === undefined) {
      pool = catalog.assignablePermissionSets
        .filter(
          (entry) =>
            (entry.licenseId === null || entry.licenseId === licenseId) &&
            // Permission set licenses are for internal users.
            (entry.permissionSetLicenseId === null || licenseId !== null),
        )
        .map((entry) => entry.id);
      poolByLicense.set(licenseId, pool);
    }
    return pool;
  };
  const activeUserIds: string[] = [];
  const inactiveUserIds: string[] = [];
  const internalUserIds: string[] = [];

  const keys: string[] = ['integration'];
  for (let index = 0; index < shape.users; index++) keys.push(pickProfileKey(random));
  if (shape.users >= 4) {
    keys[keys.length - 1] = 'automation';
    keys[keys.length - 2] = 'guest';
  }
  // Every org of some size has each kind of user: an API-only integration user and external users.
  if (shape.users >= 8) {
    keys[keys.length - 3] = 'apiIntegration';
    keys[keys.length - 4] = 'partner';
    keys[keys.length - 5] = 'customer';
  }

  for (const [index, profileKey] of keys.entries()) {
    const profileSpec = profileByKey.get(profileKey);
    const profileId = catalog.profileIds.get(profileKey);
    if (profileSpec === undefined || profileId === undefined) throw new Error(`no profile ${profileKey}`);
    const licenseId = store.table('Profile').live.get(profileId)?.UserLicenseId ?? null;
    const isAdmin = index === 0;
    const firstName = isAdmin ? 'Integration' : random.pick(FIRST_NAMES);
    const lastName = isAdmin
      ? 'Admin'
      : profileKey === 'automation'
        ? 'Automated Process'
        : random.pick(LAST_NAMES);
    const username = isAdmin
      ? `integration.admin@${domain}`
      : profileKey === 'automation'
        ? `autoproc@${domain}`
        : profileKey === 'apiIntegration'
          ? `api.integration.${index}@${domain}`
          : `${firstName}.${lastName}.${index}@${domain}`.toLowerCase();
    const internal = INTERNAL_PROFILES.has(profileKey) || isAdmin;
    const isActive = isAdmin || profileKey === 'automation' || profileKey === 'guest' || !random.chance(0.1);
    const neverLoggedIn = !isAdmin && (profileKey === 'automation' || random.chance(0.08));
    const daysAgo = isActive ? random.int(0, 365) : random.int(120, 365);
    const lastLogin = neverLoggedIn
      ? null
      : toSalesforceDateTime(
          new Date(referenceDate.getTime() - daysAgo * DAY_MS - random.int(0, 86_399) * 1000),
        );
    const managerPool =
      internalUserIds.length > 0 && internal && random.chance(0.6) ? internalUserIds : undefined;
    const userId = isAdmin ? adminUserId : undefined;
    const user = store.insertRaw(
      'User',
      {
        Username: username,
        LastName: lastName,
        FirstName: firstName,
        Name: `${firstName} ${lastName}`,
        Email: isAdmin
          ? `integration.admin@${domain}`
          : `${firstName}.${lastName}.${index}@${domain}`.toLowerCase(),
        Alias: `${firstName.slice(0, 1)}${lastName.replace(/\s/g, '').slice(0, 4)}${index % 100}`
          .toLowerCase()
          .slice(0, 8),
        CommunityNickname: `${firstName}.${lastName}.${index}`.toLowerCase().slice(0, 40),
        IsActive: isActive,
        UserType: profileSpec.userType,
        ProfileId: profileId,
        UserRoleId:
          internal &&
          profileKey !== 'apiIntegration' &&
          roleIds.length > 0 &&
          (isAdmin || random.chance(0.85))
            ? random.pick(roleIds)
            : (portalRoleIds.get(profileSpec.userType) ?? null),
        ManagerId: managerPool === undefined ? null : random.pick(managerPool),
        Title: internal ? random.pick(TITLES) : null,
        Department: internal ? random.pick(DEPARTMENTS) : null,
        Division: internal ? (random.chance(0.5) ? 'EMEA' : 'Americas') : null,
        CompanyName: profileKey === 'partner' ? 'Partner Co' : 'Emulated Inc',
        EmployeeNumber: internal ? String(100_000 + index) : null,
        FederationIdentifier: internal ? username : null,
        TimeZoneSidKey: random.pick(TIME_ZONES),
        LocaleSidKey: 'en_US',
        EmailEncodingKey: 'UTF-8',
        LanguageLocaleKey: 'en_US',
        LastLoginDate: lastLogin,
        Cost_Center__c: internal ? `CC-${random.int(100, 999)}` : null,
        Access_Review_Due__c: null,
        Is_Contractor__c: internal && random.chance(0.1),
        SystemModstamp: createdStamp,
        CreatedById: adminUserId,
        LastModifiedById: adminUserId,
      },
      userId,
    );
    const id = user.Id as string;
    if (isActive && internal) activeUserIds.push(id);
    if (!isActive && internal) inactiveUserIds.push(id);
    if (internal) internalUserIds.push(id);
    store.insertRaw('UserLogin', {
      UserId: id,
      IsFrozen: isActive && random.chance(0.01),
      IsPasswordLocked: false,
      LastModifiedById: adminUserId,
      SystemModstamp: createdStamp,
    });
    if (profileKey === 'apiIntegration') {
      // The integration license comes with the "Salesforce API Integration" permission set license.
      assignPermissionSetLicense(
        input,
        id,
        catalog.permissionSetLicenseIds.get('SalesforceAPIIntegrationPsl'),
      );
    }
    assignPermissionSets(
      input,
      id,
      profileId,
      typeof licenseId === 'string' ? licenseId : null,
      internal,
      isAdmin,
      poolFor,
    );
  }
  const ownerIds = [...activeUserIds, ...inactiveUserIds.slice(0, Math.ceil(activeUserIds.length / 20))];
  return { activeUserIds, ownerIds };
}

function assignPermissionSets(
  input: PeopleInput,
  userId: string,
  profileId: string,
  licenseId: string | null,
  internal: boolean,
  isAdmin: boolean,
  poolFor: (licenseId: string | null) => string[],
): void {
  const { store, random, shape, catalog, referenceDate, createdStamp } = input;
  const profilePermissionSetId = catalog.profilePermissionSetIds.get(profileId);
  if (profilePermissionSetId !== undefined) {
    store.insertRaw('PermissionSetAssignment', {
      AssigneeId: userId,
      PermissionSetId: profilePermissionSetId,
      IsActive: true,
      SystemModstamp: createdStamp,
    });
  }
  if (isAdmin) return;
  const pool = internal ? poolFor(licenseId) : poolFor(null);
  const count = internal ? random.int(0, Math.round(shape.permissionSetsPerUser * 2)) : random.int(0, 1);
  // Expiry dates lie ahead of the org's clock, so a fresh org has time-limited assignments still held.
  const expiryBase = Math.max(referenceDate.getTime(), store.now().getTime());
  const permissionSets = store.table('PermissionSet').live;
  for (const poolIndex of random.sampleIndexes(pool.length, count)) {
    const permissionSetId = pool[poolIndex];
    if (permissionSetId === undefined) continue;
    const permissionSet = permissionSets.get(permissionSetId);
    const licenseId = permissionSet?.LicenseId;
    if (typeof licenseId === 'string' && licenseId.startsWith('0PL')) {
      assignPermissionSetLicense(input, userId, licenseId);
    }
    const expires = random.chance(0.03);
    store.insertRaw('PermissionSetAssignment', {
      AssigneeId: userId,
      PermissionSetId: permissionSetId,
      // Session-based permission sets stay inactive until a session activates them.
      IsActive: permissionSet?.Type !== 'Session',
      ExpirationDate: expires
        ? toSalesforceDateTime(new Date(expiryBase + random.int(1, 90) * 86_400_000))
        : null,
      SystemModstamp: createdStamp,
    });
  }
  if (internal && catalog.permissionSetGroups.length > 0 && random.chance(0.4)) {
    const group = random.pick(catalog.permissionSetGroups);
    store.insertRaw('PermissionSetAssignment', {
      AssigneeId: userId,
      PermissionSetId: group.aggregateId,
      PermissionSetGroupId: group.id,
      IsActive: true,
      SystemModstamp: createdStamp,
    });
  }
}

/** A seat of a permission set license, once per user, counted on the license. */
function assignPermissionSetLicense(input: PeopleInput, userId: string, licenseId: string | undefined): void {
  if (licenseId === undefined) return;
  const { store, adminUserId, createdStamp } = input;
  const seats = store.table('PermissionSetLicenseAssign');
  if (
    seats.findUnique(['AssigneeId', 'PermissionSetLicenseId'], {
      AssigneeId: userId,
      PermissionSetLicenseId: licenseId,
    })
  ) {
    return;
  }
  store.insertRaw('PermissionSetLicenseAssign', {
    AssigneeId: userId,
    PermissionSetLicenseId: licenseId,
    SystemModstamp: createdStamp,
    CreatedById: adminUserId,
    LastModifiedById: adminUserId,
  });
  const license = store.table('PermissionSetLicense').live.get(licenseId);
  if (license === undefined) return;
  const used = Number(license.UsedLicenses) + 1;
  store.updateRaw(license, 'PermissionSetLicense', {
    UsedLicenses: used,
    // Orgs buy seats ahead of need: one stays free.
    TotalLicenses: Math.max(used + 1, Number(license.TotalLicenses)),
  });
}
