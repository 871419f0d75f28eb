import {
  ConflictError,
  EntitlementTypes,
  InvalidInputError,
  UnsupportedError,
  isAccessLedgerError,
  type EntitlementRef,
} from '@accessledger/core';
import { mapApiError } from '../errors.js';
import type { SalesforceClient } from '../http/client.js';
import { SalesforceEntitlementTypes } from '../manifest.js';
import { keyPrefix, sameId } from '../salesforce-id.js';
import { id as soqlId, where } from '../soql.js';
import { count, flag, text, type QueriedRecord } from '../sync/fields.js';
import { entitlementIdOf, findRow, requireRecord, requireUser } from './lookups.js';
import {
  createRecordStep,
  deleteRecordStep,
  scimEntitlementMemberStep,
  scimUserStep,
  updateRecordStep,
  type RecordFields,
  type WriteStep,
} from './steps.js';

/** What planning needs: the run's client and signal, and whether this org takes SCIM writes. */
export interface PlanContext {
  readonly client: SalesforceClient;
  readonly signal: AbortSignal;
  useScim(): Promise<boolean>;
}

/** The writes that bring the org to the wanted state; empty when it is already there. */
export interface AccessPlan {
  readonly steps: readonly WriteStep[];
  readonly summary?: string;
}

export interface GrantOptions {
  readonly expiresAt?: Date;
  /**
   * The user is about to be created (a `createAccount` dry run): it holds
   * nothing yet, so holdings are not read; the entitlement is still checked.
   */
  readonly newUser?: boolean;
  /** The profile the new user is created with, for checks that depend on its license. */
  readonly newUserProfileId?: string;
}

const NOTHING: AccessPlan = { steps: [] };

/** The row that links a user to an entitlement: an assignment, a license seat, a group membership. */
interface HoldingLink {
  readonly sobject:
    'PermissionSetAssignment' | 'UserPackageLicense' | 'PermissionSetLicenseAssign' | 'GroupMember';
  readonly userField: string;
  readonly targetField: string;
}

const LINKS = {
  permissionSet: {
    sobject: 'PermissionSetAssignment',
    userField: 'AssigneeId',
    targetField: 'PermissionSetId',
  },
  permissionSetGroup: {
    sobject: 'PermissionSetAssignment',
    userField: 'AssigneeId',
    targetField: 'PermissionSetGroupId',
  },
  packageLicense: { sobject: 'UserPackageLicense', userField: 'UserId', targetField: 'PackageLicenseId' },
  permissionSetLicense: {
    sobject: 'PermissionSetLicenseAssign',
    userField: 'AssigneeId',
    targetField: 'PermissionSetLicenseId',
  },
  publicGroup: { sobject: 'GroupMember', userField: 'UserOrGroupId', targetField: 'GroupId' },
} as const satisfies Record<string, HoldingLink>;

/** The user's link row to the target, if the user holds it directly. */
function findHolding(
  ctx: PlanContext,
  link: HoldingLink,
  userId: string,
  targetId: string,
  fields: readonly string[] = ['Id'],
): Promise<QueriedRecord | undefined> {
  return findRow(
    ctx.client,
    link.sobject,
    fields,
    where.and(where.eq(link.userField, soqlId(userId)), where.eq(link.targetField, soqlId(targetId))),
    ctx.signal,
  );
}

/** Deletes the user's link row to the target; nothing when there is none. */
async function revokeHolding(
  ctx: PlanContext,
  link: HoldingLink,
  userId: string,
  targetId: string,
  description: string,
): Promise<AccessPlan> {
  const held = await findHolding(ctx, link, userId, targetId);
  if (!held) return NOTHING;
  return { steps: [deleteRecordStep(ctx.client, link.sobject, text(held, 'Id') ?? '', description)] };
}

