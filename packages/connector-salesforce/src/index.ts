/**
 * @accessledger/connector-salesforce: syncs who holds what in a Salesforce
 * org (users, profiles, roles, permission sets and groups, licenses, public
 * groups) and last logins.
 */
export { salesforcePlugin, registerSalesforceConnector } from './plugin.js';
export { SalesforceConnector } from './connector.js';
export { salesforceManifest } from './manifest.js';
export { salesforceConfigSchema } from './config.js';
export type { SalesforceConfig, SalesforceConfigInput } from './config.js';
export { OAuthSalesforceClientFactory } from './client-factory.js';
export type { SalesforceClientFactory, SalesforceConnection } from './client-factory.js';
export {
  SalesforceClientFactoryToken,
  SalesforceConfigToken,
  SalesforceConnectionNameToken,
} from './tokens.js';
export { parseOrgDomain } from './domains.js';
export type { OrgDomain } from './domains.js';
export {
  authorizeCallbackError,
  authorizeUrl,
  checkAuthorizeUrl,
  CONNECT_SCOPES,
  createPkcePair,
  createState,
  exchangeAuthorizationCode,
} from './connect/web-server-flow.js';
export type { ConnectedSession } from './connect/web-server-flow.js';
export { pollDeviceAuthorization, startDeviceAuthorization } from './connect/device-flow.js';
export type { DeviceAuthorization } from './connect/device-flow.js';
export { revokeToken } from './connect/revoke.js';
export { CredentialNames } from './http/grants.js';
