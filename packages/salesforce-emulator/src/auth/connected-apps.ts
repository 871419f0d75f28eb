import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { newConsumerKey, newConsumerSecret } from './token-strings.js';
import type { ConnectedApp, ConnectedAppDefinition, ConnectedAppWithKeyPair } from './types.js';

const DEFAULT_SCOPES: readonly string[] = ['api', 'refresh_token'];

/**
 * The org's connected apps, keyed by consumer key (client_id).
 *
 * @example
 * const apps = new ConnectedAppRegistry();
 * const { app, privateKeyPem } = apps.registerWithKeyPair({
 *   name: 'accessledger',
 *   callbackUrls: ['http://localhost:1717/callback'],
 *   scopes: ['api', 'refresh_token', 'id'],
 * });
 */
export class ConnectedAppRegistry {
  private readonly appsByClientId = new Map<string, ConnectedApp>();
  private readonly publicKeysByClientId = new Map<string, KeyObject>();

  /**
   * Registers an app; omitted settings get Salesforce's defaults. Throws when the client_id is taken,
   * a callback URL is not an absolute URL, or the certificate is not an RSA certificate or public key.
   */
  register(definition: ConnectedAppDefinition): ConnectedApp {
    const clientId = definition.clientId ?? newConsumerKey();
    if (this.appsByClientId.has(clientId)) {
      throw new Error(
        `A connected app with client_id "${clientId}" is already registered; omit clientId to get a fresh one.`,
      );
    }
    const callbackUrls = definition.callbackUrls ?? [];
    for (const url of callbackUrls) {
      if (!URL.canParse(url)) {
        throw new Error(
          `Callback URL "${url}" of connected app "${definition.name}" is not an absolute URL, e.g. http://localhost:1717/callback.`,
        );
      }
    }
    const policy = definition.refreshTokenPolicy ?? { kind: 'valid-until-revoked' };
    if ((policy.kind === 'expire-after' || policy.kind === 'expire-if-unused') && !(policy.afterMs > 0)) {
      throw new Error(
        `Refresh token policy "${policy.kind}" of "${definition.name}" needs afterMs > 0 (milliseconds).`,
      );
    }
    const app: ConnectedApp = {
      name: definition.name,
      clientId,
      clientSecret: definition.clientSecret ?? newConsumerSecret(),
      callbackUrls: [...callbackUrls],
      certificate: definition.certificate,
      scopes: [...(definition.scopes ?? DEFAULT_SCOPES)],
      requirePkce: definition.requirePkce ?? false,
      requireSecretForWebServerFlow: definition.requireSecretForWebServerFlow ?? true,
      requireSecretForRefreshTokenFlow: definition.requireSecretForRefreshTokenFlow ?? true,
      clientCredentialsRunAsUsername: definition.clientCredentialsRunAsUsername,
      refreshTokenPolicy: policy,
      rotateRefreshTokens: definition.rotateRefreshTokens ?? false,
      enableDeviceFlow: definition.enableDeviceFlow ?? false,
    };
    if (definition.certificate !== undefined) {
      this.publicKeysByClientId.set(clientId, rsaPublicKeyFrom(definition.certificate, definition.name));
    }
    this.appsByClientId.set(clientId, app);
    return app;
  }

  /** Registers an app whose certificate is the public half of a fresh RSA-2048 key pair. */
  registerWithKeyPair(definition: ConnectedAppDefinition): ConnectedAppWithKeyPair {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const app = this.register({ ...definition, certificate: publicKey });
    return { app, privateKeyPem: privateKey, publicKeyPem: publicKey };
  }

  get(clientId: string): ConnectedApp | undefined {
    return this.appsByClientId.get(clientId);
  }

  list(): readonly ConnectedApp[] {
    return [...this.appsByClientId.values()];
  }

  /** The key JWT bearer assertions of this app are verified with, if a certificate is registered. */
  signingKeyOf(clientId: string): KeyObject | undefined {
    return this.publicKeysByClientId.get(clientId);
  }
}

function rsaPublicKeyFrom(pem: string, appName: string): KeyObject {
  let key: KeyObject;
  try {
    // createPublicKey reads an SPKI public key and an X.509 certificate alike.
    key = createPublicKey(pem);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `The certificate of connected app "${appName}" is neither a PEM X.509 certificate nor a PEM public key (${reason}).`,
      { cause: error },
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(
      `The certificate of connected app "${appName}" holds a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; JWT bearer assertions are RS256, so register an RSA key.`,
    );
  }
  return key;
}