/** Plans a grant of one entitlement to one user, after reading what the user holds. */
export async function planGrant(
  ctx: PlanContext,
  userId: string,
  entitlement: EntitlementRef,
  options: GrantOptions = {},
): Promise<AccessPlan> {
  const targetId = entitlementIdOf(entitlement.type, entitlement.externalId);
  if (options.expiresAt !== undefined && Number.isNaN(options.expiresAt.getTime())) {
    throw new InvalidInputError('expiresAt is not a valid date.');
  }
  switch (entitlement.type) {
    case EntitlementTypes.profile:
      return grantProfile(ctx, userId, targetId, options);
    case EntitlementTypes.role:
      return grantRole(ctx, userId, targetId, options);
    case EntitlementTypes.permissionSet:
      return grantPermissionSet(ctx, userId, targetId, options);
    case EntitlementTypes.permissionSetGroup:
      return grantPermissionSetGroup(ctx, userId, targetId, options);
    case EntitlementTypes.packageLicense:
      return grantPackageLicense(ctx, userId, targetId, options);
    case EntitlementTypes.publicGroup:
      return grantGroupMembership(ctx, userId, targetId, options, 'Regular');
    case SalesforceEntitlementTypes.queue:
      return grantGroupMembership(ctx, userId, targetId, options, 'Queue');
    case SalesforceEntitlementTypes.permissionSetLicense:
      return grantPermissionSetLicense(ctx, userId, targetId, options);
    default:
      throw userLicenseUnsupported('granted');
  }
}

/** Plans a revoke of one entitlement from one user; nothing when the user does not hold it directly. */
export async function planRevoke(
  ctx: PlanContext,
  userId: string,
  entitlement: EntitlementRef,
): Promise<AccessPlan> {
  const targetId = entitlementIdOf(entitlement.type, entitlement.externalId);
  switch (entitlement.type) {
    case EntitlementTypes.profile:
      throw new InvalidInputError(
        `A Salesforce user always holds exactly one profile, so profile ${targetId} cannot be revoked: grant another profile instead, which replaces it.`,
      );
    case EntitlementTypes.role:
      return revokeRole(ctx, userId, targetId);
    case EntitlementTypes.permissionSet:
      return revokePermissionSet(ctx, userId, targetId);
    case EntitlementTypes.permissionSetGroup:
      return revokeHolding(
        ctx,
        LINKS.permissionSetGroup,
        userId,
        targetId,
        `Remove permission set group ${targetId} from user ${userId}`,
      );
    case EntitlementTypes.packageLicense:
      return revokeHolding(
        ctx,
        LINKS.packageLicense,
        userId,
        targetId,
        `Remove the package license seat of ${targetId}`,
      );
    case EntitlementTypes.publicGroup:
      return revokeHolding(
        ctx,
        LINKS.publicGroup,
        userId,
        targetId,
        `Remove the membership of public group ${targetId}`,
      );
    case SalesforceEntitlementTypes.queue:
      return revokeHolding(
        ctx,
        LINKS.publicGroup,
        userId,
        targetId,
        `Remove the membership of queue ${targetId}`,
      );
    case SalesforceEntitlementTypes.permissionSetLicense:
      return revokeHolding(
        ctx,
        LINKS.permissionSetLicense,
        userId,
        targetId,
        `Remove the seat of permission set license ${targetId}`,
      );
    default:
      throw userLicenseUnsupported('revoked');
  }
}

function userLicenseUnsupported(verb: string): UnsupportedError {
  return new UnsupportedError(
    `A Salesforce user license cannot be ${verb} on its own: a user holds the license of their profile. Grant a profile that uses the wanted license instead.`,
  );
}

