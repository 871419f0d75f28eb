import { throwIfAborted, type ProgressReporter } from '@accessledger/core';
import type { DescribeSObjectResult, SalesforceClient } from '../http/client.js';
import { select, where, type SelectQuery } from '../soql.js';
import { buildAccessCatalog, type AccessCatalog } from './catalog.js';
import type { QueriedRecord } from './fields.js';
import { DERIVED_GROUP_TYPES, MEMBER_LISTED_GROUP_TYPES } from './group-membership.js';
import type { UserMapping } from './mapping.js';
import type { RequestSlots } from '../query/request-slots.js';
import {
  collectEnabledPermissions,
  MAX_ENCODED_QUERY_LENGTH,
  permissionFieldsOf,
  permissionQueries,
} from './permissions.js';

/** Every row of a small query, all pages. */
export async function queryAll(
  client: SalesforceClient,
  soql: string,
  signal: AbortSignal,
): Promise<QueriedRecord[]> {
  const rows: QueriedRecord[] = [];
  for await (const page of client.query(soql, signal)) {
    throwIfAborted(signal);
    rows.push(...page);
  }
  return rows;
}

/** Fields every account needs, beyond the attributes. */
export const USER_CORE_FIELDS = [
  'Id',
  'Username',
  'Email',
  'Name',
  'FirstName',
  'LastName',
  'IsActive',
  'UserType',
  'ProfileId',
  'UserRoleId',
  'LastLoginDate',
  'CreatedDate',
] as const;

/** Standard User fields worth keeping as attributes: who the person is, not how they log in. */
const USER_STANDARD_ATTRIBUTES = [
  'Alias',
  'CommunityNickname',
  'Title',
  'Department',
  'Division',
  'CompanyName',
  'EmployeeNumber',
  'FederationIdentifier',
  'ManagerId',
  'ContactId',
  'AccountId',
  'TimeZoneSidKey',
  'LocaleSidKey',
  'LanguageLocaleKey',
  'ProfileId',
  'UserRoleId',
] as const;

/** Field types that are plain, non-secret values; encrypted text, binary and compound fields are not. */
const ATTRIBUTE_FIELD_TYPES = new Set([
  'string',
  'boolean',
  'date',
  'datetime',
  'double',
  'int',
  'long',
  'percent',
  'currency',
  'email',
  'phone',
  'picklist',
  'multipicklist',
  'url',
  'reference',
  'textarea',
]);

/**
 * Which User fields become account attributes: the standard ones the org has,
 * and its custom `__c` fields of plain types, as long as the query URL stays
 * under the limit (the rest are left out, with a warning from the caller).
 */
export function userAttributeFields(describe: DescribeSObjectResult): {
  readonly fields: string[];
  readonly omitted: string[];
} {
  const present = new Map(describe.fields.map((field) => [field.name, field]));
  const standard = USER_STANDARD_ATTRIBUTES.filter((name) => present.has(name));
  const custom = describe.fields
    .filter(
      (field) =>
        field.custom === true &&
        field.name.endsWith('__c') &&
        ATTRIBUTE_FIELD_TYPES.has(field.type) &&
        (field.type !== 'textarea' || (field.length ?? 0) <= 1_000),
    )
    .map((field) => field.name);
  const fields: string[] = [...standard];
  const omitted: string[] = [];
  for (const name of custom) {
    // Room for the Id range a split read adds: ` AND (Id > '…') AND (Id <= '…') ORDER BY Id ASC`.
    const soql = `${userQuery([...fields, name])}${ID_RANGE_ROOM}`;
    if (encodeURIComponent(soql).length > MAX_ENCODED_QUERY_LENGTH) omitted.push(name);
    else fields.push(name);
  }
  return { fields, omitted };
}

const ID_RANGE_ROOM = ` WHERE (Id > '005000000000000AAA') AND (Id <= '005000000000000AAA') ORDER BY Id DESC`;

export function userSelect(attributeFields: readonly string[]): SelectQuery {
  return { fields: [...new Set([...USER_CORE_FIELDS, ...attributeFields])], from: 'User' };
}

export function userQuery(attributeFields: readonly string[]): string {
  return select(userSelect(attributeFields));
}

export interface LoadedCatalog {
  readonly catalog: AccessCatalog;
  readonly userMapping: UserMapping;
}

/** PermissionSetAssignment fields the sync reads; IsRevoked (API 57.0+) only where the org has it. */
const ASSIGNMENT_FIELDS = [
  'Id',
  'AssigneeId',
  'PermissionSetId',
  'PermissionSetGroupId',
  'ExpirationDate',
  'IsActive',
] as const;

