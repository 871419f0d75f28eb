import type { RunContext } from './context.js';
import { throwIfAborted } from './errors.js';
import type { ActivityRecord, EntitlementRef, EntitlementType, SyncItem } from './model.js';
import type { DeprovisionAction, DeprovisionKind, OpResult, ProvisionOp } from './operations.js';

/** What a connector's types cannot say about it. */
export interface ConnectorManifest {
  /** Stable id, also the plugin id, e.g. `salesforce`. Lowercase letters, digits and dashes. */
  readonly id: string;
  readonly displayName: string;
  /** Semver of the connector package. */
  readonly version: string;
  /** Every entitlement type its sync may emit. */
  readonly entitlementTypes: readonly EntitlementTypeInfo[];
  /** The deprovision actions it supports; empty when it is not a Deprovisioner. */
  readonly deprovisionActions: readonly DeprovisionKind[];
}

export interface EntitlementTypeInfo {
  readonly type: EntitlementType;
  readonly label: string;
  /** An account holds at most one entitlement of this type. */
  readonly exclusive: boolean;
  /** Entitlements of this type may be granted through the connector. */
  readonly grantable: boolean;
  /** ...and revoked on their own (an exclusive, required type is replaced, never revoked). */
  readonly revocable: boolean;
}

export interface ValidationCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly message: string;
  /** What to do about a failed check, in the application's own terms. */
  readonly fix?: string;
}

export interface ValidationReport {
  readonly ok: boolean;
  readonly checks: readonly ValidationCheck[];
  /** Who the connection is to, e.g. `{ orgId, orgName, instanceUrl, username }`. */
  readonly identity: Readonly<Record<string, string>>;
}

/**
 * The one capability every connector has: read who holds what.
 *
 * @example
 * ```ts
 * for await (const item of connector.sync(ctx)) {
 *   if (item.kind === 'grant') console.log(item.grant.accountExternalId, item.grant.entitlement);
 * }
 * ```
 */
export interface Syncer {
  readonly manifest: ConnectorManifest;
  /** Checks credentials, permissions and the application's identity without changing anything. */
  validate(ctx: RunContext): Promise<ValidationReport>;
  /** Streams every account, entitlement, grant (and activity, if it comes for free). Memory stays bounded. */
  sync(ctx: RunContext): AsyncIterable<SyncItem>;
}

/**
 * A sync stream that a reader may also take a batch of items at a time (`syncItemBatches`). Items
 * passed one `await` at a time cost an async generator's yield and a `for await` step each (a million
 * items: ~0.4 s of the reading thread in a profile of a large sync), which a batch pays once. Read item
 * by item it is any other `AsyncIterable<SyncItem>`, with the same items in the same order.
 */
export interface BatchedSyncItems extends AsyncIterable<SyncItem> {
  [SYNC_ITEM_BATCHES](): AsyncIterable<readonly SyncItem[]>;
}

export const SYNC_ITEM_BATCHES: unique symbol = Symbol.for('accessledger.syncItemBatches');

/**
 * A stream read either way from `batches`, which is started anew by each read (as an async generator
 * function is). A batch belongs to the reader until it asks for the next one. Read item by item, an
 * item is not handed out once `signal` has fired (the rest of its batch included).
 *
 * @example
 * ```ts
 * sync(ctx) { return batchedSyncItems(() => pagesOfItems(ctx), ctx.signal); }
 * ```
 */
export function batchedSyncItems(
  batches: () => AsyncIterable<readonly SyncItem[]>,
  signal: AbortSignal,
): BatchedSyncItems {
  return {
    [SYNC_ITEM_BATCHES]: batches,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches()) {
        for (const item of batch) {
          throwIfAborted(signal);
          yield item;
        }
      }
    },
  };
}