async function grantProfile(
  ctx: PlanContext,
  userId: string,
  profileId: string,
  options: GrantOptions,
): Promise<AccessPlan> {
  const profile = await requireRecord(ctx.client, 'Profile', profileId, ['Name'], ctx.signal, 'profile');
  if (!options.newUser) {
    const user = await requireUser(ctx.client, userId, ctx.signal);
    if (sameId(text(user, 'ProfileId') ?? '', profileId)) return NOTHING;
  }
  const name = text(profile, 'Name') ?? profileId;
  const description = `Set the profile of user ${userId} to ${name}, replacing the one it holds`;
  const rest = updateRecordStep(ctx.client, 'User', userId, { ProfileId: profileId }, description);
  if (await ctx.useScim()) {
    return { steps: [scimEntitlementMemberStep(ctx.client, profileId, userId, 'add', description, rest)] };
  }
  return { steps: [rest] };
}

async function grantRole(
  ctx: PlanContext,
  userId: string,
  roleId: string,
  options: GrantOptions,
): Promise<AccessPlan> {
  const role = await requireRecord(ctx.client, 'UserRole', roleId, ['Name'], ctx.signal, 'role');
  if (!options.newUser) {
    const user = await requireUser(ctx.client, userId, ctx.signal);
    if (sameId(text(user, 'UserRoleId') ?? '', roleId)) return NOTHING;
  }
  const description = `Set the role of user ${userId} to ${text(role, 'Name') ?? roleId}`;
  const rest = updateRecordStep(ctx.client, 'User', userId, { UserRoleId: roleId }, description);
  if (await ctx.useScim()) {
    return {
      steps: [
        scimUserStep(
          ctx.client,
          userId,
          [{ op: 'replace', path: 'roles', value: [{ value: roleId }] }],
          description,
          rest,
        ),
      ],
    };
  }
  return { steps: [rest] };
}

async function revokeRole(ctx: PlanContext, userId: string, roleId: string): Promise<AccessPlan> {
  const user = await requireUser(ctx.client, userId, ctx.signal);
  if (!sameId(text(user, 'UserRoleId') ?? '', roleId)) return NOTHING;
  const description = `Clear the role ${roleId} of user ${userId}`;
  const rest = updateRecordStep(ctx.client, 'User', userId, { UserRoleId: null }, description);
  if (await ctx.useScim()) {
    return {
      steps: [scimUserStep(ctx.client, userId, [{ op: 'remove', path: 'roles' }], description, rest)],
    };
  }
  return { steps: [rest] };
}

const PERMISSION_SET_FIELDS = [
  'Name',
  'Label',
  'Type',
  'IsOwnedByProfile',
  'ProfileId',
  'PermissionSetGroupId',
  'LicenseId',
];

/**
 * A permission set whose LicenseId is a permission set license (0PL…) can be
 * assigned only to a user who holds that license (Object Reference
 * "PermissionSet": LicenseId; "PermissionSetLicenseAssign"). The grant is
 * refused with the license to grant first, rather than taking a seat unasked.
 */
async function requirePermissionSetLicense(
  ctx: PlanContext,
  permissionSet: QueriedRecord,
  userId: string,
  options: GrantOptions,
): Promise<void> {
  const licenseId = text(permissionSet, 'LicenseId');
  if (!licenseId || keyPrefix(licenseId) !== '0PL') return;
  if (!options.newUser && (await findHolding(ctx, LINKS.permissionSetLicense, userId, licenseId))) return;
  const license = await requireRecord(
    ctx.client,
    'PermissionSetLicense',
    licenseId,
    ['MasterLabel'],
    ctx.signal,
    'permission set license',
  );
  const label = text(permissionSet, 'Label') ?? text(permissionSet, 'Name') ?? '';
  throw new InvalidInputError(
    `Permission set ${label} requires the permission set license ${text(license, 'MasterLabel') ?? licenseId}, which user ${userId} does not hold: grant permission_set_license ${licenseId} first, then the permission set.`,
  );
}

/** Key prefix of UserLicense ids (Object Reference: "UserLicense"). */
const USER_LICENSE_PREFIX = '100';

/**
 * A permission set tied to a user license (PermissionSet.LicenseId) can only
 * be assigned to users whose profile has that license (Object Reference:
 * "PermissionSetAssignment", User Licenses). Known before the call, so a dry
 * run refuses it too, with the error the assignment itself would get.
 */
