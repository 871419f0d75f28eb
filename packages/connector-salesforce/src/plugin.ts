import { defineConnectorPlugin, registerConnectorPlugin } from '@accessledger/core';
import type { DependencyContainer } from 'tsyringe';
import { OAuthSalesforceClientFactory } from './client-factory.js';
import { orgDomainOf, salesforceConfigSchema, type SalesforceConfig } from './config.js';
import { SalesforceConnector } from './connector.js';
import {
  SalesforceClientFactoryToken,
  SalesforceConfigToken,
  SalesforceConnectionNameToken,
} from './tokens.js';

/**
 * The Salesforce connector plugin. `create` registers the connection's
 * config and the client factory in the connection's child container (a
 * factory already registered in the app container, e.g. by a test, wins) and resolves the
 * connector.
 *
 * @example
 * ```ts
 * registerSalesforceConnector(container);
 * const connector = new ConnectorRegistry(container).createConnector({
 *   name: 'acme-prod',
 *   connectorId: 'salesforce',
 *   config: { domain: 'acme.my.salesforce.com', auth: { flow: 'jwt-bearer', clientId, username } },
 * });
 * ```
 */
export const salesforcePlugin = defineConnectorPlugin<SalesforceConfig>({
  id: 'salesforce',
  displayName: 'Salesforce',
  configSchema: salesforceConfigSchema,
  create(config, container, connection) {
    container.register(SalesforceConfigToken, { useValue: config });
    container.register(SalesforceConnectionNameToken, { useValue: connection.name });
    if (!container.isRegistered(SalesforceClientFactoryToken, true)) {
      container.register(SalesforceClientFactoryToken, { useClass: OAuthSalesforceClientFactory });
    }
    return container.resolve(SalesforceConnector);
  },
  // Tokens and secrets go to the login host only: stored credentials are bound to it.
  credentialAudience: (config) => orgDomainOf(config).loginUrl,
});

/** Registers the Salesforce plugin; call once in the composition root. */
export function registerSalesforceConnector(container: DependencyContainer): void {
  registerConnectorPlugin(container, salesforcePlugin);
}
