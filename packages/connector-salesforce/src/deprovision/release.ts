import type { OpResult } from '@accessledger/core';
import type { DeprovisionContext } from './deactivate.js';
import { requireUser, rows } from '../provision/lookups.js';
import { deleteRecordStep, runSteps, type WriteStep } from '../provision/steps.js';
import { id as soqlId, select, where } from '../soql.js';
import { requiredText, text } from '../sync/fields.js';
import { MEMBER_LISTED_GROUP_TYPES } from '../sync/group-membership.js';

/**
 * Removes every permission set and permission set group assignment, package
 * and permission set license seat, and public group and queue membership the
 * user holds directly. Permission set license seats go after the assignments:
 * Salesforce keeps a seat while a permission set that needs it is assigned. The
 * profile stays (a user must hold one) and so does the role: a role grants no
 * permission of its own, it places the user in the sharing hierarchy, and the
 * user's records (and their managers' view of them) keep making sense until
 * they are transferred.
 */
export async function release(ctx: DeprovisionContext, userId: string, dryRun: boolean): Promise<OpResult> {
  await requireUser(ctx.client, userId, ctx.signal);
  const user = soqlId(userId);
  const [assignments, seats, licenseSeats, memberships] = await Promise.all([
    rows(
      ctx.client,
      select({
        fields: ['Id', 'PermissionSetId', 'PermissionSetGroupId', 'PermissionSet.Label'],
        from: 'PermissionSetAssignment',
        where: where.and(where.eq('AssigneeId', user), where.eq('PermissionSet.IsOwnedByProfile', false)),
      }),
      ctx.signal,
    ),
    rows(
      ctx.client,
      select({
        fields: ['Id', 'PackageLicenseId'],
        from: 'UserPackageLicense',
        where: where.eq('UserId', user),
      }),
      ctx.signal,
    ),
    rows(
      ctx.client,
      select({
        fields: ['Id', 'PermissionSetLicenseId'],
        from: 'PermissionSetLicenseAssign',
        where: where.eq('AssigneeId', user),
      }),
      ctx.signal,
    ),
    rows(
      ctx.client,
      select({
        fields: ['Id', 'GroupId', 'Group.Type'],
        from: 'GroupMember',
        where: where.and(
          where.eq('UserOrGroupId', user),
          where.in('Group.Type', [...MEMBER_LISTED_GROUP_TYPES]),
        ),
      }),
      ctx.signal,
    ),
  ]);
  const steps: WriteStep[] = [
    ...assignments.map((assignment) => {
      const groupId = text(assignment, 'PermissionSetGroupId');
      const what = groupId
        ? `permission set group ${groupId}`
        : `permission set ${labelOf(assignment) ?? requiredText(assignment, 'PermissionSetId')}`;
      return deleteRecordStep(
        ctx.client,
        'PermissionSetAssignment',
        requiredText(assignment, 'Id'),
        `Remove ${what} from user ${userId}`,
      );
    }),
    ...seats.map((seat) =>
      deleteRecordStep(
        ctx.client,
        'UserPackageLicense',
        requiredText(seat, 'Id'),
        `Remove the seat of package license ${requiredText(seat, 'PackageLicenseId')} from user ${userId}`,
      ),
    ),
    ...licenseSeats.map((seat) =>
      deleteRecordStep(
        ctx.client,
        'PermissionSetLicenseAssign',
        requiredText(seat, 'Id'),
        `Remove the seat of permission set license ${requiredText(seat, 'PermissionSetLicenseId')} from user ${userId}`,
      ),
    ),
    ...memberships.map((membership) =>
      deleteRecordStep(
        ctx.client,
        'GroupMember',
        requiredText(membership, 'Id'),
        `Remove user ${userId} from ${groupTypeOf(membership) === 'Queue' ? 'queue' : 'public group'} ${requiredText(membership, 'GroupId')}`,
      ),
    ),
  ];
  const summary = `${assignments.length} permission set or group assignments, ${seats.length} package license seats, ${licenseSeats.length} permission set license seats, ${memberships.length} public group and queue memberships`;
  return runSteps(steps, {
    dryRun,
    signal: ctx.signal,
    summary: dryRun ? `Would remove ${summary}.` : `Removed ${summary}.`,
  });
}

function groupTypeOf(membership: Readonly<Record<string, unknown>>): string | null {
  const group = membership['Group'];
  if (!group || typeof group !== 'object') return null;
  const type = (group as Record<string, unknown>)['Type'];
  return typeof type === 'string' ? type : null;
}

function labelOf(assignment: Readonly<Record<string, unknown>>): string | null {
  const permissionSet = assignment['PermissionSet'];
  if (!permissionSet || typeof permissionSet !== 'object') return null;
  const label = (permissionSet as Record<string, unknown>)['Label'];
  return typeof label === 'string' ? label : null;
}
