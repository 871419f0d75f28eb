import type { ConnectedApp, ConnectedAppDefinition, ConnectedAppWithKeyPair } from './types.js';

/**
 * The org's connected apps, keyed by consumer key (client_id).
 *
 * @example
 * const apps = new ConnectedAppRegistry();
 * const { app, privateKeyPem } = apps.registerWithKeyPair({ name: 'accessledger', callbackUrls: ['http://localhost:1717/callback'] });
 */
export class ConnectedAppRegistry {
  register(_definition: ConnectedAppDefinition): ConnectedApp {
    throw new Error('not implemented yet');
  }

  /** Registers an app whose certificate is the public half of a fresh RSA-2048 key pair. */
  registerWithKeyPair(_definition: ConnectedAppDefinition): ConnectedAppWithKeyPair {
    throw new Error('not implemented yet');
  }

  get(_clientId: string): ConnectedApp | undefined {
    throw new Error('not implemented yet');
  }

  list(): readonly ConnectedApp[] {
    throw new Error('not implemented yet');
  }
}
