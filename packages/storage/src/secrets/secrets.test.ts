import { mkdtempSync, readFileSync, rmSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox, SecretDecryptionError } from './secret-box.js';
import { loadSecretBox } from './secret-key.js';

const key = Buffer.alloc(32, 7);
const secret = 'refresh-token-5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJ';

describe('SecretBox', () => {
  it('round-trips a value, with a fresh nonce each time', () => {
    const box = new SecretBox(key);
    const first = box.seal(secret, 'where');
    const second = box.seal(secret, 'where');
    expect(first.equals(second)).toBe(false);
    expect(first.toString('latin1')).not.toContain(secret);
    expect(box.open(first, 'where', 'test value')).toBe(secret);
  });

  it('refuses altered bytes, another record and another key, without the value in the error', () => {
    const box = new SecretBox(key);
    const sealed = box.seal(secret, 'connection 1');
    const altered = Buffer.from(sealed);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    const attempts = [
      () => box.open(altered, 'connection 1', 'the token'),
      () => box.open(sealed, 'connection 2', 'the token'),
      () => new SecretBox(Buffer.alloc(32, 8)).open(sealed, 'connection 1', 'the token'),
      () => box.open(sealed.subarray(0, 10), 'connection 1', 'the token'),
    ];
    for (const attempt of attempts) {
      expect(attempt).toThrow(SecretDecryptionError);
      try {
        attempt();
      } catch (error) {
        expect(String(error)).not.toContain(secret);
        expect((error as Error).message).toMatch(/the token/);
      }
    }
  });

  it('never shows its key when inspected or serialised', () => {
    const box = new SecretBox(key);
    const shown = `${inspect(box, { showHidden: true, depth: 5 })} ${JSON.stringify(box)}`;
    expect(shown).toContain(box.fingerprint);
    expect(shown).not.toContain(key.toString('hex'));
    expect(shown).not.toContain(key.toString('base64'));
    expect(shown).not.toContain('7, 7, 7');
  });
});

describe('loadSecretBox', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'accessledger-secrets-'));
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('uses ACCESSLEDGER_SECRET_KEY in base64 or hex', () => {
    const fromBase64 = loadSecretBox({
      engine: 'pg',
      env: { ACCESSLEDGER_SECRET_KEY: key.toString('base64') },
    });
    const fromHex = loadSecretBox({ engine: 'pg', env: { ACCESSLEDGER_SECRET_KEY: key.toString('hex') } });
    expect(fromBase64.fingerprint).toBe(new SecretBox(key).fingerprint);
    expect(fromHex.fingerprint).toBe(fromBase64.fingerprint);
  });

  it('explains a malformed key without echoing it', () => {
    const malformed = 'c2hvcnQta2V5LXRoYXQtaXMtbm90LTMyLWJ5dGVz';
    expect(() => loadSecretBox({ engine: 'pg', env: { ACCESSLEDGER_SECRET_KEY: malformed } })).toThrow(
      /must be 32 random bytes encoded as base64 \(44 characters\) or hex \(64 characters\)/,
    );
    try {
      loadSecretBox({ engine: 'pg', env: { ACCESSLEDGER_SECRET_KEY: malformed } });
    } catch (error) {
      expect((error as Error).message).not.toContain(malformed);
    }
  });

  it('requires the variable with a server database', () => {
    expect(() => loadSecretBox({ engine: 'pg', env: {} })).toThrow(/ACCESSLEDGER_SECRET_KEY is not set/);
  });

  it('generates a 0600 key file once on the embedded setup and reuses it', () => {
    const keyFile = path.join(directory, 'nested', 'secret.key');
    const first = loadSecretBox({ engine: 'pglite', env: {}, keyFile });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(loadSecretBox({ engine: 'pglite', env: {}, keyFile }).fingerprint).toBe(first.fingerprint);
  });

  it('refuses a key file that other users can read', () => {
    const keyFile = path.join(directory, 'loose.key');
    writeFileSync(keyFile, key.toString('base64'));
    chmodSync(keyFile, 0o644);
    expect(() => loadSecretBox({ engine: 'pglite', env: {}, keyFile })).toThrow(/chmod 600/);
  });
});
