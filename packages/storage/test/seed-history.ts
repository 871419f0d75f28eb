import type { SyncItem } from '@accessledger/core';
import type { Database } from '../src/database.js';
import { ConnectionStore } from '../src/connections.js';
import type { Snapshot } from '../src/model.js';
import { account, activity, entitlement, grant, ref } from './fixtures.js';
import { writeSnapshot } from './history-helpers.js';

/**
 * A small org with a history worth asking about, relative to now: five
 * snapshots at 120, 60, 14 and 3 days and 1 hour ago.
 *
 * - alice: System Administrator profile (Modify All Data), last login 100 days ago (dormant), CPQ seat.
 * - bob: Finance Admins permission set group from snapshot 2 (Data Steward through it), CPQ seat
 *   from snapshot 2, last login 200 days ago; the group grant's expiry changes at snapshot 4.
 * - carol: Report Viewer throughout; Data Steward directly until snapshot 3.
 * - dave: created at snapshot 4 with a CPQ seat.
 * - erin: CPQ seat until snapshot 4, where she is deactivated.
 * - frank: Data Steward directly throughout, never logged in.
 * - CPQ allows 3 seats, raised to 5 at snapshot 3.
 * - grace: Report Builder (View All Data) directly; a CRM Analytics Plus seat from snapshot 1.
 * - henry: Support Bundle (session-based), whose muting set switches View All Data off in Report
 *   Builder; member of public group All Sales through the "Role and subordinates: Sales VP" group.
 * - svc: an integration user (kind integration) with Data Steward directly.
 * - autoproc: the Automated Process user (kind system).
 * - CRM Analytics Plus (a permission set license) has 2 seats, 3 from snapshot 1; alice holds one.
 * Everything about grace, henry, svc, autoproc and the license is unchanged from snapshot 1 on.
 */
export const SEED_CONNECTION_NAME = 'acme-prod';
export const SNAPSHOT_AGES_MS = [120, 60, 14, 3].map((days) => days * 86_400_000).concat([3_600_000]);

const adminProfile = ref('profile', '00eADMIN');
const standardProfile = ref('profile', '00eSTANDARD');
const dataSteward = ref('permission_set', '0PSDATASTEWARD');
const reportViewer = ref('permission_set', '0PSREPORTVIEWER');
const financeAdmins = ref('permission_set_group', '0PGFINANCE');
const cpq = ref('package_license', '050CPQ');
const reportBuilder = ref('permission_set', '0PSREPORTBUILDER');
const supportBundle = ref('permission_set_group', '0PGSUPPORT');
const allSales = ref('public_group', '00GALLSALES');
const salesSubordinates = ref('derived_group', '00GROLESALESVP');
const analytics = ref('permission_set_license', '0PLANALYTICS');
const DAY = 86_400_000;

function org(index: number, now: number): SyncItem[] {
  const at = (snapshot: number) => index >= snapshot;
  const items: SyncItem[] = [
    entitlement('profile', adminProfile.externalId, 'System Administrator', {
      permissions: { ModifyAllData: true, ViewAllData: true, ManageUsers: true },
    }),
    entitlement('profile', standardProfile.externalId, 'Standard User', {
      permissions: { ApiEnabled: true },
    }),
    entitlement('permission_set', dataSteward.externalId, 'Data Steward', {
      permissions: { ModifyAllData: true },
    }),
    entitlement('permission_set', reportViewer.externalId, 'Report Viewer', {
      permissions: { RunReports: true },
    }),
    entitlement('permission_set_group', financeAdmins.externalId, 'Finance Admins', {
      permissions: { ModifyAllData: true },
    }),
    entitlement('package_license', cpq.externalId, 'Salesforce CPQ', {
      allowedLicenses: at(2) ? 5 : 3,
      namespacePrefix: 'SBQQ',
      status: 'Active',
    }),
    account('005BOB', { username: 'bob@acme.com' }),
    account('005CAROL', { username: 'carol@acme.com' }),
    account('005ERIN', { username: 'erin@acme.com', status: at(3) ? 'inactive' : 'active' }),
    account('005FRANK', { username: 'frank@acme.com' }),
    entitlement('permission_set', reportBuilder.externalId, 'Report Builder', {
      permissions: { ViewAllData: true, ApiEnabled: true },
    }),
    entitlement('permission_set_group', supportBundle.externalId, 'Support Bundle', {
      status: 'Updated',
      permissions: { ApiEnabled: true },
      mutedPermissions: { ViewAllData: true },
    }),
    entitlement('public_group', allSales.externalId, 'All Sales', {}),
    entitlement('derived_group', salesSubordinates.externalId, 'Role and subordinates: Sales VP', {
      groupType: 'RoleAndSubordinates',
    }),
    entitlement('permission_set_license', analytics.externalId, 'CRM Analytics Plus', {
      totalLicenses: at(1) ? 3 : 2,
      status: 'Active',
    }),
    account('005ALICE', { username: 'alice@acme.com' }),
    account('005GRACE', { username: 'grace@acme.com', attributes: { kind: 'human' } }),
    account('005HENRY', { username: 'henry@acme.com', attributes: { kind: 'human' } }),
    account('005SVC', { username: 'svc@acme.com', attributes: { kind: 'integration' } }),
    account('005AUTOPROC', {
      username: 'autoproc@acme.com',
      accountType: 'AutomatedProcess',
      attributes: { kind: 'system' },
    }),
    grant('005GRACE', standardProfile),
    grant('005HENRY', standardProfile),
    grant('005SVC', standardProfile),
    grant('005AUTOPROC', standardProfile),
    grant('005GRACE', reportBuilder),
    grant('005HENRY', supportBundle, null, { attributes: { accessKind: 'session_based' } }),
    grant('005HENRY', reportBuilder, supportBundle, {
      attributes: { accessKind: 'session_based', mutedPermissions: { ViewAllData: true } },
    }),
    grant('005FRANK', allSales),
    grant('005HENRY', allSales, salesSubordinates),
    grant('005SVC', dataSteward),
    grant('005ALICE', analytics),
    activity('005GRACE', new Date(now - 2 * DAY)),
    activity('005HENRY', new Date(now - 2 * DAY)),
    activity('005SVC', new Date(now - DAY)),
    activity('005AUTOPROC', null),
    grant('005ALICE', adminProfile),
    grant('005BOB', standardProfile),
    grant('005CAROL', standardProfile),
    grant('005ERIN', standardProfile),
    grant('005FRANK', standardProfile),
    grant('005CAROL', reportViewer),
    grant('005FRANK', dataSteward),
    grant('005ALICE', cpq),
    activity('005ALICE', new Date(now - 100 * DAY)),
    activity('005BOB', new Date(now - 200 * DAY)),
    activity('005CAROL', new Date(now - 5 * DAY)),
    activity('005ERIN', new Date(now - 30 * DAY)),
    activity('005FRANK', null),
  ];
  if (at(1)) {
    items.push(
      grant('005BOB', financeAdmins, null, {
        expiresAt: at(3) ? new Date('2027-12-31T00:00:00Z') : new Date('2027-06-30T00:00:00Z'),
        attributes: { accessKind: 'time_limited' },
      }),
      grant('005GRACE', analytics),
      grant('005HENRY', analytics),
      grant('005BOB', dataSteward, financeAdmins),
      grant('005BOB', cpq),
    );
  }
  if (!at(2)) items.push(grant('005CAROL', dataSteward));
  if (!at(3)) items.push(grant('005ERIN', cpq));
  if (at(3)) {
    items.push(
      account('005DAVE', { username: 'dave@acme.com', createdAt: new Date(now - 3 * DAY) }),
      grant('005DAVE', standardProfile),
      grant('005DAVE', cpq),
      activity('005DAVE', new Date(now - 2 * DAY)),
    );
  }
  return items;
}

