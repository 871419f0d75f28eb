import { Writable } from 'node:stream';
import { createLogger } from '@accessledger/core';
import { expect, it } from 'vitest';
import { Tables } from '../tables.js';
import { describeEachEngine } from '../../test/engines.js';
import { createConnection } from '../../test/history-helpers.js';
import { DatabaseCredentialStore } from './credential-store.js';
import { SecretBox, SecretDecryptionError } from './secret-box.js';

const privateKey = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
const refreshToken = '5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJZ9-refresh';
const AUDIENCE = 'https://acme.my.salesforce.com';

function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'trace', destination }), text: () => lines.join('') };
}

describeEachEngine('DatabaseCredentialStore', (database) => {
  it('stores values encrypted and decrypts them only on request', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const box = new SecretBox(Buffer.alloc(32, 1));
    const store = new DatabaseCredentialStore(db.knex, connectionId, box, AUDIENCE);
    await store.set('privateKey', privateKey);
    await store.set('refreshToken', 'first');
    await store.set('refreshToken', refreshToken);

    const rows = await db.knex(Tables.credentials).where({ connection_id: connectionId }).select('*');
    const stored =
      JSON.stringify(rows) +
      rows.map((row: { ciphertext: Uint8Array }) => Buffer.from(row.ciphertext).toString('latin1')).join('');
    expect(stored).not.toContain(refreshToken);
    expect(stored).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');

    expect(await store.get('refreshToken')).toBe(refreshToken);
    expect(await store.get('privateKey')).toBe(privateKey);
    expect(await store.get('clientSecret')).toBeUndefined();
    expect(await store.names()).toEqual(['privateKey', 'refreshToken']);
    expect(await store.delete('privateKey')).toBe(true);
    expect(await store.get('privateKey')).toBeUndefined();
  });

  it('names the key mismatch and refuses values moved between connections, without the value', async () => {
    const { db } = database();
    const one = await createConnection(db);
    const two = await createConnection(db);
    const box = new SecretBox(Buffer.alloc(32, 2));
    await new DatabaseCredentialStore(db.knex, one, box, AUDIENCE).set('refreshToken', refreshToken);

    const otherKey = new DatabaseCredentialStore(db.knex, one, new SecretBox(Buffer.alloc(32, 3)), AUDIENCE);
    const mismatch = await otherKey.get('refreshToken').catch((error: unknown) => error);
    expect(mismatch).toBeInstanceOf(SecretDecryptionError);
    expect((mismatch as Error).message).toContain(box.fingerprint);
    expect((mismatch as Error).message).not.toContain(refreshToken);

    const row = await db.knex(Tables.credentials).where({ connection_id: one, name: 'refreshToken' }).first();
    await db.knex(Tables.credentials).insert({ ...row, connection_id: two });
    const moved = await new DatabaseCredentialStore(db.knex, two, box, AUDIENCE)
      .get('refreshToken')
      .catch((error: unknown) => error);
    expect(moved).toBeInstanceOf(SecretDecryptionError);
    expect(`${String(moved)} ${JSON.stringify(moved)}`).not.toContain(refreshToken);
  });

  it('binds a value to the login domain it was stored for: another domain cannot open it', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const box = new SecretBox(Buffer.alloc(32, 6));
    await new DatabaseCredentialStore(db.knex, connectionId, box, AUDIENCE).set('clientSecret', refreshToken);

    // The same row, key and connection, but the connection now names another host.
    const elsewhere = new DatabaseCredentialStore(db.knex, connectionId, box, 'https://evil.example');
    const refused = await elsewhere.get('clientSecret').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SecretDecryptionError);
    expect((refused as Error).message).toMatch(
      /does not open for https:\/\/evil\.example: it was stored for another login domain/,
    );
    expect(`${String(refused)} ${JSON.stringify(refused)}`).not.toContain(refreshToken);
    expect(await new DatabaseCredentialStore(db.knex, connectionId, box, AUDIENCE).get('clientSecret')).toBe(
      refreshToken,
    );
  });

  it('logs which credential was stored and read, never its value', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const { logger, text } = capturedLogger();
    const store = new DatabaseCredentialStore(
      db.knex,
      connectionId,
      new SecretBox(Buffer.alloc(32, 4)),
      AUDIENCE,
      logger,
    );
    await store.set('refreshToken', refreshToken);
    await store.get('refreshToken');
    expect(text()).toContain('credential stored');
    expect(text()).toContain('credential read');
    expect(text()).toContain('refreshToken');
    expect(text()).not.toContain(refreshToken);
  });

  it('rejects empty values with a message saying how to remove one', async () => {
    const { db } = database();
    const store = new DatabaseCredentialStore(
      db.knex,
      await createConnection(db),
      new SecretBox(Buffer.alloc(32, 5)),
      AUDIENCE,
    );
    await expect(store.set('refreshToken', '')).rejects.toThrow(/use delete\(\) to remove it/);
  });
});
