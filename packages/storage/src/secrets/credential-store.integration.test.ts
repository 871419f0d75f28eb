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
    const store = new DatabaseCredentialStore(db.knex, connectionId, box);
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
    await new DatabaseCredentialStore(db.knex, one, box).set('refreshToken', refreshToken);

    const otherKey = new DatabaseCredentialStore(db.knex, one, new SecretBox(Buffer.alloc(32, 3)));
    const mismatch = await otherKey.get('refreshToken').catch((error: unknown) => error);
    expect(mismatch).toBeInstanceOf(SecretDecryptionError);
    expect((mismatch as Error).message).toContain(box.fingerprint);
    expect((mismatch as Error).message).not.toContain(refreshToken);

    const row = await db.knex(Tables.credentials).where({ connection_id: one, name: 'refreshToken' }).first();
    await db.knex(Tables.credentials).insert({ ...row, connection_id: two });
    const moved = await new DatabaseCredentialStore(db.knex, two, box)
      .get('refreshToken')
      .catch((error: unknown) => error);
    expect(moved).toBeInstanceOf(SecretDecryptionError);
    expect(`${String(moved)} ${JSON.stringify(moved)}`).not.toContain(refreshToken);
  });

  it('logs which credential was stored and read, never its value', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const { logger, text } = capturedLogger();
    const store = new DatabaseCredentialStore(
      db.knex,
      connectionId,
      new SecretBox(Buffer.alloc(32, 4)),
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
    );
    await expect(store.set('refreshToken', '')).rejects.toThrow(/use delete\(\) to remove it/);
  });
});
