import { NotFoundError } from '@accessledger/core';
import type { SalesforceConfig } from '../config.js';
import type { SalesforceClient } from '../http/client.js';

/**
 * Whether writes go through SCIM 2.0 or the REST equivalents. With `auto`
 * the connector asks the org once (`GET /services/scim/v2/ServiceProviderConfigs`)
 * and keeps the answer for its lifetime; a failed probe (network, auth) is
 * not kept, so the next operation asks again.
 */
export class ScimSupport {
  private probed: Promise<boolean> | null = null;

  constructor(private readonly mode: SalesforceConfig['scim']) {}

  async enabled(client: SalesforceClient, signal: AbortSignal): Promise<boolean> {
    if (this.mode === 'always') return true;
    if (this.mode === 'never') return false;
    if (!this.probed) {
      const probe = probeScim(client, signal);
      this.probed = probe;
      probe.catch(() => {
        if (this.probed === probe) this.probed = null;
      });
    }
    return this.probed;
  }
}

async function probeScim(client: SalesforceClient, signal: AbortSignal): Promise<boolean> {
  try {
    const config = await client.scimServiceProviderConfig(signal);
    // Membership changes are PATCH operations: without PATCH, SCIM is no use here.
    return config.patch?.supported !== false;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}
