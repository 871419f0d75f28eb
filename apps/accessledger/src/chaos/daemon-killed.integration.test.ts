import 'reflect-metadata';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import {
  createScratchDatabase,
  postgresSuiteTitle,
  skipPostgres,
  type ScratchDatabase,
} from '@accessledger/test-postgres';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToEmulatedOrg } from '../emulated-connection.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { syncConnection } from '../sync-runner.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'accessledger.js');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(skipPostgres)(
  postgresSuiteTitle('chaos: the daemon SIGKILLed during the merge (PostgreSQL, the real binary)'),
  { timeout: 300_000 },
  () => {
    let scratch: ScratchDatabase;
    let emulator: EmulatorHandle;
    let runtime: Runtime;
    let env: Record<string, string>;
    const daemons: ChildProcess[] = [];

    beforeAll(async () => {
      scratch = await createScratchDatabase('accessledger_chaos');
      emulator = await startEmulator({ org: generateOrg({ seed: 71, users: 4_000 }) });
      env = {
        DATABASE_URL: scratch.url,
        ACCESSLEDGER_SECRET_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: 'silent',
      };
      runtime = await openRuntime({ env, migrate: true });
    });
    afterAll(async () => {
      for (const daemon of daemons) if (daemon.exitCode === null) daemon.kill('SIGKILL');
      await runtime?.close();
      await emulator?.close();
      await scratch?.drop();
    });

    function startDaemonProcess(): ChildProcess {
      // A short lease: the restarted daemon takes over the dead one's job 3 s after its last renewal.
      const daemon = spawn(
        process.execPath,
        [bin, 'daemon', '--port', '0', '--refresh', '1', '--lease', '3'],
        {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      daemons.push(daemon);
      return daemon;
    }

    it('leaves no partial snapshot; on restart the dead run is marked failed and the next run completes', async () => {
      // A probe connection to the same org measures the calls of one full sync.
      const probe = await connectToEmulatedOrg(runtime, 'probe', emulator);
      const used = emulator.org.apiUsage.used();
      await syncConnection(runtime, probe, { signal: new AbortController().signal });
      const callsPerSync = emulator.org.apiUsage.used() - used;

      const acme = await connectToEmulatedOrg(runtime, 'acme', emulator, { sync: '*/2 * * * * *' });
      const before = emulator.org.apiUsage.used();
      const first = startDaemonProcess();
      // Every query page of the run has been served and the run is still running: the daemon is merging.
      for (let tries = 0; ; tries += 1) {
        if (tries > 6_000) throw new Error('the daemon did not reach the merge within 60 s');
        if (emulator.org.apiUsage.used() - before >= callsPerSync) {
          const [run] = await runtime.runs.list(acme.id, { limit: 1 });
          if (run?.status === 'running') break;
        }
        await sleep(10);
      }
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));

      const [dead] = await runtime.runs.list(acme.id, { limit: 1 });
      expect(dead?.status).toBe('running');
      expect(await runtime.snapshots.latestSnapshot(acme.id)).toBeUndefined();
      const partial = await runtime.database.knex('snapshots').where({ sync_run_id: dead?.id }).first();
      expect(partial).toBeUndefined();

      // The restarted daemon marks the dead run failed and completes the next one.
      const second = startDaemonProcess();
      let latest;
      for (let tries = 0; !(latest = await runtime.snapshots.latestSnapshot(acme.id)); tries += 1) {
        if (tries > 1_200) throw new Error('the restarted daemon made no snapshot within 120 s');
        await sleep(100);
      }
      second.kill('SIGTERM');
      await new Promise((resolve) => second.once('exit', resolve));
      const marked = await runtime.runs.get(dead?.id ?? 0);
      expect(marked).toMatchObject({ status: 'failed', error: { code: 'ABANDONED' } });
      expect(latest.counts.accounts).toBeGreaterThan(4_000);
    });
  },
);
