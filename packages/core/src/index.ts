/**
 * @accessledger/core: the connector contract every application plugs into,
 * the shared access model, one error vocabulary and the plugin registry.
 */
export * from './json.js';
export * from './model.js';
export * from './operations.js';
export * from './errors.js';
export * from './context.js';
export * from './connector.js';
export * from './plugin.js';
