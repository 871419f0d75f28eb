import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidConfigError } from '@accessledger/core';
import type { Engine } from '../database.js';
import { SECRET_KEY_BYTES, SecretBox } from './secret-box.js';

/** Where the embedded setup keeps its generated key, relative to the working directory. */
export const DEFAULT_SECRET_KEY_FILE = path.join('.accessledger', 'secret.key');

export interface SecretKeyOptions {
  readonly engine: Engine;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The embedded setup's key file; default `.accessledger/secret.key` under the working directory. */
  readonly keyFile?: string;
}

const HOW_TO_GENERATE = 'Generate one with `openssl rand -base64 32`.';

/**
 * The key that seals credentials: `ACCESSLEDGER_SECRET_KEY` (32 bytes, base64
 * or hex) when set; otherwise, on the embedded engine only, a key generated
 * once into a 0600 key file. A server database needs the variable: a key file
 * on one host would leave other replicas unable to read the credentials.
 */
export function loadSecretBox(options: SecretKeyOptions): SecretBox {
  const configured = (options.env ?? process.env)['ACCESSLEDGER_SECRET_KEY']?.trim();
  if (configured) return new SecretBox(decodeKey(configured));
  if (options.engine === 'pg') {
    throw new InvalidConfigError(
      `ACCESSLEDGER_SECRET_KEY is not set; with DATABASE_URL, credentials are encrypted with a key you provide. ${HOW_TO_GENERATE}`,
      [{ path: 'ACCESSLEDGER_SECRET_KEY', message: 'required with DATABASE_URL' }],
    );
  }
  return new SecretBox(readOrCreateKeyFile(path.resolve(options.keyFile ?? DEFAULT_SECRET_KEY_FILE)));
}

function decodeKey(text: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (
    key.length !== SECRET_KEY_BYTES ||
    (!/^[0-9a-fA-F]{64}$/.test(text) && key.toString('base64') !== normalizeBase64(text))
  ) {
    // Never echo the value: a mistyped key is still mostly a key.
    throw new InvalidConfigError(
      `ACCESSLEDGER_SECRET_KEY must be ${SECRET_KEY_BYTES} random bytes encoded as base64 (44 characters) or hex (64 characters). ${HOW_TO_GENERATE}`,
      [{ path: 'ACCESSLEDGER_SECRET_KEY', message: 'not a 32-byte base64 or hex value' }],
    );
  }
  return key;
}

function normalizeBase64(text: string): string {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  return standard.padEnd(Math.ceil(standard.length / 4) * 4, '=');
}

function readOrCreateKeyFile(file: string): Buffer {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    mkdirSync(path.dirname(file), { recursive: true });
    const key = randomBytes(SECRET_KEY_BYTES);
    // 'wx' fails if another process created the file meanwhile; then read theirs.
    try {
      writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      return key;
    } catch {
      return readOrCreateKeyFile(file);
    }
  }
  if ((mode & 0o077) !== 0) {
    throw new InvalidConfigError(
      `The secret key file ${file} is readable by other users (mode ${mode.toString(8)}); run \`chmod 600 ${file}\`.`,
      [{ path: 'secretKeyFile', message: 'permissions too open' }],
    );
  }
  const text = readFileSync(file, 'utf8').trim();
  try {
    return decodeKey(text);
  } catch {
    throw new InvalidConfigError(
      `The secret key file ${file} does not hold a ${SECRET_KEY_BYTES}-byte base64 key. Restore it from a backup; ` +
        `if it is lost, delete it and store every connection's credentials again.`,
      [{ path: 'secretKeyFile', message: 'malformed' }],
    );
  }
}
