import {
  AbortedError,
  isAccessLedgerError,
  throwIfAborted,
  type RunContext,
  type ValidationCheck,
  type ValidationReport,
} from '@accessledger/core';
import type { SalesforceConnection } from '../client-factory.js';
import { select, where, id as soqlId } from '../soql.js';
import { isSalesforceId } from '../salesforce-id.js';
import { queryAll } from './catalog-queries.js';
import { flag, text, type QueriedRecord } from './fields.js';
import { collectEnabledPermissions, permissionFieldsOf, permissionQueries } from './permissions.js';

/** Where a system permission is turned on, for the permission named. */
function setupPageFor(label: string): string {
  return `Setup > Users > Permission Sets > (a permission set assigned to the integration user) > System Permissions > Edit > "${label}", or Setup > Users > Profiles > (the user's profile) > Edit > Administrative Permissions > "${label}"`;
}

const PERMISSION_SETUP = setupPageFor('API Enabled');

/** One required permission: any of `anyOf` satisfies it. */
interface PermissionRequirement {
  readonly name: string;
  readonly anyOf: readonly string[];
  readonly label: string;
  /** Sync cannot work without it; otherwise the check passes and says what is lost. */
  readonly required: boolean;
  readonly why: string;
}

/**
 * The permissions the integration user needs (the Lumos help article lists the
 * same: API Enabled, View All Users, View All Profiles or Manage Profiles and
 * Permission Sets, Manage Package Licenses, Modify All Data for provisioning).
 */
const REQUIREMENTS: readonly PermissionRequirement[] = [
  {
    name: 'permission.api-enabled',
    anyOf: ['ApiEnabled'],
    label: 'API Enabled',
    required: true,
    why: 'every call of the connector goes through the REST API',
  },
  {
    name: 'permission.view-all-users',
    anyOf: ['ViewAllUsers', 'ManageUsers', 'ModifyAllData'],
    label: 'View All Users',
    required: true,
    why: 'without it the sync sees only the users the sharing model shows the integration user',
  },
  {
    name: 'permission.view-all-profiles',
    anyOf: ['ViewAllProfiles', 'ManageProfilesPermissionsets', 'ModifyAllData'],
    label: 'View All Profiles (or Manage Profiles and Permission Sets)',
    required: true,
    why: 'profiles, permission sets and their assignments are hidden without it',
  },
  {
    name: 'permission.manage-package-licenses',
    anyOf: ['ManagePackageLicenses', 'ModifyAllData'],
    label: 'Manage Package Licenses',
    required: true,
    why: 'package license seats (UserPackageLicense) are read with it',
  },
  {
    // Object Reference, "Special Access Rules" of PermissionSetGroup, PermissionSetGroupComponent,
    // MutingPermissionSet, PermissionSetAssignment and PermissionSetLicenseAssign (Summer '20):
    // View Setup and Configuration; Group (Tooling API) and the Organization object need it too.
    // Modify All Data depends on it, so it counts.
    name: 'permission.view-setup',
    anyOf: ['ViewSetup', 'ModifyAllData'],
    label: 'View Setup and Configuration',
    required: true,
    why: 'permission set groups and their components, muting permission sets, permission set license seats and the Organization record are hidden without it, so muted and group-held access would be misreported',
  },
  {
    name: 'permission.modify-all-data',
    anyOf: ['ModifyAllData'],
    label: 'Modify All Data',
    required: false,
    why: 'provisioning (assigning profiles, permission sets and licenses) will need it; syncing does not',
  },
  {
    name: 'permission.manage-users',
    anyOf: ['ManageUsers'],
    label: 'Manage Users',
    required: false,
    why: 'creating, updating and deactivating users and changing group and queue members will need it; syncing does not',
  },
];

/** The integration user's Id from the identity URL `…/id/{orgId}/{userId}`. */
export function userIdFromIdentityUrl(identityUrl: string): string | null {
  const last = identityUrl.replace(/\/+$/, '').split('/').pop() ?? '';
  return isSalesforceId(last) ? last : null;
}