export interface SeededHistory {
  readonly connectionId: number;
  /** Oldest first. */
  readonly snapshots: readonly Snapshot[];
}

export async function seedHistory(db: Database, name = SEED_CONNECTION_NAME): Promise<SeededHistory> {
  const connection = await new ConnectionStore(db.knex).create({ connectorId: 'salesforce', name });
  const now = Date.now();
  const snapshots: Snapshot[] = [];
  for (const [index, age] of SNAPSHOT_AGES_MS.entries()) {
    const { snapshot } = await writeSnapshot(db, connection.id, org(index, now), {
      takenAt: new Date(now - age),
    });
    snapshots.push(snapshot);
  }
  await seedAudit(db, connection.id, name);
  return { connectionId: connection.id, snapshots };
}

/**
 * Provisioning audit entries around last calendar month: three real actions
 * (one failed) and a dry run in it, one action before it and one after.
 */
async function seedAudit(db: Database, connectionId: number, name: string): Promise<void> {
  const entries: [string, string, string, string, boolean, string, number, string | null, string][] = [
    // [when, user, operation, account, dry run, outcome, calls, error code, entitlement]
    [
      "date_trunc('month', now()) - interval '1 month' - interval '3 days'",
      'jane',
      'grant',
      '005BOB',
      false,
      'changed',
      1,
      null,
      '0PSREPORTVIEWER',
    ],
    [
      "date_trunc('month', now()) - interval '20 days'",
      'jane',
      'grant',
      '005DAVE',
      false,
      'changed',
      1,
      null,
      '0PSREPORTVIEWER',
    ],
    [
      "date_trunc('month', now()) - interval '19 days'",
      'jane',
      'revoke',
      '005FRANK',
      true,
      'changed',
      1,
      null,
      '0PSDATASTEWARD',
    ],
    [
      "date_trunc('month', now()) - interval '18 days'",
      'sam',
      'deactivate',
      '005ERIN',
      false,
      'changed',
      1,
      null,
      '',
    ],
    [
      "date_trunc('month', now()) - interval '17 days'",
      'sam',
      'grant',
      '005CAROL',
      false,
      'failed',
      0,
      'RATE_LIMITED',
      '0PSDATASTEWARD',
    ],
    [
      "date_trunc('month', now()) + interval '1 minute'",
      'sam',
      'revoke',
      '005FRANK',
      false,
      'changed',
      1,
      null,
      '0PSDATASTEWARD',
    ],
  ];
  for (const [when, user, operation, account, dryRun, outcome, calls, errorCode, entitlement] of entries) {
    await db.knex.raw(
      `INSERT INTO provisioning_audit (connection_id, connection_name, operation, account_external_id, target,
          dry_run, outcome, calls, error_code, error_message, os_user, host, started_at, finished_at)
       VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?, ?, ?, 'ops-1', ${when}, ${when} + interval '2 seconds')`,
      [
        connectionId,
        name,
        operation,
        account,
        JSON.stringify(
          entitlement ? { entitlement: { type: 'permission_set', externalId: entitlement } } : {},
        ),
        dryRun,
        outcome,
        JSON.stringify(
          Array.from({ length: calls }, () => ({
            method: 'POST',
            path: '/services/data/v63.0/composite/batch',
          })),
        ),
        errorCode,
        errorCode ? 'The org has no API calls left today.' : null,
        user,
      ],
    );
  }
}