async function refuseLicenseMismatch(
  ctx: PlanContext,
  permissionSet: QueriedRecord,
  userId: string,
  options: GrantOptions,
): Promise<void> {
  const licenseId = text(permissionSet, 'LicenseId');
  if (!licenseId || keyPrefix(licenseId) !== USER_LICENSE_PREFIX) return;
  const profileId = options.newUser
    ? options.newUserProfileId
    : text(await requireUser(ctx.client, userId, ctx.signal), 'ProfileId');
  if (!profileId) return;
  const profile = await requireRecord(
    ctx.client,
    'Profile',
    profileId,
    ['UserLicenseId'],
    ctx.signal,
    'profile',
  );
  if (sameId(text(profile, 'UserLicenseId') ?? '', licenseId)) return;
  const label = text(permissionSet, 'Label') ?? text(permissionSet, 'Name') ?? '';
  throw mapApiError(
    [
      {
        errorCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: `The user license doesn't match the user license of the permission set ${label}.`,
        fields: ['AssigneeId'],
      },
    ],
    { httpStatus: 400, action: 'creating a PermissionSetAssignment' },
  );
}

/** Profile-owned and group-aggregate permission sets cannot be assigned directly (Object Reference: "PermissionSetAssignment"). */
function refuseUnassignable(permissionSet: QueriedRecord, permissionSetId: string, verb: string): void {
  if (flag(permissionSet, 'IsOwnedByProfile')) {
    throw new InvalidInputError(
      `Permission set ${permissionSetId} belongs to profile ${text(permissionSet, 'ProfileId') ?? '(unknown)'} and cannot be ${verb} on its own: grant or replace the profile instead.`,
    );
  }
  const groupId = text(permissionSet, 'PermissionSetGroupId');
  if (groupId || text(permissionSet, 'Type') === 'Group') {
    throw new InvalidInputError(
      `Permission set ${permissionSetId} holds the aggregate permissions of permission set group ${groupId ?? '(unknown)'} and cannot be ${verb} on its own: use the permission_set_group entitlement ${groupId ?? ''} instead.`,
    );
  }
}

function expirationFields(expiresAt: Date | undefined): RecordFields {
  return expiresAt ? { ExpirationDate: expiresAt.toISOString() } : {};
}

async function grantPermissionSet(
  ctx: PlanContext,
  userId: string,
  permissionSetId: string,
  options: GrantOptions,
): Promise<AccessPlan> {
  const permissionSet = await requireRecord(
    ctx.client,
    'PermissionSet',
    permissionSetId,
    PERMISSION_SET_FIELDS,
    ctx.signal,
    'permission set',
  );
  refuseUnassignable(permissionSet, permissionSetId, 'granted');
  const label = text(permissionSet, 'Label') ?? text(permissionSet, 'Name') ?? permissionSetId;
  await requirePermissionSetLicense(ctx, permissionSet, userId, options);
  const held = options.newUser
    ? undefined
    : await findHolding(ctx, LINKS.permissionSet, userId, permissionSetId, ['Id', 'ExpirationDate']);
  if (held) return updateExpiration(ctx, held, options.expiresAt, `permission set ${label}`, userId);
  await refuseLicenseMismatch(ctx, permissionSet, userId, options);
  const description = `Assign permission set ${label} to user ${userId}`;
  const rest = createRecordStep(
    ctx.client,
    'PermissionSetAssignment',
    { AssigneeId: userId, PermissionSetId: permissionSetId, ...expirationFields(options.expiresAt) },
    options.expiresAt ? `${description}, until ${options.expiresAt.toISOString()}` : description,
  );
  // SCIM has no expiration date on a membership: a time-limited assignment is written through REST.
  if (!options.expiresAt && (await ctx.useScim())) {
    return {
      steps: [scimEntitlementMemberStep(ctx.client, permissionSetId, userId, 'add', description, rest)],
    };
  }
  return { steps: [rest] };
}

