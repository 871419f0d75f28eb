/**
 * @accessledger/scim-test-server: a SCIM 2.0 service provider for tests,
 * written from RFC 7643, RFC 7644 and RFC 9865, never from a connector.
 */
export { startScimServer } from './server.js';
export type { ReceivedRequest, ScimServerHandle, ScimServerOptions } from './server.js';
export { defaultSettings } from './settings.js';
export type { ScimServerAuth, ScimServerSettings } from './settings.js';
export { ScimStore, ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './store.js';
export type { Attributes, GroupMember, ResourceKind, StoredResource } from './store.js';
export { matches, parseFilter } from './filter.js';
export type { FilterNode } from './filter.js';
