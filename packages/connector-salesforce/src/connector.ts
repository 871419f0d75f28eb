import {
  EntitlementTypes,
  type ActivityRecord,
  type ActivitySource,
  type ConnectorManifest,
  type RunContext,
  type SyncItem,
  type Syncer,
  type ValidationReport,
} from '@accessledger/core';
import { inject, injectable } from 'tsyringe';
import type { SalesforceClientFactory } from './client-factory.js';
import type { SalesforceConfig } from './config.js';
import { lastLogins, syncOrg } from './sync/sync.js';
import { validateConnection } from './sync/validate.js';
import { SalesforceClientFactoryToken, SalesforceConfigToken } from './tokens.js';

/**
 * What the Salesforce connector emits. Nothing is grantable yet: provisioning
 * is a later step, and the conformance suite checks that a grantable type
 * comes with `provision()`. When Provisioner and Deprovisioner land, flip
 * `grantable` (and `revocable` where Salesforce allows it) and list the
 * deprovision actions here.
 */
export const salesforceManifest: ConnectorManifest = {
  id: 'salesforce',
  displayName: 'Salesforce',
  version: '0.1.0',
  entitlementTypes: [
    { type: EntitlementTypes.profile, label: 'Profile', exclusive: true, grantable: false, revocable: false },
    { type: EntitlementTypes.role, label: 'Role', exclusive: true, grantable: false, revocable: false },
    {
      type: EntitlementTypes.permissionSet,
      label: 'Permission set',
      exclusive: false,
      grantable: false,
      revocable: false,
    },
    {
      type: EntitlementTypes.permissionSetGroup,
      label: 'Permission set group',
      exclusive: false,
      grantable: false,
      revocable: false,
    },
    {
      type: EntitlementTypes.packageLicense,
      label: 'Package license',
      exclusive: false,
      grantable: false,
      revocable: false,
    },
    {
      type: EntitlementTypes.userLicense,
      label: 'User license (through the profile)',
      exclusive: true,
      grantable: false,
      revocable: false,
    },
    {
      type: EntitlementTypes.publicGroup,
      label: 'Public group',
      exclusive: false,
      grantable: false,
      revocable: false,
    },
  ],
  deprovisionActions: [],
};

/**
 * Reads who holds what in one Salesforce org. Each call builds its client
 * from the call's RunContext (see `OAuthSalesforceClientFactory`).
 *
 * @example
 * ```ts
 * const connector = registry.createConnector({ name: 'acme-prod', connectorId: 'salesforce', config });
 * for await (const item of connector.sync(ctx)) store.write(item);
 * ```
 */
@injectable()
export class SalesforceConnector implements Syncer, ActivitySource {
  readonly manifest: ConnectorManifest = salesforceManifest;

  constructor(
    @inject(SalesforceConfigToken) private readonly config: SalesforceConfig,
    @inject(SalesforceClientFactoryToken) private readonly clients: SalesforceClientFactory,
  ) {}

  async validate(ctx: RunContext): Promise<ValidationReport> {
    return validateConnection(this.clients.connect(ctx), ctx, this.config.minRemainingApiCalls);
  }

  async *sync(ctx: RunContext): AsyncGenerator<SyncItem, void, undefined> {
    const { client } = this.clients.connect(ctx);
    yield* syncOrg(client, { concurrency: this.config.concurrency }, ctx);
  }

  async *activity(ctx: RunContext, since?: Date): AsyncGenerator<ActivityRecord, void, undefined> {
    const { client } = this.clients.connect(ctx);
    yield* lastLogins(client, ctx, since);
  }
}
