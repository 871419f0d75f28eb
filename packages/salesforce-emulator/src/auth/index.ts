export { OAuthServer } from './oauth-server.js';
export { ConnectedAppRegistry } from './connected-apps.js';
export type {
  AuthClock,
  AuthenticationResult,
  AuthUser,
  AuthUserDirectory,
  ConnectedApp,
  ConnectedAppDefinition,
  ConnectedAppWithKeyPair,
  OAuthGrantType,
  OAuthServerOptions,
  RefreshTokenPolicy,
  Session,
  SessionExpiryCause,
} from './types.js';
