import { registerSalesforceConnector } from '@accessledger/connector-salesforce';
import { registerScimConnector } from '@accessledger/connector-scim';
import { ConnectorRegistry } from '@accessledger/core';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';

/**
 * The composition root: the one place where connector plugins are
 * registered. Adding a connector is one line here.
 */
export function createAppContainer(): DependencyContainer {
  const container = rootContainer.createChildContainer();
  registerSalesforceConnector(container);
  registerScimConnector(container);
  return container;
}

export function createConnectorRegistry(
  container: DependencyContainer = createAppContainer(),
): ConnectorRegistry {
  return new ConnectorRegistry(container);
}
