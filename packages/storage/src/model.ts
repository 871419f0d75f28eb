import type { AccountStatus, EntitlementRef, Grant, JsonObject } from '@accessledger/core';

/** Domain types of what storage keeps besides core's access model (camelCase; rows live in rows.ts). */

/** Cron expressions per job of a connection, e.g. `{ sync: '0 2 * * *', activity: '0 * * * *' }`. */
export interface ConnectionSchedule {
  readonly sync?: string;
  readonly activity?: string;
}

/** A configured application instance (one Salesforce org). Secrets live in credentials, never in config. */
export interface Connection {
  readonly id: number;
  readonly connectorId: string;
  readonly name: string;
  readonly config: JsonObject;
  readonly schedule: ConnectionSchedule | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export const SyncRunKinds = ['sync', 'activity'] as const;
export type SyncRunKind = (typeof SyncRunKinds)[number];
export const SyncRunStatuses = ['running', 'succeeded', 'failed', 'aborted'] as const;
export type SyncRunStatus = (typeof SyncRunStatuses)[number];

export interface ItemCounts {
  readonly accounts: number;
  readonly entitlements: number;
  readonly grants: number;
  readonly activity: number;
}

/** What a run cost the application's API budget (Salesforce `Sforce-Limit-Info: api-usage=used/max`). */
export interface ApiUsage {
  readonly requests: number;
  readonly dailyUsed?: number;
  readonly dailyMax?: number;
}

export interface RunError {
  readonly code: string;
  readonly message: string;
}

export interface SyncRun {
  readonly id: number;
  readonly connectionId: number;
  readonly kind: SyncRunKind;
  readonly status: SyncRunStatus;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly itemCounts: Partial<ItemCounts>;
  readonly apiUsage: ApiUsage | null;
  readonly error: RunError | null;
}

/** The state of one connection as one succeeded sync saw it. */
export interface Snapshot {
  readonly id: number;
  readonly connectionId: number;
  readonly syncRunId: number;
  readonly takenAt: Date;
  readonly counts: ItemCounts;
  /** Versions this snapshot opened (new or changed things) and closed (vanished or changed things). */
  readonly versionsOpened: number;
  readonly versionsClosed: number;
}

/** A grant an account holds now, with names resolved and since when it is held unchanged. */
export interface HeldGrant extends Grant {
  readonly entitlementName: string | null;
  readonly viaName: string | null;
  /** When the snapshot that first saw this grant was taken, counting back over uninterrupted versions (an attribute change does not reset it). */
  readonly heldSince: Date;
}

export type GrantChangeKind = 'added' | 'removed' | 'changed';
export interface GrantChange {
  readonly change: GrantChangeKind;
  readonly accountExternalId: string;
  readonly entitlement: EntitlementRef;
  readonly via: EntitlementRef | null;
  readonly before: JsonObject | null;
  readonly after: JsonObject | null;
}

export type AccountChangeKind =
  'created' | 'removed' | 'deactivated' | 'suspended' | 'reactivated' | 'changed';
export interface AccountChange {
  readonly change: AccountChangeKind;
  readonly externalId: string;
  readonly username: string;
  readonly statusBefore: AccountStatus | null;
  readonly statusAfter: AccountStatus | null;
}

export type EntitlementChangeKind = 'added' | 'removed' | 'changed';
export interface EntitlementChange {
  readonly change: EntitlementChangeKind;
  readonly entitlement: EntitlementRef;
  readonly nameBefore: string | null;
  readonly nameAfter: string | null;
  readonly attributesBefore: JsonObject | null;
  readonly attributesAfter: JsonObject | null;
}

export interface SnapshotDiff {
  readonly fromSnapshotId: number | null;
  readonly toSnapshotId: number;
  readonly grants: readonly GrantChange[];
  readonly accounts: readonly AccountChange[];
  readonly entitlements: readonly EntitlementChange[];
}

export type TimelineEventKind =
  | 'account_created'
  | 'account_reappeared'
  | 'account_deactivated'
  | 'account_suspended'
  | 'account_reactivated'
  | 'account_changed'
  | 'account_removed'
  | 'granted'
  | 'grant_changed'
  | 'revoked';

export interface TimelineEvent {
  readonly at: Date;
  readonly snapshotId: number;
  readonly event: TimelineEventKind;
  readonly entitlement: EntitlementRef | null;
  readonly entitlementName: string | null;
  readonly via: EntitlementRef | null;
  readonly details: JsonObject;
}

/** How a recorded provisioning action ended; `running` while it is under way (or if its process died). */
export const AuditOutcomes = ['running', 'changed', 'unchanged', 'partial', 'failed'] as const;
export type AuditOutcome = (typeof AuditOutcomes)[number];

/** One provisioning or deprovisioning action made through accessledger, dry runs included. */
export interface AuditEntry {
  readonly id: number;
  readonly connectionId: number;
  /** Kept as it was: the audit outlives a renamed or removed connection. */
  readonly connectionName: string;
  /** `grant`, `revoke`, `createAccount`, `updateAccount`, `deactivate`, `release`, `transfer`. */
  readonly operation: string;
  readonly accountExternalId: string | null;
  /** What the action was about beyond the account: the entitlement, the new owner, the objects. */
  readonly target: JsonObject;
  readonly dryRun: boolean;
  readonly outcome: AuditOutcome;
  /** The calls made (or, for a dry run, that would be made): method, path, body, description. */
  readonly calls: readonly JsonObject[];
  /** HTTP requests the connector sent, when it reported them. */
  readonly apiRequests: number | null;
  readonly error: RunError | null;
  /** Who ran it: the operating-system user and host of the accessledger process. */
  readonly osUser: string;
  readonly host: string;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
}
