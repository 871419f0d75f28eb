import {
  batchedSyncItems,
  type ActivityRecord,
  type ActivitySource,
  type BatchedSyncItems,
  type ConnectorManifest,
  type CredentialRevoker,
  type DeprovisionAction,
  type Deprovisioner,
  type EntitlementFinder,
  type EntitlementRef,
  type EntitlementType,
  type OpResult,
  type ProvisionOp,
  type Provisioner,
  type RunContext,
  type Syncer,
  type ValidationReport,
} from '@accessledger/core';
import { inject, injectable } from 'tsyringe';
import type { SalesforceClientFactory } from './client-factory.js';
import { orgDomainOf, type SalesforceConfig } from './config.js';
import { revokeToken } from './connect/revoke.js';
import { CredentialNames } from './http/grants.js';
import type { DeprovisionContext } from './deprovision/deactivate.js';
import { deprovision } from './deprovision/deprovision.js';
import { findEntitlements } from './provision/find-entitlements.js';
import { provision } from './provision/provision.js';
import { ScimSupport } from './provision/scim-support.js';
import { lastLogins, reportingCallUsage, syncOrg } from './sync/sync.js';
import { userIdFromIdentityUrl, validateConnection } from './sync/validate.js';
import { salesforceManifest } from './manifest.js';
import { SalesforceClientFactoryToken, SalesforceConfigToken } from './tokens.js';

export { salesforceManifest } from './manifest.js';

/**
 * Reads who holds what in one Salesforce org, grants and revokes access and
 * deprovisions users. Each call builds its client from the call's RunContext
 * (see `OAuthSalesforceClientFactory`); whether the org takes SCIM writes is
 * asked once per connector.
 *
 * @example
 * ```ts
 * const connector = registry.createConnector({ name: 'acme-prod', connectorId: 'salesforce', config });
 * for await (const item of connector.sync(ctx)) store.write(item);
 * await connector.provision(ctx, {
 *   kind: 'grant',
 *   accountExternalId: '005…',
 *   entitlement: { type: 'permission_set', externalId: '0PS…' },
 *   dryRun: true,
 * }); // { changed: true, dryRun: true, calls: [{ method: 'PATCH', path: '/services/scim/v2/Entitlements/0PS…', … }] }
 * await connector.deprovision(ctx, { kind: 'transfer', accountExternalId: '005…', toAccountExternalId: '005…' });
 * ```
 */
@injectable()
export class SalesforceConnector
  implements Syncer, ActivitySource, Provisioner, Deprovisioner, CredentialRevoker, EntitlementFinder
{
  readonly manifest: ConnectorManifest = salesforceManifest;
  private readonly scim: ScimSupport;

  constructor(
    @inject(SalesforceConfigToken) private readonly config: SalesforceConfig,
    @inject(SalesforceClientFactoryToken) private readonly clients: SalesforceClientFactory,
  ) {
    this.scim = new ScimSupport(config.scim);
  }

  async validate(ctx: RunContext): Promise<ValidationReport> {
    return validateConnection(this.clients.connect(ctx), ctx, this.config.minRemainingApiCalls);
  }

  sync(ctx: RunContext): BatchedSyncItems {
    // A slice of a page's records at a time to a reader that takes batches (the snapshot writer), the
    // same items one at a time to any other.
    return batchedSyncItems(
      () =>
        syncOrg(
          () => this.clients.connect(ctx).client,
          { concurrency: this.config.concurrency, queryRanges: this.config.queryRanges },
          ctx,
        ),
      ctx.signal,
    );
  }

  async provision(ctx: RunContext, op: ProvisionOp): Promise<OpResult> {
    return provision(this.operationContext(ctx), op);
  }

  async deprovision(ctx: RunContext, action: DeprovisionAction): Promise<OpResult> {
    return deprovision(this.operationContext(ctx), action, this.config.transferObjects);
  }

  private operationContext(ctx: RunContext): DeprovisionContext {
    const { client, sessions } = this.clients.connect(ctx);
    const scim = this.scim;
    return {
      client,
      signal: ctx.signal,
      progress: ctx.progress,
      useScim: () => scim.enabled(client, ctx.signal),
      integrationUserId: async () => userIdFromIdentityUrl((await sessions.current(ctx.signal)).identityUrl),
    };
  }

  /**
   * Revokes the stored refresh token at Salesforce, which also ends every session issued from it. JWT
   * bearer and client credentials keep no long-lived token at Salesforce: nothing to revoke.
   */
  async revokeCredentials(ctx: RunContext): Promise<string | undefined> {
    if (this.config.auth.flow !== 'refresh-token') return undefined;
    const refreshToken = await ctx.credentials.get(CredentialNames.refreshToken);
    if (!refreshToken) return undefined;
    const outcome = await revokeToken(
      { loginUrl: orgDomainOf(this.config).loginUrl },
      refreshToken,
      ctx.signal,
    );
    return outcome === 'revoked'
      ? 'the refresh token'
      : 'nothing: Salesforce said the refresh token was already revoked or expired';
  }

  async findEntitlements(
    ctx: RunContext,
    type: EntitlementType,
    idOrName: string,
  ): Promise<EntitlementRef[]> {
    return findEntitlements(this.clients.connect(ctx).client, ctx.signal, type, idOrName);
  }

  async *activity(ctx: RunContext, since?: Date): AsyncGenerator<ActivityRecord, void, undefined> {
    const { client } = this.clients.connect(ctx);
    yield* lastLogins(client, reportingCallUsage(ctx, client), since);
  }
}
