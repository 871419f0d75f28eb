import type { AccountStatus, EntitlementRef, JsonObject, JsonValue } from '@accessledger/core';
import type {
  AccountChange,
  AccountChangeKind,
  AuditEntry,
  AuditOutcome,
  ApiUsage,
  Connection,
  ConnectionSchedule,
  EntitlementChange,
  EntitlementChangeKind,
  GrantChange,
  GrantChangeKind,
  HeldGrant,
  ItemCounts,
  Snapshot,
  SyncRun,
  SyncRunKind,
  SyncRunStatus,
  TimelineEvent,
  TimelineEventKind,
} from './model.js';
import { AuditOutcomes, SyncRunKinds, SyncRunStatuses } from './model.js';
import type {
  AccountChangeRow,
  ConnectionRow,
  EntitlementChangeRow,
  GrantChangeRow,
  HeldGrantRow,
  Int8,
  ProvisioningAuditRow,
  SnapshotRow,
  SyncRunRow,
  TimelineRow,
} from './rows.js';

/** The one place rows become domain objects. */

export function toId(value: Int8): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id)) throw new Error(`Database id ${String(value)} is not a safe integer.`);
  return id;
}

export function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

function toOptionalDate(value: Date | string | null): Date | null {
  return value === null ? null : toDate(value);
}

function oneOf<T extends string>(allowed: readonly T[], value: string, what: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new Error(`Unexpected ${what} "${value}" in the database.`);
  return found;
}

function ref(type: string | null, externalId: string | null): EntitlementRef | null {
  return type === null || externalId === null ? null : { type, externalId };
}

function numberField(object: JsonObject, key: string): number | undefined {
  const value: JsonValue | undefined = object[key];
  return typeof value === 'number' ? value : undefined;
}

