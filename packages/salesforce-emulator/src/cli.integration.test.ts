import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'bin', 'accessledger-emulator.js');
const workDir = mkdtempSync(join(tmpdir(), 'accessledger-emulator-cli-'));

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('accessledger-emulator (the real binary)', { timeout: 60_000 }, () => {
  it('writes what a person needs to try each auth flow, the JWT private key included, to a 0600 file', async () => {
    const authFile = join(workDir, 'auth.txt');
    const child = spawn(
      process.execPath,
      [bin, '--preset', 'tiny', '--password', 'Try-Passw0rd', '--auth-file', authFile],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          if (output.includes('written to')) {
            clearInterval(poll);
            resolve();
          }
        }, 100);
        child.once('exit', (code) => {
          clearInterval(poll);
          reject(new Error(`exited ${code}: ${output}`));
        });
      });
      const baseUrl = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
      expect(output).not.toContain('Try-Passw0rd');
      expect(output).not.toContain('PRIVATE KEY');
      expect(statSync(authFile).mode & 0o777).toBe(0o600);
      const guide = readFileSync(authFile, 'utf8');
      expect(guide).toContain('password:       Try-Passw0rd');
      expect(guide).toContain('http://127.0.0.1:1717/OauthRedirect');
      expect(guide).toContain(`${baseUrl}/setup/connect`);
      expect(guide).toMatch(/client secret:\s+[0-9A-F]{64}/);
      expect(guide).toContain('-----BEGIN PRIVATE KEY-----');
      // The login page it points at is there.
      const authorize = await fetch(
        `${baseUrl}/services/oauth2/authorize?${new URLSearchParams({
          response_type: 'code',
          client_id: /client id:\s+(\S+)/.exec(guide)?.[1] ?? '',
          redirect_uri: 'http://127.0.0.1:1717/OauthRedirect',
        })}`,
      );
      expect(authorize.status).toBe(200);
      expect(await authorize.text()).toContain('name="password"');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
