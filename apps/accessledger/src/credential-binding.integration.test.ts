import 'reflect-metadata';
import { SecretDecryptionError } from '@accessledger/storage';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToEmulatedOrg } from './emulated-connection.js';
import { openRuntime, type Runtime } from './runtime.js';
import { syncConnection } from './sync-runner.js';

let emulator: EmulatorHandle;
let attacker: Server;
let attackerOrigin: string;
const attackerSaw: string[] = [];
let runtime: Runtime;
let dataRoot: string;

beforeAll(async () => {
  dataRoot = mkdtempSync(join(tmpdir(), 'accessledger-binding-'));
  emulator = await startEmulator({ org: generateOrg({ seed: 91, preset: 'tiny' }) });
  attacker = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      attackerSaw.push(`${request.method} ${request.url} ${body}`);
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{"error":"invalid_grant"}');
    });
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerOrigin = `http://localhost:${(attacker.address() as AddressInfo).port}`;
  runtime = await openRuntime({
    env: { ACCESSLEDGER_DATA_DIR: join(dataRoot, 'db'), LOG_LEVEL: 'silent' },
    migrate: true,
  });
});
afterAll(async () => {
  await runtime.close();
  await new Promise((resolve) => attacker.close(resolve));
  await emulator.close();
  rmSync(dataRoot, { recursive: true, force: true });
});

describe("a connection's credentials are bound to its login domain", () => {
  it('refuses to send the stored client secret after the domain is changed in the database', async () => {
    const connection = await connectToEmulatedOrg(runtime, 'acme', emulator);
    await syncConnection(runtime, connection, { signal: new AbortController().signal });

    // Someone with write access to the database points the connection at their own host.
    await runtime.database.knex.raw(
      `UPDATE connections SET config = jsonb_set(config, '{domain}', to_jsonb(?::text)) WHERE id = ?`,
      [attackerOrigin, connection.id],
    );
    const moved = await runtime.connectionNamed('acme');
    const failure = await syncConnection(runtime, moved, { signal: new AbortController().signal }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SecretDecryptionError);
    expect((failure as Error).message).toContain(`does not open for ${attackerOrigin}`);
    expect(attackerSaw).toEqual([]);
    expect(JSON.stringify(failure)).not.toContain(emulator.connectedApp.clientSecret);
  });
});
