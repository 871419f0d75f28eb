import { describe, expect, it } from 'vitest';
import {
  createRunContext,
  type ConnectorManifest,
  type OpResult,
  type ProvisionOp,
  type RunContext,
  type SyncItem,
} from '../src/index.js';
import {
  checkAbort,
  checkGrantRoundTrip,
  checkManifest,
  checkSyncConsistency,
  collectSync,
  describeConnectorConformance,
} from '../src/testing/index.js';
import { InMemoryConnector, seedApp } from './in-memory-connector.js';

const fixture = { accountExternalId: 'u2', entitlement: { type: 'group', externalId: 'g-finance' } } as const;

describeConnectorConformance({
  name: 'in-memory reference connector',
  createConnector: () => new InMemoryConnector(seedApp()),
  grantFixture: fixture,
});

function directGrant(accountExternalId: string, type: string, externalId: string): SyncItem {
  return {
    kind: 'grant',
    grant: {
      accountExternalId,
      entitlement: { type, externalId },
      via: null,
      grantedAt: null,
      expiresAt: null,
      attributes: {},
    },
  };
}

/** Emits a grant of an entitlement that the sync never emits. */
class DanglingGrantConnector extends InMemoryConnector {
  protected override *items(): Iterable<SyncItem> {
    yield* super.items();
    yield directGrant('u1', 'group', 'g-ghost');
  }
}

/** Reports every grant as a change, even of what is already held. */
class NonIdempotentConnector extends InMemoryConnector {
  override async provision(ctx: RunContext, op: ProvisionOp): Promise<OpResult> {
    const result = await super.provision(ctx, op);
    return { ...result, changed: true };
  }
}

/** Applies changes even when asked for a dry run. */
class DryRunIgnoringConnector extends InMemoryConnector {
  override async provision(ctx: RunContext, op: ProvisionOp): Promise<OpResult> {
    return super.provision(ctx, { ...op, dryRun: false });
  }
}

/** Never looks at its signal. */
class AbortIgnoringConnector extends InMemoryConnector {
  override async *sync(): AsyncIterable<SyncItem> {
    yield* this.items();
  }
}

/** Emits two profiles for one account. */
class DoubleProfileConnector extends InMemoryConnector {
  protected override *items(): Iterable<SyncItem> {
    yield* super.items();
    yield directGrant('u1', 'profile', 'p-standard');
  }
}

const rules = (violations: readonly { rule: string }[]): string[] =>
  violations.map((violation) => violation.rule);

describe('the conformance checks catch broken connectors', () => {
  it('flags a grant of an entitlement the sync never emitted', async () => {
    const connector = new DanglingGrantConnector(seedApp());
    const sync = await collectSync(connector, createRunContext());
    expect(rules(checkSyncConsistency(sync, connector.manifest))).toEqual(['sync.grant-entitlement']);
  });

  it('flags an exclusive type held twice by one account', async () => {
    const connector = new DoubleProfileConnector(seedApp());
    const sync = await collectSync(connector, createRunContext());
    expect(rules(checkSyncConsistency(sync, connector.manifest))).toEqual(['sync.exclusive']);
  });

  it('flags duplicate items and references to accounts never emitted', () => {
    const manifest = new InMemoryConnector(seedApp()).manifest;
    const account = {
      externalId: 'u1',
      username: 'a',
      email: null,
      displayName: 'a',
      status: 'active',
      accountType: null,
      createdAt: null,
      attributes: {},
    } as const;
    const violations = checkSyncConsistency(
      {
        accounts: [account, account],
        entitlements: [],
        grants: [],
        activity: [{ accountExternalId: 'nobody', lastActivityAt: null, source: 'test' }],
      },
      manifest,
    );
    expect(rules(violations)).toEqual(['sync.duplicate-account', 'sync.activity-account']);
  });

  it('flags a non-idempotent grant and revoke', async () => {
    const violations = await checkGrantRoundTrip(
      new NonIdempotentConnector(seedApp()),
      createRunContext(),
      fixture,
    );
    expect(rules(violations)).toEqual(['grant.idempotent', 'revoke.idempotent']);
  });

  it('flags a dry run that changes the application', async () => {
    const violations = await checkGrantRoundTrip(
      new DryRunIgnoringConnector(seedApp()),
      createRunContext(),
      fixture,
    );
    expect(rules(violations)).toContain('dry-run.grant');
    expect(rules(violations)).toContain('dry-run.revoke');
  });

  it('refuses a fixture whose account already holds the entitlement', async () => {
    const violations = await checkGrantRoundTrip(new InMemoryConnector(seedApp()), createRunContext(), {
      accountExternalId: 'u1',
      entitlement: { type: 'group', externalId: 'g-sales' },
    });
    expect(rules(violations)).toEqual(['fixture']);
  });

  it('flags a sync that ignores its abort signal', async () => {
    const violations = await checkAbort(new AbortIgnoringConnector(seedApp()), (signal) =>
      createRunContext({ signal }),
    );
    expect(rules(violations)).toEqual(['abort.before-start', 'abort.mid-stream']);
  });

  it('flags a manifest that does not match the capabilities', () => {
    const broken: ConnectorManifest = {
      id: 'Bad Id',
      displayName: ' ',
      version: 'one',
      entitlementTypes: [
        { type: 'group', label: 'Group', exclusive: false, grantable: false, revocable: true },
      ],
      deprovisionActions: [],
    };
    const connector = Object.assign(new InMemoryConnector(seedApp()), { manifest: broken });
    expect(rules(checkManifest(connector))).toEqual([
      'manifest.id',
      'manifest.version',
      'manifest.displayName',
      'manifest.entitlementTypes',
      'manifest.deprovisionActions',
    ]);
  });
});