/** An assignment that exists already: only its expiration may need to change. */
function updateExpiration(
  ctx: PlanContext,
  assignment: QueriedRecord,
  expiresAt: Date | undefined,
  what: string,
  userId: string,
): AccessPlan {
  if (!expiresAt) return NOTHING;
  const current = text(assignment, 'ExpirationDate');
  if (
    current &&
    new Date(current.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).getTime() === expiresAt.getTime()
  ) {
    return NOTHING;
  }
  const assignmentId = text(assignment, 'Id') ?? '';
  return {
    steps: [
      updateRecordStep(
        ctx.client,
        'PermissionSetAssignment',
        assignmentId,
        expirationFields(expiresAt),
        `Set the expiration of ${what} for user ${userId} to ${expiresAt.toISOString()}`,
      ),
    ],
  };
}

async function revokePermissionSet(
  ctx: PlanContext,
  userId: string,
  permissionSetId: string,
): Promise<AccessPlan> {
  const permissionSet = await requireRecord(
    ctx.client,
    'PermissionSet',
    permissionSetId,
    PERMISSION_SET_FIELDS,
    ctx.signal,
    'permission set',
  );
  refuseUnassignable(permissionSet, permissionSetId, 'revoked');
  const label = text(permissionSet, 'Label') ?? permissionSetId;
  const held = await findHolding(ctx, LINKS.permissionSet, userId, permissionSetId);
  if (!held) {
    return { steps: [], summary: `User ${userId} holds no direct assignment of permission set ${label}.` };
  }
  const description = `Remove permission set ${label} from user ${userId}`;
  const rest = deleteRecordStep(ctx.client, 'PermissionSetAssignment', text(held, 'Id') ?? '', description);
  if (await ctx.useScim()) {
    return {
      steps: [scimEntitlementMemberStep(ctx.client, permissionSetId, userId, 'remove', description, rest)],
    };
  }
  return { steps: [rest] };
}

async function grantPermissionSetGroup(
  ctx: PlanContext,
  userId: string,
  groupId: string,
  options: GrantOptions,
): Promise<AccessPlan> {
  const group = await requireRecord(
    ctx.client,
    'PermissionSetGroup',
    groupId,
    ['MasterLabel', 'DeveloperName'],
    ctx.signal,
    'permission set group',
  );
  const label = text(group, 'MasterLabel') ?? groupId;
  const held = options.newUser
    ? undefined
    : await findHolding(ctx, LINKS.permissionSetGroup, userId, groupId, ['Id', 'ExpirationDate']);
  if (held) return updateExpiration(ctx, held, options.expiresAt, `permission set group ${label}`, userId);
  return {
    steps: [
      createRecordStep(
        ctx.client,
        'PermissionSetAssignment',
        { AssigneeId: userId, PermissionSetGroupId: groupId, ...expirationFields(options.expiresAt) },
        `Assign permission set group ${label} to user ${userId}`,
      ),
    ],
  };
}

function seatsText(license: QueriedRecord): string {
  const allowed = count(license, 'AllowedLicenses');
  const used = count(license, 'UsedLicenses');
  return `${used ?? '?'} of ${allowed === -1 ? 'unlimited' : (allowed ?? '?')} seats used`;
}

async function grantPackageLicense(
  ctx: PlanContext,
  userId: string,
  licenseId: string,
  options: GrantOptions,
): Promise<AccessPlan> {
  const license = await requireRecord(
    ctx.client,
    'PackageLicense',
    licenseId,
    ['NamespacePrefix', 'AllowedLicenses', 'UsedLicenses', 'Status'],
    ctx.signal,
    'package license',
  );
  const namespace = text(license, 'NamespacePrefix') ?? licenseId;
  if (!options.newUser && (await findHolding(ctx, LINKS.packageLicense, userId, licenseId))) return NOTHING;
  const full = (): ConflictError =>
    new ConflictError(
      `The ${namespace} package license has no free seat (${seatsText(license)}): free a seat (revoke it from someone) or buy more licenses before granting it to user ${userId}.`,
      { upstreamCode: 'LICENSE_LIMIT_EXCEEDED' },
    );
  const allowed = count(license, 'AllowedLicenses');
  const used = count(license, 'UsedLicenses');
  if (allowed !== null && allowed !== -1 && used !== null && used >= allowed) throw full();
  const create = createRecordStep(
    ctx.client,
    'UserPackageLicense',
    { UserId: userId, PackageLicenseId: licenseId },
    `Assign a seat of the ${namespace} package license to user ${userId}`,
  );
  return { steps: [seatStep(create, full)] };
}

