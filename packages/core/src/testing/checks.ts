import type { ConnectorManifest, Syncer } from '../connector.js';
import { isDeprovisioner, isProvisioner } from '../connector.js';
import type { RunContext } from '../context.js';
import { AbortedError } from '../errors.js';
import type { Account, ActivityRecord, Entitlement, EntitlementRef, Grant, SyncItem } from '../model.js';
import { entitlementKey, grantKey } from '../model.js';
import type { DeprovisionKind } from '../operations.js';

/** One broken rule of the connector contract. */
export interface Violation {
  readonly rule: string;
  readonly message: string;
}

const CONNECTOR_ID = /^[a-z][a-z0-9-]*$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
const DEPROVISION_KINDS: readonly DeprovisionKind[] = ['deactivate', 'release', 'transfer'];
const ACCOUNT_STATUSES = new Set(['active', 'suspended', 'inactive']);

/** Checks the manifest alone and against the capabilities the connector implements. */
export function checkManifest(connector: Syncer): Violation[] {
  const manifest = connector.manifest;
  const violations: Violation[] = [];
  const add = (rule: string, message: string): void => void violations.push({ rule, message });
  if (!CONNECTOR_ID.test(manifest.id))
    add('manifest.id', `id "${manifest.id}" must be lowercase letters, digits, dashes`);
  if (!SEMVER.test(manifest.version)) add('manifest.version', `version "${manifest.version}" is not semver`);
  if (manifest.displayName.trim() === '') add('manifest.displayName', 'displayName is empty');
  if (manifest.entitlementTypes.length === 0)
    add('manifest.entitlementTypes', 'no entitlement types declared');
  const seenTypes = new Set<string>();
  for (const info of manifest.entitlementTypes) {
    if (seenTypes.has(info.type)) add('manifest.entitlementTypes', `type "${info.type}" is declared twice`);
    seenTypes.add(info.type);
    if (info.revocable && !info.grantable) {
      add('manifest.entitlementTypes', `type "${info.type}" is revocable but not grantable`);
    }
  }
  const actions = new Set<string>();
  for (const action of manifest.deprovisionActions) {
    if (!DEPROVISION_KINDS.includes(action)) add('manifest.deprovisionActions', `unknown action "${action}"`);
    if (actions.has(action)) add('manifest.deprovisionActions', `action "${action}" is listed twice`);
    actions.add(action);
  }
  if (isDeprovisioner(connector) && actions.size === 0) {
    add('manifest.deprovisionActions', 'the connector implements deprovision() but lists no actions');
  }
  if (!isDeprovisioner(connector) && actions.size > 0) {
    add(
      'manifest.deprovisionActions',
      'actions are listed but the connector does not implement deprovision()',
    );
  }
  const grantable = manifest.entitlementTypes.some((info) => info.grantable);
  if (grantable && !isProvisioner(connector)) {
    add('manifest.entitlementTypes', 'a type is grantable but the connector does not implement provision()');
  }
  return violations;
}

/** Everything one sync emitted, in emission order. */
export interface CollectedSync {
  readonly accounts: readonly Account[];
  readonly entitlements: readonly Entitlement[];
  readonly grants: readonly Grant[];
  readonly activity: readonly ActivityRecord[];
}

export async function collectSync(connector: Syncer, ctx: RunContext): Promise<CollectedSync> {
  const accounts: Account[] = [];
  const entitlements: Entitlement[] = [];
  const grants: Grant[] = [];
  const activity: ActivityRecord[] = [];
  for await (const item of connector.sync(ctx)) {
    switch (item.kind) {
      case 'account':
        accounts.push(item.account);
        break;
      case 'entitlement':
        entitlements.push(item.entitlement);
        break;
      case 'grant':
        grants.push(item.grant);
        break;
      case 'activity':
        activity.push(item.activity);
        break;
    }
  }
  return { accounts, entitlements, grants, activity };
}

/**
 * The sync is a closed, consistent picture: no duplicate ids, every reference
 * resolves inside the same sync, types are the manifest's, exclusive types are
 * held at most once per account.
 */
