import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { embeddedKeyFile, secretKeySource } from './runtime.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function scratch(): string {
  const root = mkdtempSync(join(tmpdir(), 'accessledger-key-'));
  roots.push(root);
  return root;
}

describe('the embedded key file', () => {
  it('lives inside the data folder, so two data folders never share one', () => {
    const root = scratch();
    expect(embeddedKeyFile(join(root, 'a'))).toBe(join(root, 'a', 'secret.key'));
    expect(embeddedKeyFile(join(root, 'b'))).toBe(join(root, 'b', 'secret.key'));
  });

  it('takes over a key file an older version left beside the folder, mode 0600', () => {
    const root = scratch();
    writeFileSync(join(root, 'secret.key'), 'old-key\n', { mode: 0o600 });
    const keyFile = embeddedKeyFile(join(root, 'db'));
    expect(readFileSync(keyFile, 'utf8')).toBe('old-key\n');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  });

  it('names where the key comes from, never the key', () => {
    expect(secretKeySource({ ACCESSLEDGER_SECRET_KEY: 'x'.repeat(44) }, '/d/secret.key')).toBe(
      'ACCESSLEDGER_SECRET_KEY',
    );
    expect(secretKeySource({}, '/d/secret.key')).toBe('key file /d/secret.key');
  });
});
