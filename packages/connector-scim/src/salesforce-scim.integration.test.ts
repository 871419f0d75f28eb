import 'reflect-metadata';
import { collectSync, checkSyncConsistency } from '@accessledger/core/testing';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorFor, contextFor } from '../test/scim-provider.js';
import { ScimCredentialNames } from './config.js';
import { scimManifest } from './manifest.js';

/**
 * The SCIM connector and the Salesforce connector's SCIM view must agree:
 * pointed at the emulated org's `/services/scim/v2` (Salesforce Help: "SCIM
 * and REST API Reference Sheet", which names only the plural
 * `ServiceProviderConfigs`, hence discovery's fallback), the generic
 * connector syncs the org's users. The client credentials go to the token
 * endpoint as form fields (Salesforce Help: "OAuth 2.0 Client Credentials
 * Flow for Server-to-Server Integration"), hence `clientAuthentication: 'body'`.
 */
let emulator: EmulatorHandle;
beforeAll(async () => {
  emulator = await startEmulator({ org: generateOrg({ seed: 12, preset: 'tiny' }) });
});
afterAll(async () => {
  await emulator.close();
  emulator.org.dispose();
});

function salesforceScimConnector() {
  return connectorFor({
    baseUrl: `${emulator.baseUrl}/services/scim/v2`,
    auth: {
      method: 'oauth-client-credentials',
      tokenUrl: `${emulator.baseUrl}/services/oauth2/token`,
      clientId: emulator.connectedApp.clientId,
      clientAuthentication: 'body',
    },
    // Small pages, so that startIndex paging over the org's users is exercised.
    pageSize: 7,
  });
}

describe('the SCIM connector against the emulated Salesforce org', () => {
  it('syncs the same users as the org has, with their usernames and active flags', async () => {
    const ctx = contextFor({ [ScimCredentialNames.clientSecret]: emulator.connectedApp.clientSecret });
    const connector = salesforceScimConnector();
    expect((await connector.validate(ctx)).ok).toBe(true);
    const sync = await collectSync(connector, ctx);
    expect(checkSyncConsistency(sync, scimManifest)).toEqual([]);
    const orgUsers = emulator.org.find('User') as { Id: string; Username: string; IsActive: boolean }[];
    expect(orgUsers.length).toBeGreaterThan(0);
    const fromOrg = orgUsers
      .map((user) => `${user.Id} ${user.Username} ${user.IsActive ? 'active' : 'inactive'}`)
      .sort();
    const fromScim = sync.accounts
      .map((account) => `${account.externalId} ${account.username} ${account.status}`)
      .sort();
    expect(fromScim).toEqual(fromOrg);
    expect(fromOrg.length).toBeGreaterThan(7);
    // Profiles and permission sets arrive as users' `entitlements`, user roles as `roles`.
    expect(sync.entitlements.some((entitlement) => entitlement.type === 'entitlement')).toBe(true);
  });
});
