import 'reflect-metadata';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import type { Connection } from '@accessledger/storage';
import {
  createScratchDatabase,
  postgresSuiteTitle,
  skipPostgres,
  type ScratchDatabase,
} from '@accessledger/test-postgres';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrgProxy, type OrgProxy } from '../../test/org-proxy.js';
import { connectToEmulatedOrg } from '../emulated-connection.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { syncConnection } from '../sync-runner.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'accessledger.js');
const RECORDS = 240;

describe.skipIf(skipPostgres)(
  postgresSuiteTitle('chaos: a transfer killed half-way and run again (PostgreSQL, the real binary)'),
  () => {
    let scratch: ScratchDatabase;
    let emulator: EmulatorHandle;
    let proxy: OrgProxy;
    let runtime: Runtime;
    let connection: Connection;
    let env: Record<string, string>;
    /** How many times each record's OwnerId was PATCHed through composite/batch, by record id. */
    const patches = new Map<string, number>();
    let batchesAnswered = 0;

    beforeAll(async () => {
      scratch = await createScratchDatabase('accessledger_chaos');
      emulator = await startEmulator({ org: generateOrg({ seed: 51, preset: 'tiny' }) });
      proxy = await startOrgProxy(emulator.baseUrl);
      proxy.onExchange((exchange) => {
        if (exchange.method !== 'POST' || !exchange.url.endsWith('/composite/batch')) return;
        const batch = JSON.parse(exchange.requestBody) as { batchRequests: { url: string }[] };
        for (const subrequest of batch.batchRequests) {
          const recordId = subrequest.url.split('/').pop() ?? '';
          patches.set(recordId, (patches.get(recordId) ?? 0) + 1);
        }
        batchesAnswered += 1;
      });
      env = {
        DATABASE_URL: scratch.url,
        ACCESSLEDGER_SECRET_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: 'silent',
      };
      runtime = await openRuntime({ env, migrate: true });
      connection = await connectToEmulatedOrg(runtime, 'acme', { ...emulator, baseUrl: proxy.origin });
      await syncConnection(runtime, connection, { signal: new AbortController().signal });
    });
    afterAll(async () => {
      await runtime?.close();
      await proxy?.close();
      await emulator?.close();
      await scratch?.drop();
    });

    function transfer(from: string, to: string, onBatch?: (child: ReturnType<typeof spawn>) => void) {
      const child = spawn(
        process.execPath,
        [bin, 'deprovision', 'acme', from, 'transfer', '--to', to, '--objects', 'Account'],
        { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      if (onBatch) {
        const watch = setInterval(() => onBatch(child), 5);
        child.on('exit', () => clearInterval(watch));
      }
      return new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal, output })),
      );
    }

    it('moves every record exactly once across a SIGKILLed run and the next one, and the audit trail shows both', async () => {
      const users = emulator.org.find('User', { IsActive: true });
      const from = String(users.find((user) => user['Id'] !== emulator.org.adminUserId)?.['Id']);
      const to = String(
        users.find((user) => user['Id'] !== emulator.org.adminUserId && user['Id'] !== from)?.['Id'],
      );
      for (let index = 0; index < RECORDS; index += 1)
        emulator.org.create('Account', { Name: `Chaos transfer ${index}`, OwnerId: from });
      const owned = (owner: string): string[] =>
        emulator.org.find('Account', { OwnerId: owner }).map((row) => String(row['Id']));
      const toBefore = owned(to).length;
      const records = owned(from);
      expect(records.length).toBeGreaterThanOrEqual(RECORDS);

      // The first run is killed (SIGKILL: no cleanup, no resume token) once three batches are answered.
      const killed = await transfer(from, to, (child) => {
        if (batchesAnswered >= 3 && child.exitCode === null) child.kill('SIGKILL');
      });
      expect(killed.signal).toBe('SIGKILL');
      const movedByFirst = records.length - owned(from).length;
      expect(movedByFirst).toBeGreaterThanOrEqual(75);
      expect(owned(from).length).toBeGreaterThan(0);

      // Run again from the start, without a token: it lists only what the user still owns.
      const again = await transfer(from, to);
      expect(again.output).toMatch(/Moved: Account: \d+/);
      expect(again.code).toBe(0);
      expect(owned(from)).toEqual([]);
      expect(owned(to).length).toBe(toBefore + records.length);
      for (const record of records) expect(patches.get(record), record).toBe(1);

      const audit = await runtime.audit.list({ connectionName: 'acme' });
      expect(audit.map((entry) => [entry.operation, entry.outcome])).toEqual([
        ['transfer', 'changed'],
        ['transfer', 'running'],
      ]);
      expect(audit[0]?.calls.length).toBe(Math.ceil((records.length - movedByFirst) / 25));
    });
  },
);