export function checkSyncConsistency(sync: CollectedSync, manifest: ConnectorManifest): Violation[] {
  const violations: Violation[] = [];
  const add = (rule: string, message: string): void => void violations.push({ rule, message });
  const typeInfo = new Map(manifest.entitlementTypes.map((info) => [info.type as string, info]));

  const accountIds = new Set<string>();
  for (const account of sync.accounts) {
    if (accountIds.has(account.externalId))
      add('sync.duplicate-account', `account ${account.externalId} emitted twice`);
    accountIds.add(account.externalId);
    if (!ACCOUNT_STATUSES.has(account.status)) {
      add('sync.account-status', `account ${account.externalId} has status "${String(account.status)}"`);
    }
    if (account.externalId === '') add('sync.account-id', 'an account has an empty externalId');
  }

  const entitlementKeys = new Set<string>();
  for (const entitlement of sync.entitlements) {
    const key = entitlementKey(entitlement);
    if (entitlementKeys.has(key)) {
      add('sync.duplicate-entitlement', `entitlement ${describeRef(entitlement)} emitted twice`);
    }
    entitlementKeys.add(key);
    const info = typeInfo.get(entitlement.type);
    if (!info) {
      add(
        'sync.entitlement-type',
        `entitlement ${describeRef(entitlement)} has a type the manifest does not declare`,
      );
    } else if (info.exclusive !== entitlement.exclusive) {
      add(
        'sync.entitlement-flags',
        `entitlement ${describeRef(entitlement)} disagrees with the manifest on exclusive`,
      );
    }
  }

  const grantKeys = new Set<string>();
  const exclusiveHeld = new Map<string, string>();
  for (const grant of sync.grants) {
    const key = grantKey(grant);
    const label = `grant of ${describeRef(grant.entitlement)} to ${grant.accountExternalId}`;
    if (grantKeys.has(key)) add('sync.duplicate-grant', `${label} emitted twice`);
    grantKeys.add(key);
    if (!accountIds.has(grant.accountExternalId)) {
      add('sync.grant-account', `${label} names an account the sync did not emit`);
    }
    if (!entitlementKeys.has(entitlementKey(grant.entitlement))) {
      add('sync.grant-entitlement', `${label} names an entitlement the sync did not emit`);
    }
    if (grant.via && !entitlementKeys.has(entitlementKey(grant.via))) {
      add('sync.grant-via', `${label} is held via ${describeRef(grant.via)}, which the sync did not emit`);
    }
    if (grant.via === null && typeInfo.get(grant.entitlement.type)?.exclusive) {
      const heldKey = `${grant.accountExternalId}\u0000${grant.entitlement.type}`;
      const previous = exclusiveHeld.get(heldKey);
      if (previous !== undefined && previous !== grant.entitlement.externalId) {
        add(
          'sync.exclusive',
          `account ${grant.accountExternalId} holds two ${grant.entitlement.type} entitlements (${previous}, ${grant.entitlement.externalId})`,
        );
      }
      exclusiveHeld.set(heldKey, grant.entitlement.externalId);
    }
  }

  for (const record of sync.activity) {
    if (!accountIds.has(record.accountExternalId)) {
      add(
        'sync.activity-account',
        `activity for ${record.accountExternalId}, an account the sync did not emit`,
      );
    }
  }
  return violations;
}

function describeRef(ref: EntitlementRef): string {
  return `${ref.type}:${ref.externalId}`;
}

/** An account that does not hold an entitlement it can be granted, for the round-trip. */
export interface GrantFixture {
  readonly accountExternalId: string;
  readonly entitlement: EntitlementRef;
}

async function holds(connector: Syncer, ctx: RunContext, fixture: GrantFixture): Promise<boolean> {
  const sync = await collectSync(connector, ctx);
  const wanted = entitlementKey(fixture.entitlement);
  return sync.grants.some(
    (grant) =>
      grant.via === null &&
      grant.accountExternalId === fixture.accountExternalId &&
      entitlementKey(grant.entitlement) === wanted,
  );
}

/**
 * Grant then revoke, each first as a dry run and each twice: the dry runs plan
 * calls and change nothing; the second grant and second revoke change nothing.
 */
