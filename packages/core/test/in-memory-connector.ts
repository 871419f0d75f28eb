import { z } from 'zod';
import {
  ConflictError,
  defineConnectorPlugin,
  entitlementKey,
  InvalidInputError,
  NotFoundError,
  throwIfAborted,
  UnsupportedError,
  type Account,
  type ActivityRecord,
  type ActivitySource,
  type ConnectorManifest,
  type DeprovisionAction,
  type Deprovisioner,
  type Entitlement,
  type EntitlementRef,
  type OpResult,
  type PlannedCall,
  type ProvisionOp,
  type Provisioner,
  type RunContext,
  type SyncItem,
  type Syncer,
  type ValidationReport,
} from '../src/index.js';

/**
 * A reference connector over an application kept in memory. It exists to
 * prove the contract and the conformance suite: it is not a product feature.
 */
export interface InMemoryApp {
  readonly accounts: Map<string, Account>;
  readonly entitlements: Map<string, Entitlement>;
  /** account id -> entitlement keys held directly. */
  readonly holdings: Map<string, Set<string>>;
  readonly lastLogin: Map<string, Date>;
}

export const manifest: ConnectorManifest = {
  id: 'in-memory',
  displayName: 'In-memory reference application',
  version: '1.0.0',
  entitlementTypes: [
    { type: 'profile', label: 'Profile', exclusive: true, grantable: true, revocable: false },
    { type: 'group', label: 'Group', exclusive: false, grantable: true, revocable: true },
  ],
  deprovisionActions: ['deactivate', 'release'],
};

function entitlement(type: string, externalId: string, name: string): Entitlement {
  const info = manifest.entitlementTypes.find((candidate) => candidate.type === type);
  if (!info) throw new Error(`fixture: unknown type ${type}`);
  return {
    type,
    externalId,
    name,
    description: null,
    grantable: info.grantable,
    revocable: info.revocable,
    exclusive: info.exclusive,
    attributes: {},
  };
}

function account(externalId: string, username: string): Account {
  return {
    externalId,
    username,
    email: username,
    displayName: username.split('@')[0] ?? username,
    status: 'active',
    accountType: 'standard',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    attributes: {},
  };
}

/** A small application: three users, two profiles, three groups. */
export function seedApp(): InMemoryApp {
  const entitlements = [
    entitlement('profile', 'p-admin', 'Administrator'),
    entitlement('profile', 'p-standard', 'Standard User'),
    entitlement('group', 'g-sales', 'Sales'),
    entitlement('group', 'g-support', 'Support'),
    entitlement('group', 'g-finance', 'Finance'),
  ];
  const accounts = [
    account('u1', 'ada@example.com'),
    account('u2', 'grace@example.com'),
    account('u3', 'linus@example.com'),
  ];
  const holdings = new Map<string, Set<string>>([
    [
      'u1',
      new Set([
        entitlementKey({ type: 'profile', externalId: 'p-admin' }),
        entitlementKey({ type: 'group', externalId: 'g-sales' }),
      ]),
    ],
    ['u2', new Set([entitlementKey({ type: 'profile', externalId: 'p-standard' })])],
    [
      'u3',
      new Set([
        entitlementKey({ type: 'profile', externalId: 'p-standard' }),
        entitlementKey({ type: 'group', externalId: 'g-support' }),
      ]),
    ],
  ]);
  return {
    accounts: new Map(accounts.map((a) => [a.externalId, a])),
    entitlements: new Map(entitlements.map((e) => [entitlementKey(e), e])),
    holdings,
    lastLogin: new Map([['u1', new Date('2026-11-01T09:00:00Z')]]),
  };
}

export class InMemoryConnector implements Syncer, Provisioner, Deprovisioner, ActivitySource {
  readonly manifest: ConnectorManifest = manifest;

  constructor(protected readonly app: InMemoryApp) {}

  async validate(ctx: RunContext): Promise<ValidationReport> {
    throwIfAborted(ctx.signal);
    return {
      ok: true,
      checks: [{ name: 'reachable', ok: true, message: 'in memory' }],
      identity: { app: 'in-memory' },
    };
  }

  async *sync(ctx: RunContext): AsyncIterable<SyncItem> {
    for (const item of this.items()) {
      // Stands in for network I/O: every item is a chance for the signal to have fired.
      await Promise.resolve();
      throwIfAborted(ctx.signal);
      yield item;
    }
  }

  protected *items(): Iterable<SyncItem> {
    for (const entitlement of this.app.entitlements.values()) yield { kind: 'entitlement', entitlement };
    for (const account of this.app.accounts.values()) {
      yield { kind: 'account', account };
      for (const key of this.app.holdings.get(account.externalId) ?? []) {
        const held = this.app.entitlements.get(key);
        if (!held) continue;
        yield {
          kind: 'grant',
          grant: {
            accountExternalId: account.externalId,
            entitlement: { type: held.type, externalId: held.externalId },
            via: null,
            grantedAt: null,
            expiresAt: null,
            attributes: {},
          },
        };
      }
    }
  }

