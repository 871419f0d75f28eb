/**
 * Table, view and function names of the storage schema. Migrations import
 * these; a rename is a new migration, never an edit here alone.
 */
export const Tables = {
  connections: 'connections',
  credentials: 'credentials',
  syncRuns: 'sync_runs',
  snapshots: 'snapshots',
  accounts: 'accounts',
  entitlements: 'entitlements',
  grants: 'grants',
  activity: 'activity',
  provisioningAudit: 'provisioning_audit',
} as const;

export const Views = {
  latestSnapshots: 'latest_snapshots',
  currentAccounts: 'current_accounts',
  currentEntitlements: 'current_entitlements',
  currentGrants: 'current_grants',
  currentActivity: 'current_activity',
  currentAccess: 'current_access',
  currentEffectivePermissions: 'current_effective_permissions',
} as const;

export const Functions = {
  snapshotAt: 'snapshot_at',
  accountsAsOf: 'accounts_as_of',
  entitlementsAsOf: 'entitlements_as_of',
  grantsAsOf: 'grants_as_of',
  activityAsOf: 'activity_as_of',
  grantChanges: 'grant_changes',
  accountChanges: 'account_changes',
  entitlementChanges: 'entitlement_changes',
  accountTimeline: 'account_timeline',
  snapshotPairConnection: 'snapshot_pair_connection',
} as const;

/** Knex's own bookkeeping table for this package's migrations. */
export const MIGRATIONS_TABLE = 'accessledger_migrations';

/** The versioned tables: each row is one version of one thing, valid over a range of snapshots. */
export const VersionedTables = [
  Tables.accounts,
  Tables.entitlements,
  Tables.grants,
  Tables.activity,
] as const;
export type VersionedTable = (typeof VersionedTables)[number];