export function toConnection(row: ConnectionRow): Connection {
  const schedule: ConnectionSchedule | null = row.schedule
    ? {
        ...(typeof row.schedule['sync'] === 'string' ? { sync: row.schedule['sync'] } : {}),
        ...(typeof row.schedule['activity'] === 'string' ? { activity: row.schedule['activity'] } : {}),
      }
    : null;
  return {
    id: toId(row.id),
    connectorId: row.connector_id,
    name: row.name,
    config: row.config,
    schedule,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

export function toItemCounts(object: JsonObject): Partial<ItemCounts> {
  const counts: { -readonly [K in keyof ItemCounts]?: number } = {};
  for (const key of ['accounts', 'entitlements', 'grants', 'activity'] as const) {
    const value = numberField(object, key);
    if (value !== undefined) counts[key] = value;
  }
  return counts;
}

function toApiUsage(object: JsonObject | null): ApiUsage | null {
  if (object === null) return null;
  const dailyUsed = numberField(object, 'dailyUsed');
  const dailyMax = numberField(object, 'dailyMax');
  return {
    requests: numberField(object, 'requests') ?? 0,
    ...(dailyUsed !== undefined ? { dailyUsed } : {}),
    ...(dailyMax !== undefined ? { dailyMax } : {}),
  };
}

export function toSyncRun(row: SyncRunRow): SyncRun {
  return {
    id: toId(row.id),
    connectionId: toId(row.connection_id),
    kind: oneOf<SyncRunKind>(SyncRunKinds, row.kind, 'sync run kind'),
    status: oneOf<SyncRunStatus>(SyncRunStatuses, row.status, 'sync run status'),
    startedAt: toDate(row.started_at),
    finishedAt: toOptionalDate(row.finished_at),
    itemCounts: toItemCounts(row.item_counts),
    apiUsage: toApiUsage(row.api_usage),
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
  };
}

export function toSnapshot(row: SnapshotRow): Snapshot {
  return {
    id: toId(row.id),
    connectionId: toId(row.connection_id),
    syncRunId: toId(row.sync_run_id),
    takenAt: toDate(row.taken_at),
    counts: {
      accounts: row.account_count,
      entitlements: row.entitlement_count,
      grants: row.grant_count,
      activity: row.activity_count,
    },
    versionsOpened: row.versions_opened,
    versionsClosed: row.versions_closed,
  };
}

export function toHeldGrant(row: HeldGrantRow): HeldGrant {
  return {
    accountExternalId: row.account_external_id,
    entitlement: { type: row.entitlement_type, externalId: row.entitlement_external_id },
    via: ref(row.via_type, row.via_external_id),
    grantedAt: toOptionalDate(row.granted_at),
    expiresAt: toOptionalDate(row.expires_at),
    attributes: row.attributes,
    entitlementName: row.entitlement_name,
    viaName: row.via_name,
    heldSince: toDate(row.held_since),
  };
}

const grantChangeKinds: readonly GrantChangeKind[] = ['added', 'removed', 'changed'];
const accountChangeKinds: readonly AccountChangeKind[] = [
  'created',
  'removed',
  'deactivated',
  'suspended',
  'reactivated',
  'changed',
];
const accountStatuses: readonly AccountStatus[] = ['active', 'suspended', 'inactive'];
const timelineEventKinds: readonly TimelineEventKind[] = [
  'account_created',
  'account_reappeared',
  'account_deactivated',
  'account_suspended',
  'account_reactivated',
  'account_changed',
  'account_removed',
  'granted',
  'grant_changed',
  'revoked',
];

export function toGrantChange(row: GrantChangeRow): GrantChange {
  return {
    change: oneOf(grantChangeKinds, row.change, 'grant change'),
    accountExternalId: row.account_external_id,
    entitlement: { type: row.entitlement_type, externalId: row.entitlement_external_id },
    via: ref(row.via_type, row.via_external_id),
    before: row.before_attributes,
    after: row.after_attributes,
  };
}

export function toAccountChange(row: AccountChangeRow): AccountChange {
  return {
    change: oneOf(accountChangeKinds, row.change, 'account change'),
    externalId: row.external_id,
    username: row.username,
    statusBefore:
      row.before_status === null ? null : oneOf(accountStatuses, row.before_status, 'account status'),
    statusAfter:
      row.after_status === null ? null : oneOf(accountStatuses, row.after_status, 'account status'),
  };
}

export function toEntitlementChange(row: EntitlementChangeRow): EntitlementChange {
  const kinds: readonly EntitlementChangeKind[] = grantChangeKinds;
  return {
    change: oneOf(kinds, row.change, 'entitlement change'),
    entitlement: { type: row.type, externalId: row.external_id },
    nameBefore: row.before_name,
    nameAfter: row.after_name,
    attributesBefore: row.before_attributes,
    attributesAfter: row.after_attributes,
  };
}

export function toTimelineEvent(row: TimelineRow): TimelineEvent {
  return {
    at: toDate(row.taken_at),
    snapshotId: toId(row.snapshot_id),
    event: oneOf(timelineEventKinds, row.event, 'timeline event'),
    entitlement: ref(row.entitlement_type, row.entitlement_external_id),
    entitlementName: row.entitlement_name,
    via: ref(row.via_type, row.via_external_id),
    details: row.details,
  };
}

export function toAuditEntry(row: ProvisioningAuditRow): AuditEntry {
  return {
    id: toId(row.id),
    connectionId: toId(row.connection_id),
    connectionName: row.connection_name,
    operation: row.operation,
    accountExternalId: row.account_external_id,
    target: row.target,
    dryRun: row.dry_run,
    outcome: oneOf<AuditOutcome>(AuditOutcomes, row.outcome, 'audit outcome'),
    calls: row.calls,
    apiRequests: row.api_requests,
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    osUser: row.os_user,
    host: row.host,
    startedAt: toDate(row.started_at),
    finishedAt: toOptionalDate(row.finished_at),
  };
}