  async *activity(ctx: RunContext, since?: Date): AsyncIterable<ActivityRecord> {
    for (const [accountExternalId, lastActivityAt] of this.app.lastLogin) {
      throwIfAborted(ctx.signal);
      if (since && lastActivityAt < since) continue;
      yield { accountExternalId, lastActivityAt, source: 'memory.lastLogin' };
    }
  }

  async provision(ctx: RunContext, op: ProvisionOp): Promise<OpResult> {
    throwIfAborted(ctx.signal);
    switch (op.kind) {
      case 'grant':
        return this.grant(op.accountExternalId, op.entitlement, op.dryRun ?? false);
      case 'revoke':
        return this.revoke(op.accountExternalId, op.entitlement, op.dryRun ?? false);
      default:
        throw new UnsupportedError(`The in-memory connector does not support ${op.kind}.`);
    }
  }

  async deprovision(ctx: RunContext, action: DeprovisionAction): Promise<OpResult> {
    throwIfAborted(ctx.signal);
    const current = this.requireAccount(action.accountExternalId);
    const dryRun = action.dryRun ?? false;
    if (action.kind === 'deactivate') {
      const changed = current.status !== 'inactive';
      const calls: PlannedCall[] = changed
        ? [
            {
              method: 'PATCH',
              path: `/accounts/${current.externalId}`,
              body: { active: false },
              description: 'deactivate',
            },
          ]
        : [];
      if (changed && !dryRun) this.app.accounts.set(current.externalId, { ...current, status: 'inactive' });
      return { changed, dryRun, calls };
    }
    if (action.kind === 'release') {
      const held = this.app.holdings.get(current.externalId) ?? new Set<string>();
      const removable = [...held].filter((key) => this.app.entitlements.get(key)?.revocable);
      const calls: PlannedCall[] = removable.map((key) => ({
        method: 'DELETE',
        path: `/accounts/${current.externalId}/entitlements/${encodeURIComponent(key)}`,
        description: 'remove',
      }));
      if (!dryRun) for (const key of removable) held.delete(key);
      return { changed: removable.length > 0, dryRun, calls };
    }
    throw new UnsupportedError(`The in-memory connector does not support ${action.kind}.`);
  }

  protected grant(accountExternalId: string, ref: EntitlementRef, dryRun: boolean): OpResult {
    this.requireAccount(accountExternalId);
    const target = this.requireEntitlement(ref);
    const held = this.app.holdings.get(accountExternalId) ?? new Set<string>();
    const key = entitlementKey(ref);
    if (held.has(key)) return { changed: false, dryRun, calls: [] };
    const replaced = target.exclusive
      ? [...held].filter((candidate) => this.app.entitlements.get(candidate)?.type === target.type)
      : [];
    const calls: PlannedCall[] = [
      {
        method: 'PUT',
        path: `/accounts/${accountExternalId}/entitlements/${encodeURIComponent(key)}`,
        description: `grant ${target.name}`,
      },
    ];
    if (!dryRun) {
      for (const old of replaced) held.delete(old);
      held.add(key);
      this.app.holdings.set(accountExternalId, held);
    }
    return { changed: true, dryRun, calls };
  }

  protected revoke(accountExternalId: string, ref: EntitlementRef, dryRun: boolean): OpResult {
    this.requireAccount(accountExternalId);
    const target = this.requireEntitlement(ref);
    if (!target.revocable) {
      throw new InvalidInputError(
        `${target.name} cannot be revoked on its own: grant another ${target.type} instead.`,
      );
    }
    const held = this.app.holdings.get(accountExternalId);
    const key = entitlementKey(ref);
    if (!held?.has(key)) return { changed: false, dryRun, calls: [] };
    if (!dryRun) held.delete(key);
    return {
      changed: true,
      dryRun,
      calls: [
        {
          method: 'DELETE',
          path: `/accounts/${accountExternalId}/entitlements/${encodeURIComponent(key)}`,
          description: `revoke ${target.name}`,
        },
      ],
    };
  }

  private requireAccount(externalId: string): Account {
    const found = this.app.accounts.get(externalId);
    if (!found) throw new NotFoundError(`No account ${externalId}.`);
    return found;
  }

  private requireEntitlement(ref: EntitlementRef): Entitlement {
    const found = this.app.entitlements.get(entitlementKey(ref));
    if (!found) throw new NotFoundError(`No ${ref.type} ${ref.externalId}.`);
    if (!found.grantable) throw new ConflictError(`${found.name} is not grantable.`);
    return found;
  }
}

export const inMemoryPlugin = defineConnectorPlugin({
  id: 'in-memory',
  displayName: 'In-memory reference application',
  configSchema: z.strictObject({
    seed: z.enum(['default', 'empty'], { error: 'seed must be "default" or "empty"' }).default('default'),
    label: z.string().min(1, 'label must not be empty: name the application, e.g. "HR system"').optional(),
  }),
  create: (config) => new InMemoryConnector(config.seed === 'default' ? seedApp() : seedEmptyApp()),
});

function seedEmptyApp(): InMemoryApp {
  return { accounts: new Map(), entitlements: new Map(), holdings: new Map(), lastLogin: new Map() };
}
