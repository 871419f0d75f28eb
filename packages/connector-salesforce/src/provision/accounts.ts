import {
  ConflictError,
  EntitlementTypes,
  IncompleteOperationError,
  InvalidInputError,
  TransientError,
  isAccessLedgerError,
  type AccountChanges,
  type EntitlementRef,
  type JsonValue,
  type NewAccount,
  type OpResult,
  type PlannedCall,
} from '@accessledger/core';
import { sobjectPath } from '../http/client.js';
import { where } from '../soql.js';
import { text, type QueriedRecord } from '../sync/fields.js';
import { planGrant, type PlanContext } from './entitlements.js';
import { entitlementIdOf, findRow, requireRecord, requireUser } from './lookups.js';
import { runSteps, updateRecordStep, type RecordFields, type WriteStep } from './steps.js';
import { checkUserFields } from './user-fields.js';

/**
 * Locale settings a new user gets unless `account.attributes` names its own
 * (any User field may be given there by API name, e.g. `TimeZoneSidKey`).
 */
export const NEW_USER_DEFAULTS: RecordFields = {
  TimeZoneSidKey: 'America/Los_Angeles',
  LocaleSidKey: 'en_US',
  EmailEncodingKey: 'UTF-8',
  LanguageLocaleKey: 'en_US',
};

/** Fields changed only through grants and deprovisioning, never through attributes. */
const MANAGED_FIELDS = new Set(['Id', 'ProfileId', 'UserRoleId', 'IsActive']);
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const NEW_USER_PLACEHOLDER = '{new user Id}';

function attributeFields(
  attributes: Readonly<Record<string, JsonValue>> | undefined,
): Record<string, JsonValue> {
  const fields: Record<string, JsonValue> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (!FIELD_NAME.test(name)) {
      throw new InvalidInputError(
        `Attribute "${name}" is not a User field API name: attributes are written to User fields such as Department or Cost_Center__c.`,
      );
    }
    if (MANAGED_FIELDS.has(name)) {
      throw new InvalidInputError(
        `${name} cannot be set through attributes: grant a profile or role, or use the deactivate action, instead.`,
      );
    }
    if (value !== null && typeof value === 'object') {
      throw new InvalidInputError(
        `Attribute ${name} must be a text, number, boolean or null, not an object or list.`,
      );
    }
    fields[name] = value;
  }
  return fields;
}

/** Salesforce's Alias is at most 8 characters (Object Reference: "User"): first initial and last name. */
export function aliasFor(firstName: string | undefined, lastName: string, username: string): string {
  const letters = (value: string): string => value.normalize('NFKD').replace(/[^A-Za-z0-9]/g, '');
  const alias = (letters(firstName ?? '').slice(0, 1) + letters(lastName)).toLowerCase().slice(0, 8);
  return (
    alias ||
    letters(username.split('@')[0] ?? '')
      .toLowerCase()
      .slice(0, 8) ||
    'user'
  );
}

function splitDisplayName(displayName: string): { firstName?: string; lastName: string } {
  const parts = displayName.trim().split(/\s+/);
  const lastName = parts.pop() ?? '';
  return parts.length > 0 ? { firstName: parts.join(' '), lastName } : { lastName };
}

/** The POST body of a new user, from the account and its attributes. */
export function newUserFields(
  account: NewAccount,
  profileId: string,
  roleId: string | undefined,
): RecordFields {
  const fromDisplay = splitDisplayName(account.displayName);
  const lastName = account.lastName ?? fromDisplay.lastName;
  const firstName = account.firstName ?? (account.lastName ? undefined : fromDisplay.firstName);
  if (!lastName) {
    throw new InvalidInputError(
      'A Salesforce user needs a last name: give account.lastName or a displayName.',
    );
  }
  const attributes = attributeFields(account.attributes);
  return {
    ...NEW_USER_DEFAULTS,
    Username: account.username,
    Email: account.email,
    LastName: lastName,
    ...(firstName ? { FirstName: firstName } : {}),
    Alias: aliasFor(firstName, lastName, account.username),
    ...attributes,
    ProfileId: profileId,
    ...(roleId ? { UserRoleId: roleId } : {}),
  };
}

function profileOf(entitlements: readonly EntitlementRef[]): string {
  const profiles = entitlements.filter((entitlement) => entitlement.type === EntitlementTypes.profile);
  if (profiles.length === 0) {
    throw new InvalidInputError(
      "A Salesforce user must have a profile: add { type: 'profile', externalId: '00e…' } to account.entitlements (e.g. the Standard User profile's Id).",
    );
  }
  if (profiles.length > 1) {
    throw new InvalidInputError(
      `A Salesforce user holds exactly one profile, but ${profiles.length} were requested: keep one.`,
    );
  }
  return entitlementIdOf(EntitlementTypes.profile, (profiles[0] as EntitlementRef).externalId);
}

async function userByUsername(ctx: PlanContext, username: string): Promise<QueriedRecord | undefined> {
  return findRow(ctx.client, 'User', ['Id', 'Username'], where.eq('Username', username), ctx.signal);
}

/**
 * Creates a user, then grants the other requested entitlements. The create
 * is never retried blindly: when the connection drops, the user is looked up
 * by Username (unique across all orgs), so a create that went through is
 * reported as created.
 */