/** A seat's create, whose LICENSE_LIMIT_EXCEEDED (another grant took the last seat since it was read) says so. */
function seatStep(create: WriteStep, full: () => ConflictError): WriteStep {
  return {
    call: create.call,
    async perform(signal) {
      try {
        return await create.perform(signal);
      } catch (error) {
        if (isAccessLedgerError(error) && error.details.upstreamCode === 'LICENSE_LIMIT_EXCEEDED')
          throw full();
        throw error;
      }
    },
  };
}

/** A membership of a public group (Type Regular) or a queue (Type Queue): a GroupMember row. */
async function grantGroupMembership(
  ctx: PlanContext,
  userId: string,
  groupId: string,
  options: GrantOptions,
  wanted: 'Regular' | 'Queue',
): Promise<AccessPlan> {
  const group = await requireRecord(ctx.client, 'Group', groupId, ['Name', 'Type'], ctx.signal, 'group');
  const type = text(group, 'Type');
  const what = wanted === 'Queue' ? 'queue' : 'public group';
  if (type !== wanted) {
    const instead =
      type === 'Regular'
        ? 'grant it as public_group'
        : type === 'Queue'
          ? 'grant it as queue'
          : 'grant the role instead';
    throw new InvalidInputError(
      `Group ${groupId} is of type ${type ?? 'unknown'}, not a ${what} (Type ${wanted}): ${instead}. Salesforce maintains role and organization groups itself.`,
    );
  }
  if (!options.newUser && (await findHolding(ctx, LINKS.publicGroup, userId, groupId))) return NOTHING;
  return {
    steps: [
      createRecordStep(
        ctx.client,
        'GroupMember',
        { GroupId: groupId, UserOrGroupId: userId },
        `Add user ${userId} to ${what} ${text(group, 'Name') ?? groupId}`,
      ),
    ],
  };
}

async function grantPermissionSetLicense(
  ctx: PlanContext,
  userId: string,
  licenseId: string,
  options: GrantOptions,
): Promise<AccessPlan> {
  const license = await requireRecord(
    ctx.client,
    'PermissionSetLicense',
    licenseId,
    ['MasterLabel', 'TotalLicenses', 'UsedLicenses', 'Status'],
    ctx.signal,
    'permission set license',
  );
  const label = text(license, 'MasterLabel') ?? licenseId;
  if (!options.newUser && (await findHolding(ctx, LINKS.permissionSetLicense, userId, licenseId)))
    return NOTHING;
  const full = (): ConflictError =>
    new ConflictError(
      `The permission set license ${label} has no free seat (${count(license, 'UsedLicenses') ?? '?'} of ${count(license, 'TotalLicenses') ?? '?'} used): free a seat or buy more before granting it to user ${userId}.`,
      { upstreamCode: 'LICENSE_LIMIT_EXCEEDED' },
    );
  const total = count(license, 'TotalLicenses');
  const used = count(license, 'UsedLicenses');
  if (total !== null && used !== null && used >= total) throw full();
  const create = createRecordStep(
    ctx.client,
    'PermissionSetLicenseAssign',
    { AssigneeId: userId, PermissionSetLicenseId: licenseId },
    `Assign a seat of the permission set license ${label} to user ${userId}`,
  );
  return { steps: [seatStep(create, full)] };
}
