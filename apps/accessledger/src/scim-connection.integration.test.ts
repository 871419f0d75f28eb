import 'reflect-metadata';
import { startScimServer, type ScimServerHandle } from '@accessledger/scim-test-server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

/** The SCIM connector through the CLI: registered in the composition root, nothing else changed. */
const TOKEN_ENV = 'TEST_SCIM_TOKEN';
let scim: ScimServerHandle;
let dataRoot: string;

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    text: () => chunks.join(''),
  };
}

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const env = {
    ACCESSLEDGER_DATA_DIR: join(dataRoot, 'db'),
    [TOKEN_ENV]: 'scim-test-token',
    LOG_LEVEL: 'silent',
  };
  const code = await runCli(argv, { stdout: stdout.stream, stderr: stderr.stream, env });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

beforeAll(async () => {
  dataRoot = mkdtempSync(join(tmpdir(), 'accessledger-scim-'));
  scim = await startScimServer();
  const ada = scim.store.create('User', { userName: 'ada@example.com', active: true }).id;
  scim.store.create('Group', { displayName: 'Admins', members: [{ value: ada }] });
});

afterAll(async () => {
  await scim.close();
  rmSync(dataRoot, { recursive: true, force: true });
});

describe('accessledger connections add --connector scim', () => {
  it('adds, validates, syncs twice without new versions, and plans a revoke', async () => {
    const config = JSON.stringify({ baseUrl: scim.baseUrl, auth: { method: 'bearer' } });
    const added = await cli(
      'connections',
      'add',
      'acme-app',
      '--connector',
      'scim',
      '--config',
      config,
      '--secret',
      `token=env:${TOKEN_ENV}`,
    );
    expect([added.code, added.stderr]).toEqual([0, '']);
    expect(added.stdout).toContain('Added connection "acme-app" (scim, id 1) with credentials token.');

    const validated = await cli('connections', 'validate', 'acme-app');
    expect(validated.stdout).toContain('discovery: ServiceProviderConfig: PATCH, filter, ETags');

    const first = await cli('sync', 'acme-app');
    expect(first.stdout).toContain('1 accounts, 1 entitlements, 1 grants; 3 versions opened');
    const second = await cli('sync', 'acme-app');
    expect(second.stdout).toContain('0 versions opened, 0 closed');

    const planned = await cli('revoke', 'acme-app', 'ada@example.com', 'group', 'Admins', '--dry-run');
    expect(planned.stdout).toMatch(/PATCH \/scim\/v2\/Groups\/[\w-]+/);
    expect(scim.requests.filter((request) => request.method === 'PATCH')).toEqual([]);
  });
});
