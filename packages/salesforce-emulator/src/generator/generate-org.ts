import { toSalesforceDate, toSalesforceDateTime } from '../org/datetime.js';
import { EmulatedOrg } from '../org/emulated-org.js';
import { SeededRandom } from '../org/prng.js';
import type { OrgStore } from '../org/store.js';
import { countUsedLicenses, generateAccessCatalog } from './catalog.js';
import { NAMESPACES } from './names.js';
import { generatePeople } from './people.js';
import { PRESETS, shapeForUsers } from './presets.js';
import type { OrgShape, PresetName } from './presets.js';

export interface GenerateOrgOptions {
  /** Same seed, same org: every record, Id and value. */
  readonly seed: number;
  /** tiny (20 users), demo (2,000) or large (50,000); ignored when `users` is given. */
  readonly preset?: PresetName;
  readonly users?: number;
  /**
   * The instant the org's data is relative to (LastLoginDate spread, CreatedDate). Default: when it is
   * generated (`now()`), so that "no login in 90 days" means the same in a demo as in a real org.
   */
  readonly referenceDate?: Date;
  /** The emulator's clock for writes after generation; default the real clock. */
  readonly now?: () => Date;
  /** Two base-62 characters in every Id; default derived from the seed. */
  readonly instanceCode?: string;
  readonly dailyApiRequestLimit?: number;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function instanceCodeFor(seed: number): string {
  const value = Math.abs(Math.trunc(seed)) % (62 * 62);
  return `${BASE62[Math.floor(value / 62)] ?? '0'}${BASE62[value % 62] ?? '0'}`;
}

function secretFrom(random: SeededRandom, length: number, alphabet: string): string {
  let text = '';
  for (let index = 0; index < length; index++) text += alphabet[Math.floor(random.next() * alphabet.length)];
  return text;
}

/**
 * Builds a deterministic synthetic org: licenses, profiles with their owned
 * permission sets, permission sets and groups, a role hierarchy with its role
 * groups, nested public groups, queues, package licenses near their limits,
 * users of every UserType (about 10% inactive, some never logged in), their
 * assignments and memberships, and Accounts, Opportunities and Tasks with owners.
 *
 * @example
 * const org = generateOrg({ seed: 42, preset: 'demo' });
 * org.store.count('User'); // 2000 (+ the admin integration user)
 */
export function generateOrg(options: GenerateOrgOptions): EmulatedOrg {
  const shape: OrgShape =
    options.users !== undefined ? shapeForUsers(options.users) : PRESETS[options.preset ?? 'tiny'];
  if (!Number.isInteger(shape.users) || shape.users < 1) {
    throw new Error(`users must be a positive integer, got ${String(options.users)}`);
  }
  const referenceDate = options.referenceDate ?? options.now?.() ?? new Date();
  const org = new EmulatedOrg({
    instanceCode: options.instanceCode ?? instanceCodeFor(options.seed),
    ...(options.now !== undefined ? { now: options.now } : {}),
    ...(options.dailyApiRequestLimit !== undefined
      ? { dailyApiRequestLimit: options.dailyApiRequestLimit }
      : {}),
  });
  const store = org.store;
  const random = new SeededRandom(options.seed);
  const createdStamp = toSalesforceDateTime(new Date(referenceDate.getTime() - 3 * 365 * 86_400_000));
  const domain = `org${options.seed}.example.com`;

  const organization = store.insertRaw('Organization', {
    Name: `Emulated Org ${options.seed}`,
    OrganizationType: 'Enterprise Edition',
    InstanceName: 'EMU1',
    IsSandbox: false,
    DefaultLocaleSidKey: 'en_US',
    LanguageLocaleKey: 'en_US',
    TimeZoneSidKey: 'America/Los_Angeles',
    SystemModstamp: createdStamp,
  });
  const adminUserId = store.ids.next('005');
  const catalog = generateAccessCatalog(store, random, shape, createdStamp, adminUserId);
  const roles = generateRoles(store, random, shape, createdStamp, adminUserId, organization.Id as string);
  const people = generatePeople({
    store,
    random,
    shape,
    catalog,
    roleIds: roles.roleIds,
    portalRoleIds: roles.portalRoleIds,
    adminUserId,
    domain,
    referenceDate,
    createdStamp,
  });
  countUsedLicenses(store);
  generateGroups(
    store,
    random,
    shape,
    createdStamp,
    adminUserId,
    organization.Id as string,
    people.activeUserIds,
    roles.roleIds,
  );
  generatePackageLicenses(
    store,
    random,
    shape,
    createdStamp,
    adminUserId,
    people.activeUserIds,
    referenceDate,
  );
  generateBusinessRecords(store, random, shape, createdStamp, people.ownerIds, referenceDate);

  org.adminUserId = adminUserId;
  const adminUsername = String(store.table('User').live.get(adminUserId)?.Username);
  org.connectedApp = {
    name: 'accessledger',
    clientId: `3MVG9${secretFrom(random, 80, BASE62 + '._')}`,
    clientSecret: secretFrom(random, 64, '0123456789ABCDEF'),
    redirectUris: ['http://localhost:1717/OauthRedirect', 'http://127.0.0.1:1717/OauthRedirect'],
    runAsUsername: adminUsername,
  };
  return org;
}

interface GeneratedRoles {
  /** Internal roles, the CEO first. */
  readonly roleIds: string[];
  /** The partner portal role external users of type PowerPartner hold. */
  readonly portalRoleIds: ReadonlyMap<string, string>;
}

/**
 * A role hierarchy several levels deep (each role reports to one about half
 * its index, so depth grows with log2 of the role count), plus a partner
 * portal role under the first sales role, and each role's groups: Role and
 * RoleAndSubordinates for every role, RoleAndSubordinatesInternal for internal
 * ones (Object Reference "Group": the Internal variant leaves out portal roles).
 */
function generateRoles(
  store: OrgStore,
  random: SeededRandom,
  shape: OrgShape,
  stamp: string,
  adminUserId: string,
  organizationId: string,
): GeneratedRoles {
  const roleIds: string[] = [];
  const insertRole = (name: string, developerName: string, parentId: string | null, portalType: string) => {
    const role = store.insertRaw('UserRole', {
      Name: name,
      DeveloperName: developerName,
      Description: developerName === 'CEO' ? 'Chief Executive Officer' : null,
      ParentRoleId: parentId,
      RollupDescription: name,
      PortalType: portalType,
      SystemModstamp: stamp,
      CreatedById: adminUserId,
      LastModifiedById: adminUserId,
    });
    const roleId = role.Id as string;
    const groupTypes =
      portalType === 'None'
        ? ['Role', 'RoleAndSubordinates', 'RoleAndSubordinatesInternal']
        : ['Role', 'RoleAndSubordinates'];
    for (const type of groupTypes) {
      store.insertRaw('Group', {
        Name: '',
        DeveloperName: developerName,
        Type: type,
        RelatedId: roleId,
        DoesIncludeBosses: false,
        DoesSendEmailToMembers: false,
        OwnerId: organizationId,
        SystemModstamp: stamp,
        CreatedById: adminUserId,
        LastModifiedById: adminUserId,
      });
    }
    return roleId;
  };
  for (let index = 0; index < shape.roles; index++) {
    const parentId =
      index === 0
        ? null
        : (roleIds[Math.max(0, Math.floor((index - 1) / 2) - (random.chance(0.2) ? 1 : 0))] ?? null);
    roleIds.push(
      insertRole(
        index === 0 ? 'CEO' : `Role ${index}`,
        index === 0 ? 'CEO' : `Role_${index}`,
        parentId,
        'None',
      ),
    );
  }
  const portalRoleIds = new Map<string, string>();
  const partnerParent = roleIds[1] ?? roleIds[0];
  if (partnerParent !== undefined) {
    portalRoleIds.set(
      'PowerPartner',
      insertRole('Partner Co Partner User', 'PartnerCoPartnerUser', partnerParent, 'Partner'),
    );
  }
  return { roleIds, portalRoleIds };
}

function generateGroups(
  store: OrgStore,
  random: SeededRandom,
  shape: OrgShape,
  stamp: string,
  adminUserId: string,
  organizationId: string,
  activeUserIds: readonly string[],
  roleIds: readonly string[],
): void {
  const audit = { SystemModstamp: stamp, CreatedById: adminUserId, LastModifiedById: adminUserId };
  const organizationGroup = store.insertRaw('Group', {
    Name: '',
    DeveloperName: 'AllInternalUsers',
    Type: 'Organization',
    DoesIncludeBosses: false,
    DoesSendEmailToMembers: false,
    OwnerId: organizationId,
    ...audit,
  });
  const queueCount = Math.max(1, Math.round(shape.publicGroups / 20));
  const queueIds: string[] = [];
  for (let index = 0; index < queueCount; index++) {
    const queue = store.insertRaw('Group', {
      Name: `Support Queue ${index + 1}`,
      DeveloperName: `Support_Queue_${index + 1}`,
      Type: 'Queue',
      Email: `queue${index + 1}@${organizationId.slice(-6).toLowerCase()}.example.com`,
      DoesIncludeBosses: false,
      DoesSendEmailToMembers: true,
      OwnerId: adminUserId,
      ...audit,
    });
    queueIds.push(queue.Id as string);
  }
  const groupIds: string[] = [];
  for (let index = 0; index < shape.publicGroups; index++) {
    const group = store.insertRaw('Group', {
      Name: `Team ${index + 1}`,
      DeveloperName: `Team_${index + 1}`,
      Type: 'Regular',
      DoesIncludeBosses: index % 3 === 0,
      DoesSendEmailToMembers: false,
      OwnerId: adminUserId,
      ...audit,
    });
    groupIds.push(group.Id as string);
  }
  // Nesting: a group may contain later groups only, so nesting never cycles.
  for (let index = 0; index < groupIds.length - 1; index++) {
    if (!random.chance(0.2)) continue;
    const parent = groupIds[index];
    const child = groupIds[random.int(index + 1, groupIds.length - 1)];
    if (parent === undefined || child === undefined) continue;
    store.insertRaw('GroupMember', { GroupId: parent, UserOrGroupId: child, SystemModstamp: stamp });
  }
  // Groups Salesforce maintains, inside public groups and queues as real orgs share with them:
  // the whole org, a role and its subordinates (with and without portal roles), one role.
  const roleGroup = (type: string, roleId: string | undefined): string | undefined =>
    roleId === undefined
      ? undefined
      : (store
          .table('Group')
          .rowsWhere('RelatedId', roleId)
          .find((group) => group.Type === type)?.Id as string | undefined);
  const derivedMembers: [string | undefined, string | undefined][] = [
    [groupIds[0], organizationGroup.Id as string],
    [groupIds[1], roleGroup('RoleAndSubordinates', roleIds[1])],
    [groupIds[1], roleGroup('Role', roleIds[2])],
    [groupIds.at(-1), roleGroup('RoleAndSubordinatesInternal', roleIds[1])],
    [queueIds[0], roleGroup('RoleAndSubordinatesInternal', roleIds[2])],
    [queueIds[0], groupIds.at(-1)],
  ];
  for (const [groupId, memberId] of derivedMembers) {
    if (groupId === undefined || memberId === undefined || groupId === memberId) continue;
    if (
      store
        .table('GroupMember')
        .findUnique(['GroupId', 'UserOrGroupId'], { GroupId: groupId, UserOrGroupId: memberId }) !== undefined
    ) {
      continue;
    }
    store.insertRaw('GroupMember', { GroupId: groupId, UserOrGroupId: memberId, SystemModstamp: stamp });
  }
  const memberships = Math.round(activeUserIds.length * shape.groupMembershipsPerUser);
  const members = store.table('GroupMember');
  const targets = [...groupIds, ...queueIds];
  for (let count = 0; count < memberships; count++) {
    const userId = activeUserIds[Math.floor(random.next() * activeUserIds.length)];
    // Skewed: low-numbered groups are big, the long tail is small.
    const groupId = targets[Math.floor(targets.length * random.next() * random.next())];
    if (userId === undefined || groupId === undefined) continue;
    if (
      members.findUnique(['GroupId', 'UserOrGroupId'], { GroupId: groupId, UserOrGroupId: userId }) !==
      undefined
    ) {
      continue;
    }
    store.insertRaw('GroupMember', { GroupId: groupId, UserOrGroupId: userId, SystemModstamp: stamp });
  }
}

function generatePackageLicenses(
  store: OrgStore,
  random: SeededRandom,
  shape: OrgShape,
  stamp: string,
  adminUserId: string,
  activeUserIds: readonly string[],
  referenceDate: Date,
): void {
  for (let index = 0; index < shape.packageLicenses; index++) {
    const namespace = `${NAMESPACES[index % NAMESPACES.length] ?? 'pkg'}${index >= NAMESPACES.length ? index : ''}`;
    const unlimited = index % 4 === 3;
    const seats = Math.max(2, Math.round(activeUserIds.length * (0.05 + random.next() * 0.25)));
    const used = unlimited ? Math.round(seats / 2) : seats - (index % 2 === 0 ? 0 : random.int(1, 3));
    const expired = index === 2;
    const license = store.insertRaw('PackageLicense', {
      NamespacePrefix: namespace,
      AllowedLicenses: unlimited ? -1 : seats,
      UsedLicenses: 0,
      Status: expired ? 'Expired' : index === 1 ? 'Trial' : 'Active',
      ExpirationDate: expired
        ? toSalesforceDateTime(new Date(referenceDate.getTime() - 30 * 86_400_000))
        : unlimited
          ? null
          : toSalesforceDateTime(new Date(referenceDate.getTime() + 365 * 86_400_000)),
      IsProvisioned: true,
      IsAvailableForIntegrations: false,
      SystemModstamp: stamp,
      CreatedById: adminUserId,
      LastModifiedById: adminUserId,
    });
    const licenseId = license.Id as string;
    const holders = random.sampleIndexes(activeUserIds.length, Math.max(0, used));
    for (const holderIndex of holders) {
      const userId = activeUserIds[holderIndex];
      if (userId === undefined) continue;
      store.insertRaw('UserPackageLicense', {
        PackageLicenseId: licenseId,
        UserId: userId,
        SystemModstamp: stamp,
        CreatedById: adminUserId,
        LastModifiedById: adminUserId,
      });
    }
    store.updateRaw(license, 'PackageLicense', { UsedLicenses: holders.length });
  }
}

function generateBusinessRecords(
  store: OrgStore,
  random: SeededRandom,
  shape: OrgShape,
  stamp: string,
  ownerIds: readonly string[],
  referenceDate: Date,
): void {
  const industries = ['Technology', 'Finance', 'Healthcare', 'Retail', 'Manufacturing', 'Energy'];
  const stages = ['Prospecting', 'Qualification', 'Proposal/Price Quote', 'Closed Won', 'Closed Lost'];
  const owner = (): string => ownerIds[Math.floor(random.next() * ownerIds.length)] ?? '';
  const accountIds: string[] = [];
  for (let index = 0; index < shape.accounts; index++) {
    const ownerId = owner();
    const account = store.insertRaw('Account', {
      Name: `Account ${index + 1}`,
      Industry: random.pick(industries),
      AccountNumber: `A-${String(index + 1).padStart(6, '0')}`,
      OwnerId: ownerId,
      IsDeleted: false,
      SystemModstamp: stamp,
      CreatedById: ownerId,
      LastModifiedById: ownerId,
    });
    accountIds.push(account.Id as string);
  }
  for (let index = 0; index < shape.opportunities; index++) {
    const ownerId = owner();
    store.insertRaw('Opportunity', {
      Name: `Opportunity ${index + 1}`,
      AccountId: accountIds.length > 0 ? random.pick(accountIds) : null,
      StageName: random.pick(stages),
      CloseDate: toSalesforceDate(new Date(referenceDate.getTime() + random.int(-180, 180) * 86_400_000)),
      Amount: random.int(1, 500) * 1000,
      OwnerId: ownerId,
      IsDeleted: false,
      SystemModstamp: stamp,
      CreatedById: ownerId,
      LastModifiedById: ownerId,
    });
  }
  for (let index = 0; index < shape.tasks; index++) {
    const ownerId = owner();
    // One task in ten is closed and due over a year ago: Salesforce has archived it.
    const archived = index % 10 === 9;
    store.insertRaw('Task', {
      Subject: `Follow up ${index + 1}`,
      Status: archived || random.chance(0.6) ? 'Completed' : 'Not Started',
      Priority: random.chance(0.2) ? 'High' : 'Normal',
      IsArchived: archived,
      ActivityDate: toSalesforceDate(
        new Date(
          referenceDate.getTime() + (archived ? random.int(-700, -400) : random.int(-90, 30)) * 86_400_000,
        ),
      ),
      WhatId: accountIds.length > 0 ? random.pick(accountIds) : null,
      OwnerId: ownerId,
      IsDeleted: false,
      SystemModstamp: stamp,
      CreatedById: ownerId,
      LastModifiedById: ownerId,
    });
  }
}