export async function createAccount(
  ctx: PlanContext,
  account: NewAccount,
  dryRun: boolean,
): Promise<OpResult> {
  if (!account.username.trim() || !account.email.trim()) {
    throw new InvalidInputError(
      'A Salesforce user needs a username (in the form of an email address) and an email.',
    );
  }
  const entitlements = account.entitlements ?? [];
  const profileId = profileOf(entitlements);
  const roles = entitlements.filter((entitlement) => entitlement.type === EntitlementTypes.role);
  if (roles.length > 1) throw new InvalidInputError('A Salesforce user holds at most one role: keep one.');
  const roleId = roles[0] ? entitlementIdOf(EntitlementTypes.role, roles[0].externalId) : undefined;
  const others = entitlements.filter(
    (entitlement) =>
      entitlement.type !== EntitlementTypes.profile && entitlement.type !== EntitlementTypes.role,
  );
  const attributes = await checkUserFields(ctx, attributeFields(account.attributes), 'create');
  const fields = newUserFields({ ...account, attributes }, profileId, roleId);

  await requireRecord(ctx.client, 'Profile', profileId, ['Name'], ctx.signal, 'profile');
  if (roleId) await requireRecord(ctx.client, 'UserRole', roleId, ['Name'], ctx.signal, 'role');
  const existing = await userByUsername(ctx, account.username);
  if (existing) {
    throw new ConflictError(
      `A user with username ${account.username} already exists (${text(existing, 'Id') ?? '?'}): usernames are unique across all Salesforce orgs; pick another or update that user.`,
      { upstreamCode: 'DUPLICATE_USERNAME' },
    );
  }
  const createCall: PlannedCall = {
    method: 'POST',
    path: sobjectPath('User'),
    body: { ...fields },
    description: `Create user ${account.username}`,
  };
  // Planning the grants for the user-to-be checks every entitlement (refused kinds, full
  // licenses) before anything is written, so a bad request does not leave a half-made user.
  const plannedGrants: WriteStep[] = [];
  for (const entitlement of others) {
    plannedGrants.push(
      ...(
        await planGrant(ctx, NEW_USER_PLACEHOLDER, entitlement, {
          newUser: true,
          newUserProfileId: profileId,
        })
      ).steps,
    );
  }
  if (dryRun) {
    const planned = await runSteps(plannedGrants, { dryRun: true, signal: ctx.signal });
    return { ...planned, changed: true, calls: [createCall, ...planned.calls] };
  }

  const userId = await postUser(ctx, account.username, fields);
  const calls: PlannedCall[] = [createCall];
  for (const [index, entitlement] of others.entries()) {
    try {
      const plan = await planGrant(ctx, userId, entitlement);
      const granted = await runSteps(plan.steps, { dryRun: false, signal: ctx.signal });
      calls.push(...granted.calls);
    } catch (error) {
      if (!isAccessLedgerError(error)) throw error;
      throw new IncompleteOperationError(
        `User ${userId} was created, but granting ${entitlement.type} ${entitlement.externalId} failed: ${error.message}`,
        {
          unit: 'grants',
          completed: index,
          failed: 1,
          calls,
          createdExternalId: userId,
        },
        error.details,
        { cause: error },
      );
    }
  }
  return { changed: true, dryRun: false, calls, createdExternalId: userId };
}

async function postUser(ctx: PlanContext, username: string, fields: RecordFields): Promise<string> {
  try {
    const saved = await ctx.client.create('User', { ...fields }, ctx.signal);
    return saved.id;
  } catch (error) {
    if (!(error instanceof TransientError)) throw error;
    // The request may have been carried out before the answer was lost.
    const created = await userByUsername(ctx, username);
    const createdId = created ? text(created, 'Id') : null;
    if (createdId) return createdId;
    throw new TransientError(
      `${error.message} No user with username ${username} exists afterwards, so it was not created: it is safe to try again.`,
      error.details,
      { cause: error },
    );
  }
}

/** Fields of an update, by User API name. */
export function changedFields(changes: AccountChanges): Record<string, JsonValue> {
  const fields: Record<string, JsonValue> = {};
  if (
    changes.displayName !== undefined &&
    changes.firstName === undefined &&
    changes.lastName === undefined
  ) {
    const split = splitDisplayName(changes.displayName);
    if (split.firstName) fields['FirstName'] = split.firstName;
    fields['LastName'] = split.lastName;
  }
  if (changes.firstName !== undefined) fields['FirstName'] = changes.firstName;
  if (changes.lastName !== undefined) fields['LastName'] = changes.lastName;
  if (changes.email !== undefined) fields['Email'] = changes.email;
  Object.assign(fields, attributeFields(changes.attributes));
  return fields;
}

function sameValue(current: unknown, wanted: JsonValue): boolean {
  if (current === undefined) return wanted === null;
  return (current ?? null) === wanted;
}

/** Reads the user's current values and PATCHes only those that differ. */
export async function updateAccount(
  ctx: PlanContext,
  userId: string,
  changes: AccountChanges,
  dryRun: boolean,
): Promise<OpResult> {
  const { attributes, ...named } = changes;
  const wanted = {
    ...changedFields(named),
    ...(await checkUserFields(ctx, attributeFields(attributes), 'update')),
  };
  const names = Object.keys(wanted);
  if (names.length === 0) return { changed: false, dryRun, calls: [], summary: 'No changes were given.' };
  const user = await requireUser(ctx.client, userId, ctx.signal, ['Id', ...names]);
  const differing: Record<string, JsonValue> = {};
  for (const name of names) {
    const value = wanted[name] as JsonValue;
    if (!sameValue(user[name], value)) differing[name] = value;
  }
  const steps =
    Object.keys(differing).length === 0
      ? []
      : [
          updateRecordStep(
            ctx.client,
            'User',
            userId,
            differing,
            `Update ${Object.keys(differing).join(', ')} of user ${userId}`,
          ),
        ];
  return runSteps(steps, { dryRun, signal: ctx.signal });
}
