import type { InjectionToken } from 'tsyringe';
import type { SalesforceClientFactory } from './client-factory.js';
import type { SalesforceConfig } from './config.js';

/** The parsed configuration of the connection being served (registered per child container). */
export const SalesforceConfigToken: InjectionToken<SalesforceConfig> = Symbol(
  'accessledger.salesforce.Config',
);

/** Builds a client for one run from that run's credentials. */
export const SalesforceClientFactoryToken: InjectionToken<SalesforceClientFactory> = Symbol(
  'accessledger.salesforce.ClientFactory',
);

/** The name of the connection being served, for messages that tell a person what to run. */
export const SalesforceConnectionNameToken: InjectionToken<string> = Symbol(
  'accessledger.salesforce.ConnectionName',
);