/** What the big reads need before their first request: their queries, with the fields this org has. */
export interface BigReadQueries {
  /** The User query, with the attribute fields this org has (a split read adds Id ranges to it). */
  readonly userQuery: SelectQuery;
  /** The PermissionSetAssignment fields this org has (IsRevoked only where user access policies are on). */
  readonly assignmentFields: readonly string[];
  /** The User custom fields read into account attributes. */
  readonly attributeFields: readonly string[];
  /** User custom fields left out of account attributes: the query URL would have been too long with them. */
  readonly omittedUserFields: readonly string[];
}

/** The catalog's reads, under way (`startCatalog`). */
export interface CatalogReads {
  /**
   * Settles once every request of the catalog is waiting for (or has) a request slot. A read that
   * shares the slots must not ask for one before: its pages hold their slots until they are read,
   * which is after the catalog is built, so a catalog request queued behind them would never run.
   */
  readonly queued: Promise<void>;
  /** The big reads' queries, as soon as the User and PermissionSetAssignment describes are in. */
  readonly queries: Promise<BigReadQueries>;
  /** The catalog, once every request is in. */
  readonly loaded: Promise<LoadedCatalog>;
}

/**
 * Starts the catalog's reads: the small objects, concurrently, under `slots`,
 * which the big reads share. Every promise of the result is observed, so one
 * that is never awaited is not reported unhandled; `loaded` rejects with the
 * first failure of any request.
 */
