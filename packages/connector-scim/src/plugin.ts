import { defineConnectorPlugin, registerConnectorPlugin } from '@accessledger/core';
import type { DependencyContainer } from 'tsyringe';
import { scimConfigSchema, type ScimConfig } from './config.js';
import { ScimConnector } from './connector.js';
import { HttpScimClientFactory } from './http/client-factory.js';
import { ScimClientFactoryToken, ScimConfigToken } from './tokens.js';

/**
 * The SCIM 2.0 connector plugin. `create` registers the connection's config
 * and the client factory in the connection's child container (a factory
 * already registered, e.g. by a test, wins) and resolves the connector.
 *
 * @example
 * ```ts
 * registerScimConnector(container);
 * const connector = new ConnectorRegistry(container).createConnector({
 *   name: 'acme-okta',
 *   connectorId: 'scim',
 *   config: { baseUrl: 'https://acme.example.com/scim/v2', auth: { method: 'bearer' } },
 * });
 * ```
 */
export const scimPlugin = defineConnectorPlugin<ScimConfig>({
  id: 'scim',
  displayName: 'SCIM 2.0',
  configSchema: scimConfigSchema,
  create(config, container) {
    container.register(ScimConfigToken, { useValue: config });
    if (!container.isRegistered(ScimClientFactoryToken, true)) {
      container.register(ScimClientFactoryToken, { useClass: HttpScimClientFactory });
    }
    return container.resolve(ScimConnector);
  },
});

/** Registers the SCIM plugin; call once in the composition root. */
export function registerScimConnector(container: DependencyContainer): void {
  registerConnectorPlugin(container, scimPlugin);
}