export async function checkGrantRoundTrip(
  connector: Syncer,
  ctx: RunContext,
  fixture: GrantFixture,
): Promise<Violation[]> {
  if (!isProvisioner(connector))
    return [{ rule: 'provision', message: 'the connector does not implement provision()' }];
  const violations: Violation[] = [];
  const add = (rule: string, message: string): void => void violations.push({ rule, message });
  const target = `${describeRef(fixture.entitlement)} for ${fixture.accountExternalId}`;
  const op = { accountExternalId: fixture.accountExternalId, entitlement: fixture.entitlement };

  if (await holds(connector, ctx, fixture)) {
    return [
      { rule: 'fixture', message: `the fixture account already holds ${target}; pick one that does not` },
    ];
  }
  const plannedGrant = await connector.provision(ctx, { kind: 'grant', ...op, dryRun: true });
  if (!plannedGrant.dryRun || !plannedGrant.changed || plannedGrant.calls.length === 0) {
    add('dry-run.grant', `a dry-run grant of ${target} must report dryRun, changed and the planned calls`);
  }
  if (await holds(connector, ctx, fixture))
    add('dry-run.grant', `a dry-run grant of ${target} changed the application`);

  const granted = await connector.provision(ctx, { kind: 'grant', ...op });
  if (!granted.changed) add('grant', `granting ${target} reported changed: false`);
  if (!(await holds(connector, ctx, fixture)))
    add('grant', `after granting, the sync does not show ${target}`);
  const grantedAgain = await connector.provision(ctx, { kind: 'grant', ...op });
  if (grantedAgain.changed)
    add('grant.idempotent', `granting ${target} a second time reported changed: true`);

  const plannedRevoke = await connector.provision(ctx, { kind: 'revoke', ...op, dryRun: true });
  if (!plannedRevoke.dryRun || !plannedRevoke.changed || plannedRevoke.calls.length === 0) {
    add('dry-run.revoke', `a dry-run revoke of ${target} must report dryRun, changed and the planned calls`);
  }
  if (!(await holds(connector, ctx, fixture)))
    add('dry-run.revoke', `a dry-run revoke of ${target} changed the application`);

  const revoked = await connector.provision(ctx, { kind: 'revoke', ...op });
  if (!revoked.changed) add('revoke', `revoking ${target} reported changed: false`);
  if (await holds(connector, ctx, fixture)) add('revoke', `after revoking, the sync still shows ${target}`);
  const revokedAgain = await connector.provision(ctx, { kind: 'revoke', ...op });
  if (revokedAgain.changed)
    add('revoke.idempotent', `revoking ${target} a second time reported changed: true`);
  return violations;
}

/**
 * A sync whose signal fires stops at once: an already-aborted signal rejects
 * the first step, and aborting mid-stream rejects the next step (after at most
 * `slackItems` items already in hand) with `AbortedError`.
 */
export async function checkAbort(
  connector: Syncer,
  createContext: (signal: AbortSignal) => RunContext,
  slackItems = 0,
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const preAborted = new AbortController();
  preAborted.abort(new Error('aborted before start'));
  const first = await settle(connector.sync(createContext(preAborted.signal))[Symbol.asyncIterator]().next());
  if (!(first.error instanceof AbortedError)) {
    violations.push({
      rule: 'abort.before-start',
      message: `a sync with an aborted signal ${describeOutcome(first)}`,
    });
  }

  const controller = new AbortController();
  const iterator = connector.sync(createContext(controller.signal))[Symbol.asyncIterator]();
  const started = await settle(iterator.next());
  if (started.error !== undefined || started.value?.done) {
    violations.push({
      rule: 'abort.mid-stream',
      message: 'the sync emitted nothing to abort in the middle of',
    });
    return violations;
  }
  controller.abort(new Error('aborted mid-stream'));
  for (let step = 0; step <= slackItems; step += 1) {
    const next = await settle(iterator.next());
    if (next.error instanceof AbortedError) return violations;
    if (next.error !== undefined || next.value?.done) {
      violations.push({ rule: 'abort.mid-stream', message: `after abort the sync ${describeOutcome(next)}` });
      return violations;
    }
  }
  await iterator.return?.();
  violations.push({
    rule: 'abort.mid-stream',
    message: `after abort the sync kept emitting items (more than ${slackItems} allowed)`,
  });
  return violations;
}

interface Outcome {
  readonly value?: IteratorResult<SyncItem>;
  readonly error?: unknown;
}

async function settle(step: Promise<IteratorResult<SyncItem>>): Promise<Outcome> {
  try {
    return { value: await step };
  } catch (error) {
    return { error: error ?? new Error('rejected with nothing') };
  }
}

function describeOutcome(outcome: Outcome): string {
  if (outcome.error !== undefined) {
    const name = outcome.error instanceof Error ? outcome.error.name : typeof outcome.error;
    return `failed with ${name} instead of AbortedError`;
  }
  return outcome.value?.done ? 'ended normally instead of failing with AbortedError' : 'emitted an item';
}
