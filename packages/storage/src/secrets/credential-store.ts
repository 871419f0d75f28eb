import type { CredentialStore, Logger } from '@accessledger/core';
import { InvalidInputError } from '@accessledger/core';
import type { Knex } from 'knex';
import { affectedRows } from '../affected-rows.js';
import type { CredentialRow } from '../rows.js';
import { Tables } from '../tables.js';
import { SecretDecryptionError } from './secret-box.js';
import type { SecretBox } from './secret-box.js';

/**
 * One connection's secrets (refresh tokens, client secrets, private keys),
 * encrypted at rest and decrypted only when a connector asks for one. Values
 * never reach a log line or an error message; names do.
 *
 * @example
 * const credentials = new DatabaseCredentialStore(
 *   db.knex, connection.id, loadSecretBox({ engine: db.engine }), 'https://acme.my.salesforce.com',
 * );
 * await credentials.set('refreshToken', token);
 * const ctx = createRunContext({ credentials });
 */
export class DatabaseCredentialStore implements CredentialStore {
  /**
   * `audience` is where the connection's credentials are sent (for Salesforce,
   * its login origin). It is authenticated data of every sealed value, so a
   * value stored for one host does not open once the connection points at another.
   */
  constructor(
    private readonly knex: Knex,
    private readonly connectionId: number,
    private readonly box: SecretBox,
    private readonly audience: string,
    private readonly logger?: Logger,
  ) {}

  async get(name: string): Promise<string | undefined> {
    const row = await this.knex<CredentialRow>(Tables.credentials)
      .where({ connection_id: this.connectionId, name })
      .first();
    if (!row) return undefined;
    const what = `Credential "${name}" of connection ${this.connectionId}`;
    if (row.key_fingerprint !== this.box.fingerprint) {
      throw new SecretDecryptionError(
        `${what} was encrypted with key ${row.key_fingerprint}, but the current key is ${this.box.fingerprint}. ` +
          `Set ACCESSLEDGER_SECRET_KEY (or restore the key file) to the key used before, or store the credential again.`,
      );
    }
    let value: string;
    try {
      value = this.box.open(row.ciphertext, this.associatedData(name), what);
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      throw new SecretDecryptionError(
        `${what} does not open for ${this.audience || 'this connection'}: it was stored for another ` +
          `login domain or record, or altered. If the connection's domain was changed on purpose, store the ` +
          `credential again (\`accessledger connections add\` with --secret); it is never sent to a host it was not stored for.`,
      );
    }
    this.logger?.debug({ connectionId: this.connectionId, credential: name }, 'credential read');
    return value;
  }

  async set(name: string, value: string): Promise<void> {
    if (name.trim().length === 0)
      throw new InvalidInputError('A credential needs a name, e.g. "refreshToken".');
    if (value.length === 0) {
      throw new InvalidInputError(
        `Credential "${name}" cannot be set to an empty value; use delete() to remove it.`,
      );
    }
    const ciphertext = this.box.seal(value, this.associatedData(name));
    await this.knex(Tables.credentials)
      .insert({
        connection_id: this.connectionId,
        name,
        ciphertext,
        key_fingerprint: this.box.fingerprint,
      })
      .onConflict(['connection_id', 'name'])
      .merge({ ciphertext, key_fingerprint: this.box.fingerprint, updated_at: this.knex.fn.now() });
    this.logger?.info({ connectionId: this.connectionId, credential: name }, 'credential stored');
  }

  async delete(name: string): Promise<boolean> {
    const deleted = affectedRows(
      await this.knex(Tables.credentials).where({ connection_id: this.connectionId, name }).delete(),
    );
    if (deleted > 0)
      this.logger?.info({ connectionId: this.connectionId, credential: name }, 'credential deleted');
    return deleted > 0;
  }

  /** The names of the stored credentials, never their values. */
  async names(): Promise<string[]> {
    const rows = await this.knex<CredentialRow>(Tables.credentials)
      .where({ connection_id: this.connectionId })
      .orderBy('name')
      .select('name');
    return rows.map((row) => row.name);
  }

  private associatedData(name: string): string {
    return `accessledger/credentials/${this.connectionId}/${name}/${this.audience}`;
  }
}