/** Checks the connection, the org, the integration user's permissions and the API budget; changes nothing. */
export async function validateConnection(
  connection: SalesforceConnection,
  ctx: RunContext,
  minRemainingApiCalls: number,
): Promise<ValidationReport> {
  throwIfAborted(ctx.signal);
  const { client, sessions } = connection;
  const checks: ValidationCheck[] = [];
  const identity: Record<string, string> = {};
  try {
    const session = await sessions.current(ctx.signal);
    identity['instanceUrl'] = session.instanceUrl;
    checks.push({
      name: 'authentication',
      ok: true,
      message: `Logged in; the org is served from ${session.instanceUrl}.`,
    });

    const [organization] = await queryAll(
      client,
      select({
        fields: ['Id', 'Name', 'OrganizationType', 'IsSandbox', 'InstanceName'],
        from: 'Organization',
      }),
      ctx.signal,
    );
    if (organization) {
      identity['orgId'] = text(organization, 'Id') ?? '';
      identity['orgName'] = text(organization, 'Name') ?? '';
      identity['organizationType'] = text(organization, 'OrganizationType') ?? '';
      identity['instanceName'] = text(organization, 'InstanceName') ?? '';
      identity['isSandbox'] = String(flag(organization, 'IsSandbox'));
    }
    checks.push({
      name: 'organization',
      ok: organization !== undefined,
      message: organization
        ? `Connected to ${identity['orgName']} (${identity['organizationType']}, ${flag(organization, 'IsSandbox') ? 'sandbox' : 'production'}).`
        : 'The Organization object returned no row.',
      ...(organization
        ? {}
        : {
            fix: `Give the integration user the "View Setup and Configuration" permission: ${setupPageFor('View Setup and Configuration')}.`,
          }),
    });

    const userId = userIdFromIdentityUrl(session.identityUrl);
    const enabled = userId
      ? await effectivePermissions(connection, userId, ctx.signal, identity)
      : new Set<string>();
    for (const requirement of REQUIREMENTS) checks.push(permissionCheck(requirement, enabled));
    if (organization && flag(organization, 'IsSandbox')) {
      const ok = enabled.has('ManageUsers') && enabled.has('ViewAllUsers');
      checks.push({
        name: 'permission.sandbox-users',
        ok,
        message: ok
          ? 'Manage Users and View All Users are enabled, as sandboxes need to show user entitlements.'
          : 'In a sandbox, users and their entitlements stay hidden without both Manage Users and View All Users.',
        ...(ok
          ? {}
          : {
              fix: `Enable Manage Users and View All Users: ${setupPageFor('Manage Users')}, and the same for "View All Users".`,
            }),
      });
    }

    const limits = await client.limits(ctx.signal);
    const { Max: max, Remaining: remaining } = limits.DailyApiRequests;
    const budgetOk = remaining >= minRemainingApiCalls;
    identity['dailyApiRequests'] = `${remaining}/${max}`;
    checks.push({
      name: 'api-budget',
      ok: budgetOk,
      message: `${remaining} of ${max} daily API requests remain (floor ${minRemainingApiCalls}).`,
      ...(budgetOk
        ? {}
        : {
            fix: 'Wait for the rolling 24-hour window to free up, find what else uses the API (Setup > Company Information > API Requests, Last 24 Hours), or lower minRemainingApiCalls.',
          }),
    });
  } catch (error) {
    if (error instanceof AbortedError || ctx.signal.aborted) throw error;
    if (!isAccessLedgerError(error)) throw error;
    checks.push({
      name: error.code === 'AUTH_FAILED' ? 'authentication' : 'connection',
      ok: false,
      message: error.message,
      fix:
        error.code === 'AUTH_FAILED'
          ? 'Check the connected app (Setup > App Manager > the app > Manage: the user is pre-authorized, IP relaxation, the certificate) and the stored secret, then run validate again.'
          : error.code === 'PERMISSION_DENIED'
            ? `Enable API Enabled for the integration user: ${PERMISSION_SETUP}.`
            : 'Check the domain in the connection config and that the org is reachable, then run validate again.',
    });
  }
  return { ok: checks.every((check) => check.ok), checks, identity };
}

/**
 * What the integration user may do: the union of the permissions of every
 * permission set assigned to them, which includes their profile's own
 * permission set and the aggregate permission set of each group they hold.
 */
async function effectivePermissions(
  { client }: SalesforceConnection,
  userId: string,
  signal: AbortSignal,
  identity: Record<string, string>,
): Promise<Set<string>> {
  const [user] = await queryAll(
    client,
    select({ fields: ['Id', 'Username', 'ProfileId'], from: 'User', where: where.eq('Id', soqlId(userId)) }),
    signal,
  );
  identity['userId'] = userId;
  if (user) identity['username'] = text(user, 'Username') ?? '';
  const describe = await client.describe('PermissionSet', signal);
  const assigned = where.inSelect('Id', {
    fields: ['PermissionSetId'],
    from: 'PermissionSetAssignment',
    where: where.eq('AssigneeId', soqlId(userId)),
  });
  const byPermissionSet = new Map<string, string[]>();
  for (const soql of permissionQueries(permissionFieldsOf(describe), {
    object: 'PermissionSet',
    where: assigned,
  })) {
    const rows: QueriedRecord[] = await queryAll(client, soql, signal);
    for (const row of rows) collectEnabledPermissions(row, byPermissionSet);
  }
  return new Set([...byPermissionSet.values()].flat());
}

function permissionCheck(requirement: PermissionRequirement, enabled: ReadonlySet<string>): ValidationCheck {
  const held = requirement.anyOf.find((name) => enabled.has(name));
  if (held) {
    return {
      name: requirement.name,
      ok: true,
      message: `${requirement.label}: enabled${held === requirement.anyOf[0] ? '' : ` (through ${held})`}.`,
    };
  }
  return {
    name: requirement.name,
    ok: !requirement.required,
    message: `${requirement.label} is not enabled for the integration user: ${requirement.why}.`,
    fix: `Enable ${requirement.label}: ${setupPageFor(requirement.label)}.`,
  };
}