/** The stream's batches when it offers them (`BatchedSyncItems`), else undefined: read it item by item. */
export function syncItemBatches(
  items: AsyncIterable<SyncItem>,
): AsyncIterable<readonly SyncItem[]> | undefined {
  const batches = (items as Partial<BatchedSyncItems>)[SYNC_ITEM_BATCHES];
  return typeof batches === 'function' ? batches.call(items) : undefined;
}

/**
 * A stream a batch at a time: the batches it offers (`BatchedSyncItems`), else its items as batches of
 * one (the same array each time, refilled when the next is asked for).
 */
export async function* itemBatches(
  items: AsyncIterable<SyncItem>,
): AsyncGenerator<readonly SyncItem[], void, undefined> {
  const batches = syncItemBatches(items);
  if (batches) {
    yield* batches;
    return;
  }
  const one: SyncItem[] = [];
  for await (const item of items) {
    one[0] = item;
    yield one;
  }
}

/** Creates and updates accounts and grants and revokes entitlements. Idempotent: see `OpResult.changed`. */
export interface Provisioner {
  provision(ctx: RunContext, op: ProvisionOp): Promise<OpResult>;
}

/** Takes access away. The supported actions are listed in `manifest.deprovisionActions`. */
export interface Deprovisioner {
  deprovision(ctx: RunContext, action: DeprovisionAction): Promise<OpResult>;
}

/** Reports when accounts were last active, optionally only changes since a time. */
export interface ActivitySource {
  activity(ctx: RunContext, since?: Date): AsyncIterable<ActivityRecord>;
}

/**
 * Gives up a connection's long-lived credentials at the application (an OAuth refresh token is revoked
 * there) before accessledger deletes its copy, so a removed connection leaves no working token behind.
 */
export interface CredentialRevoker {
  /** Says what was revoked, e.g. "the refresh token"; `undefined` when nothing needed revoking. Throws when revocation failed. */
  revokeCredentials(ctx: RunContext): Promise<string | undefined>;
}

/**
 * Finds an entitlement in the application itself, by id or name, including
 * things a sync does not list as entitlements (a Salesforce permission set
 * owned by a profile, a permission set group's aggregate). A caller that
 * cannot find a name in its snapshot asks here, so that the connector's own
 * refusal ("owned by a profile: grant the profile") reaches the user rather
 * than "not found".
 */
export interface EntitlementFinder {
  findEntitlements(ctx: RunContext, type: EntitlementType, idOrName: string): Promise<EntitlementRef[]>;
}

/** A connector: a Syncer that may also implement any of the optional capabilities. */
export type Connector = Syncer &
  Partial<Provisioner & Deprovisioner & ActivitySource & CredentialRevoker & EntitlementFinder>;

export function isEntitlementFinder(connector: Syncer): connector is Syncer & EntitlementFinder {
  return typeof (connector as Partial<EntitlementFinder>).findEntitlements === 'function';
}

export function isProvisioner(connector: Syncer): connector is Syncer & Provisioner {
  return typeof (connector as Partial<Provisioner>).provision === 'function';
}

export function isDeprovisioner(connector: Syncer): connector is Syncer & Deprovisioner {
  return typeof (connector as Partial<Deprovisioner>).deprovision === 'function';
}

export function isCredentialRevoker(connector: Syncer): connector is Syncer & CredentialRevoker {
  return typeof (connector as Partial<CredentialRevoker>).revokeCredentials === 'function';
}

export function isActivitySource(connector: Syncer): connector is Syncer & ActivitySource {
  return typeof (connector as Partial<ActivitySource>).activity === 'function';
}

export interface Capabilities {
  readonly sync: true;
  readonly provision: boolean;
  readonly deprovision: readonly DeprovisionKind[];
  readonly activity: boolean;
}

/** What a connector can do, derived from what it implements plus its manifest. */
export function capabilitiesOf(connector: Syncer): Capabilities {
  return {
    sync: true,
    provision: isProvisioner(connector),
    deprovision: isDeprovisioner(connector) ? connector.manifest.deprovisionActions : [],
    activity: isActivitySource(connector),
  };
}
