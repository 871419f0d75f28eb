/**
 * @accessledger/connector-scim: syncs and provisions any SCIM 2.0 service
 * provider (RFC 7643/7644): users, groups with nested groups, and users'
 * roles and entitlements.
 */
export { scimPlugin, registerScimConnector } from './plugin.js';
export { ScimConnector } from './connector.js';
export { scimManifest, ScimEntitlementTypes } from './manifest.js';
export { scimConfigSchema, ScimCredentialNames } from './config.js';
export type { ScimConfig, ScimConfigInput } from './config.js';
export { HttpScimClientFactory } from './http/client-factory.js';
export type { ScimClientFactory } from './http/client-factory.js';
export { ScimClientFactoryToken, ScimConfigToken } from './tokens.js';
