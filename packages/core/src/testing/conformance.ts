import { describe, expect, it } from 'vitest';
import type { Connector } from '../connector.js';
import { createRunContext, type RunContext } from '../context.js';
import {
  checkAbort,
  checkGrantRoundTrip,
  checkManifest,
  checkSyncConsistency,
  collectSync,
} from './checks.js';
import type { GrantFixture } from './checks.js';

export interface ConformanceOptions {
  /** Shown in the test names, e.g. `salesforce (emulated org)`. */
  readonly name: string;
  /** A connector ready to use; called once per test, so each may start from fresh state. */
  readonly createConnector: () => Connector | Promise<Connector>;
  /** A run context around a signal; quiet defaults when absent. */
  readonly createContext?: (signal: AbortSignal) => RunContext;
  /** For connectors that provision: an account and an entitlement it does not hold. */
  readonly grantFixture?: GrantFixture | (() => GrantFixture | Promise<GrantFixture>);
  /** Items already fetched that a sync may still hand out after its signal fires (default 0). */
  readonly abortSlackItems?: number;
}

/**
 * The contract every connector passes. Call it at the top level of a test
 * file of the connector package.
 *
 * @example
 * ```ts
 * describeConnectorConformance({
 *   name: 'salesforce (emulated org)',
 *   createConnector: () => buildConnector(emulator.baseUrl),
 *   grantFixture: { accountExternalId: '005…', entitlement: { type: 'permission_set', externalId: '0PS…' } },
 * });
 * ```
 */
export function describeConnectorConformance(options: ConformanceOptions): void {
  const context = (signal: AbortSignal = new AbortController().signal): RunContext =>
    options.createContext ? options.createContext(signal) : createRunContext({ signal });

  describe(`connector conformance: ${options.name}`, () => {
    it('declares a valid manifest that matches its capabilities', async () => {
      const connector = await options.createConnector();
      expect(checkManifest(connector)).toEqual([]);
    });

    it('validates its connection', async () => {
      const connector = await options.createConnector();
      const report = await connector.validate(context());
      expect(report.checks.filter((check) => !check.ok)).toEqual([]);
      expect(report.ok).toBe(true);
    });

    it('emits a consistent sync', async () => {
      const connector = await options.createConnector();
      const sync = await collectSync(connector, context());
      expect(sync.accounts.length).toBeGreaterThan(0);
      expect(checkSyncConsistency(sync, connector.manifest)).toEqual([]);
    });

    it('stops a sync promptly with AbortedError when its signal fires', async () => {
      const connector = await options.createConnector();
      expect(await checkAbort(connector, context, options.abortSlackItems ?? 0)).toEqual([]);
    });

    const fixtureOption = options.grantFixture;
    if (fixtureOption) {
      it('grants and revokes idempotently, and dry runs change nothing', async () => {
        const connector = await options.createConnector();
        const fixture = typeof fixtureOption === 'function' ? await fixtureOption() : fixtureOption;
        expect(await checkGrantRoundTrip(connector, context(), fixture)).toEqual([]);
      });
    }
  });
}
