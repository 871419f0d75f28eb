import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { InvalidConfigError } from '@accessledger/core';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_BYTES = 32;

/** A sealed value could not be opened: wrong key, or altered bytes. Never carries the value. */
export class SecretDecryptionError extends InvalidConfigError {
  constructor(message: string) {
    super(message, [{ path: 'ACCESSLEDGER_SECRET_KEY', message: 'cannot decrypt stored credentials' }]);
  }
}

/**
 * AES-256-GCM with a fresh 96-bit nonce per value. Sealed layout:
 * nonce (12) || tag (16) || ciphertext. The associated data binds a sealed
 * value to where it is stored, so that a value copied to another row does not open.
 */
export class SecretBox {
  readonly #key: Buffer;
  /** Names the key without revealing it (first 8 bytes of its SHA-256), stored beside each value. */
  readonly fingerprint: string;

  constructor(key: Uint8Array) {
    if (key.length !== SECRET_KEY_BYTES) {
      throw new InvalidConfigError(`The secret key must be ${SECRET_KEY_BYTES} bytes, got ${key.length}.`, [
        { path: 'ACCESSLEDGER_SECRET_KEY', message: `must be ${SECRET_KEY_BYTES} bytes` },
      ]);
    }
    this.#key = Buffer.from(key);
    this.fingerprint = createHash('sha256').update(this.#key).digest('hex').slice(0, 16);
  }

  seal(plaintext: string, associatedData: string): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([nonce, cipher.getAuthTag(), ciphertext]);
  }

  /** Opens a sealed value; `what` names it in errors (never the value itself). */
  open(sealed: Uint8Array, associatedData: string, what: string): string {
    if (sealed.length < NONCE_BYTES + TAG_BYTES) {
      throw new SecretDecryptionError(
        `${what} is truncated in the database and cannot be decrypted; store it again.`,
      );
    }
    const bytes = Buffer.from(sealed);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(bytes.subarray(NONCE_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretDecryptionError(
        `${what} could not be decrypted: the stored value was altered or belongs to another record. Store it again.`,
      );
    }
  }

  toJSON(): { fingerprint: string } {
    return { fingerprint: this.fingerprint };
  }

  [inspect.custom](): string {
    return `SecretBox { fingerprint: '${this.fingerprint}' }`;
  }
}
