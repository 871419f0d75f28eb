import type { InjectionToken } from 'tsyringe';
import type { ScimClientFactory } from './http/client-factory.js';
import type { ScimConfig } from './config.js';

/** The parsed configuration of the connection being served (registered per child container). */
export const ScimConfigToken: InjectionToken<ScimConfig> = Symbol('accessledger.scim.Config');

/** Builds a client for one run from that run's credentials. */
export const ScimClientFactoryToken: InjectionToken<ScimClientFactory> = Symbol(
  'accessledger.scim.ClientFactory',
);