export function startCatalog(
  client: SalesforceClient,
  slots: RequestSlots,
  signal: AbortSignal,
  progress: ProgressReporter,
): CatalogReads {
  const all = (soql: string) => () => queryAll(client, soql, signal);
  const tasks = {
    permissionSetDescribe: () => client.describe('PermissionSet', signal),
    mutingPermissionSetDescribe: () => client.describe('MutingPermissionSet', signal),
    assignmentDescribe: () => client.describe('PermissionSetAssignment', signal),
    userDescribe: () => client.describeUser(signal),
    // The slowest queries (a scan of every user's login record, a semi-join over group members, the
    // biggest small objects) first: the catalog is done when its slowest request is.
    frozenLogins: all(select({ fields: ['UserId'], from: 'UserLogin', where: where.eq('IsFrozen', true) })),
    // Only the group-to-group edges: small even when memberships number in the millions.
    groupNesting: all(
      select({
        fields: ['GroupId', 'UserOrGroupId'],
        from: 'GroupMember',
        where: where.and(
          where.in('Group.Type', [...MEMBER_LISTED_GROUP_TYPES]),
          // A semi-join on the polymorphic member field keeps user rows out of this query.
          where.inSelect('UserOrGroupId', { fields: ['Id'], from: 'Group' }),
        ),
      }),
    ),
    // Public groups, queues, and the groups Salesforce derives from roles and the org; other
    // types (Manager, Territory…) are not read, so their members are not expanded.
    groups: all(
      select({
        fields: ['Id', 'Name', 'DeveloperName', 'Type', 'RelatedId', 'DoesIncludeBosses'],
        from: 'Group',
        where: where.in('Type', [...MEMBER_LISTED_GROUP_TYPES, ...DERIVED_GROUP_TYPES]),
      }),
    ),
    userLicenses: all(
      select({
        fields: [
          'Id',
          'Name',
          'MasterLabel',
          'Status',
          'LicenseDefinitionKey',
          'TotalLicenses',
          'UsedLicenses',
        ],
        from: 'UserLicense',
      }),
    ),
    profiles: all(
      select({ fields: ['Id', 'Name', 'Description', 'UserLicenseId', 'UserType'], from: 'Profile' }),
    ),
    roles: all(
      select({
        fields: ['Id', 'Name', 'DeveloperName', 'Description', 'ParentRoleId', 'PortalType'],
        from: 'UserRole',
      }),
    ),
    permissionSets: all(
      select({
        fields: [
          'Id',
          'Name',
          'Label',
          'Type',
          'Description',
          'IsOwnedByProfile',
          'IsCustom',
          'ProfileId',
          'PermissionSetGroupId',
          'LicenseId',
          'NamespacePrefix',
        ],
        from: 'PermissionSet',
      }),
    ),
    permissionSetGroups: all(
      select({
        fields: [
          'Id',
          'DeveloperName',
          'MasterLabel',
          'Description',
          'Status',
          'HasActivationRequired',
          'NamespacePrefix',
        ],
        from: 'PermissionSetGroup',
      }),
    ),
    permissionSetGroupComponents: all(
      select({ fields: ['PermissionSetGroupId', 'PermissionSetId'], from: 'PermissionSetGroupComponent' }),
    ),
    mutingPermissionSets: all(
      select({ fields: ['Id', 'DeveloperName', 'MasterLabel'], from: 'MutingPermissionSet' }),
    ),
    permissionSetLicenses: all(
      select({
        fields: [
          'Id',
          'DeveloperName',
          'MasterLabel',
          'PermissionSetLicenseKey',
          'Status',
          'ExpirationDate',
          'TotalLicenses',
          'UsedLicenses',
        ],
        from: 'PermissionSetLicense',
      }),
    ),
    packageLicenses: all(
      select({
        fields: ['Id', 'NamespacePrefix', 'Status', 'AllowedLicenses', 'UsedLicenses', 'ExpirationDate'],
        from: 'PackageLicense',
      }),
    ),
  };
  const names = Object.keys(tasks) as (keyof typeof tasks)[];
  let done = 0;
  const total = names.length + 1;
  progress.report({ phase: 'entitlements', done, total });
  const started = new Map(
    names.map((name) => [
      name,
      slots.run(async () => {
        const result = await tasks[name]();
        done += 1;
        progress.report({ phase: 'entitlements', done, total });
        return result;
      }),
    ]),
  );
  const described = (name: 'permissionSetDescribe' | 'mutingPermissionSetDescribe') =>
    started.get(name) as Promise<DescribeSObjectResult>;
  // Permission sets and muting permission sets have the same Permissions* fields; Ids never collide.
  const permissions = new Map<string, string[]>();
  // The permission queries need only the two describes: they start as soon as those are in, ahead
  // of the catalog queries still waiting (they are the catalog's slowest), rather than after them all.
  // Each is queued for a slot as soon as it can be; they are awaited with the rest below.
  const permissionReads = Promise.all([
    described('permissionSetDescribe'),
    described('mutingPermissionSetDescribe'),
  ]).then(([permissionSet, mutingPermissionSet]) =>
    [
      ...permissionQueries(permissionFieldsOf(permissionSet), { object: 'PermissionSet' }),
      ...permissionQueries(permissionFieldsOf(mutingPermissionSet), { object: 'MutingPermissionSet' }),
    ].map((soql) =>
      slots.run(
        async () => {
          for await (const page of client.query(soql, signal, {
            action: 'reading permission set permissions',
          })) {
            throwIfAborted(signal);
            for (const record of page) collectEnabledPermissions(record, permissions);
          }
        },
        { first: true },
      ),
    ),
  );
  // Every other request was queued above; these are once the describes are in.
  const queued = permissionReads.then(() => undefined);
  const queries = Promise.all([
    started.get('assignmentDescribe') as Promise<DescribeSObjectResult>,
    started.get('userDescribe') as Promise<DescribeSObjectResult>,
  ]).then(([assignmentDescribe, userDescribe]): BigReadQueries => {
    const attributes = userAttributeFields(userDescribe);
    return {
      userQuery: userSelect(attributes.fields),
      assignmentFields: assignmentFieldsOf(assignmentDescribe),
      attributeFields: attributes.fields,
      omittedUserFields: attributes.omitted,
    };
  });
  const loaded = (async (): Promise<LoadedCatalog> => {
    // Every request is awaited here, so that a failure of one is never left unhandled by the others.
    const [results, , bigQueries] = await Promise.all([
      Promise.all(started.values()),
      permissionReads.then((reads) => Promise.all(reads)),
      queries,
    ]);
    const byName = new Map(names.map((name, index) => [name, results[index]]));
    const rows = (
      name: Exclude<
        keyof typeof tasks,
        'permissionSetDescribe' | 'mutingPermissionSetDescribe' | 'assignmentDescribe' | 'userDescribe'
      >,
    ) => byName.get(name) as QueriedRecord[];

    progress.report({ phase: 'entitlements', done: total, total });

    const built = buildAccessCatalog({
      userLicenses: rows('userLicenses'),
      profiles: rows('profiles'),
      roles: rows('roles'),
      permissionSets: rows('permissionSets'),
      permissions,
      permissionSetGroups: rows('permissionSetGroups'),
      permissionSetGroupComponents: rows('permissionSetGroupComponents'),
      mutingPermissionSets: rows('mutingPermissionSets'),
      packageLicenses: rows('packageLicenses'),
      permissionSetLicenses: rows('permissionSetLicenses'),
      groups: rows('groups'),
      groupNesting: rows('groupNesting'),
    });
    const frozenUserIds = new Set(
      rows('frozenLogins')
        .map((login) => login['UserId'])
        .filter((id): id is string => typeof id === 'string'),
    );
    return {
      catalog: built,
      userMapping: { attributeFields: bigQueries.attributeFields, frozenUserIds },
    };
  })();
  for (const promise of [queued, queries, loaded]) promise.catch(() => undefined);
  return { queued, queries, loaded };
}

function assignmentFieldsOf(describe: DescribeSObjectResult): string[] {
  const present = new Set(describe.fields.map((field) => field.name));
  return [...ASSIGNMENT_FIELDS, ...(present.has('IsRevoked') ? ['IsRevoked'] : [])];
}
