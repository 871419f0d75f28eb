import {
  throwIfAborted,
  type ConnectorManifest,
  type DeprovisionAction,
  type Deprovisioner,
  type OpResult,
  type ProvisionOp,
  type Provisioner,
  type RunContext,
  type SyncItem,
  type Syncer,
  type ValidationReport,
} from '@accessledger/core';
import { inject, injectable } from 'tsyringe';
import type { ScimConfig } from './config.js';
import type { ScimClientFactory } from './http/client-factory.js';
import { scimManifest } from './manifest.js';
import { ScimProvisioning } from './provision/provision.js';
import { discoverProvider } from './sync/discovery.js';
import { syncProvider } from './sync/sync.js';
import { validateProvider } from './sync/validate.js';
import { ScimClientFactoryToken, ScimConfigToken } from './tokens.js';

/**
 * A connector for any SCIM 2.0 service provider (RFC 7643/7644). Every run
 * discovers what the provider supports first, then uses only that. It is no
 * ActivitySource: SCIM has no standard last-login attribute.
 */
@injectable()
export class ScimConnector implements Syncer, Provisioner, Deprovisioner {
  readonly manifest: ConnectorManifest = scimManifest;

  constructor(
    @inject(ScimConfigToken) private readonly config: ScimConfig,
    @inject(ScimClientFactoryToken) private readonly clients: ScimClientFactory,
  ) {}

  async validate(ctx: RunContext): Promise<ValidationReport> {
    throwIfAborted(ctx.signal);
    return validateProvider(this.clients.connect(ctx), this.config, ctx.signal);
  }

  async *sync(ctx: RunContext): AsyncIterable<SyncItem> {
    throwIfAborted(ctx.signal);
    const client = this.clients.connect(ctx);
    const capabilities = await discoverProvider(client, ctx.signal);
    yield* syncProvider(client, capabilities, this.config.pageSize, ctx);
  }

  async provision(ctx: RunContext, op: ProvisionOp): Promise<OpResult> {
    return (await this.provisioning(ctx)).provision(ctx, op);
  }

  async deprovision(ctx: RunContext, action: DeprovisionAction): Promise<OpResult> {
    return (await this.provisioning(ctx)).deprovision(ctx, action);
  }

  private async provisioning(ctx: RunContext): Promise<ScimProvisioning> {
    throwIfAborted(ctx.signal);
    const client = this.clients.connect(ctx);
    return new ScimProvisioning(client, await discoverProvider(client, ctx.signal), this.config);
  }
}
