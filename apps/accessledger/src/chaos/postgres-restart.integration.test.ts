import 'reflect-metadata';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import type { RunFailed, RunRetrying, RunSucceeded } from '@accessledger/scheduler';
import {
  createScratchDatabase,
  postgresSuiteTitle,
  skipPostgres,
  type ScratchDatabase,
} from '@accessledger/test-postgres';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../../test/tcp-proxy.js';
import { startDaemon, type RunningDaemon } from '../daemon/daemon.js';
import { connectToEmulatedOrg } from '../emulated-connection.js';
import { openRuntime, type Runtime } from '../runtime.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * PostgreSQL "restarts" under a running daemon: a TCP proxy we control sits
 * between the daemon and the shared server, and is cut (every connection
 * dropped, new ones refused) and restored, so the shared server is never touched.
 */
describe.skipIf(skipPostgres)(
  postgresSuiteTitle('chaos: PostgreSQL restarted during a run (a TCP proxy cut and restored)'),
  { timeout: 180_000 },
  () => {
    let scratch: ScratchDatabase;
    let emulator: EmulatorHandle;
    let proxy: TcpProxy;
    let runtime: Runtime;
    let daemon: RunningDaemon;
    const events: { kind: string; at: number; error?: string }[] = [];

    beforeAll(async () => {
      scratch = await createScratchDatabase('accessledger_chaos');
      const target = new URL(scratch.url);
      proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      const viaProxy = new URL(scratch.url);
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      emulator = await startEmulator({ org: generateOrg({ seed: 81, preset: 'tiny' }) });
      runtime = await openRuntime({
        env: {
          DATABASE_URL: viaProxy.toString(),
          ACCESSLEDGER_SECRET_KEY: randomBytes(32).toString('base64'),
          LOG_LEVEL: 'silent',
        },
        migrate: true,
      });
      await connectToEmulatedOrg(runtime, 'acme', emulator, { sync: '*/3 * * * * *' });
    });
    afterAll(async () => {
      await daemon?.stop(5_000);
      await runtime?.close();
      await proxy?.close();
      await emulator?.close();
      await scratch?.drop();
    });

    it('fails the run in flight cleanly, retries it, and reconnects without a restart', async () => {
      // Every Salesforce call is slow, so that a run is in flight when the database goes away.
      emulator.faults.set({ latencyMs: 150 });
      daemon = await startDaemon(runtime, {
        host: '127.0.0.1',
        port: 0,
        refreshMs: 60_000,
        retry: { attempts: 3, backoffMs: 1_500 },
      });
      daemon.scheduler.on('retrying', (event: RunRetrying) =>
        events.push({ kind: 'retrying', at: Date.now(), error: event.error.code }),
      );
      daemon.scheduler.on('failed', (event: RunFailed) =>
        events.push({ kind: 'failed', at: Date.now(), error: event.error.code }),
      );
      daemon.scheduler.on('succeeded', (_event: RunSucceeded) =>
        events.push({ kind: 'succeeded', at: Date.now() }),
      );

      // Wait until a run streams from the org, then take the database away for two seconds.
      const latencyBefore = emulator.faults.counts.latency;
      while (emulator.faults.counts.latency < latencyBefore + 3) await sleep(20);
      proxy.cut();
      const cutAt = Date.now();
      await sleep(1_000);
      const down = await fetch(`${daemon.url}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ reasons: [expect.stringMatching(/^database unusable: /)] });
      await sleep(1_000);
      proxy.restore();

      // The same daemon, never restarted, retries and completes a run.
      for (
        let tries = 0;
        !events.some((event) => event.kind === 'succeeded' && event.at > cutAt);
        tries += 1
      ) {
        if (tries > 1_200) throw new Error(`no run succeeded after the restore: ${JSON.stringify(events)}`);
        await sleep(100);
      }
      expect(events.some((event) => event.kind === 'retrying' || event.kind === 'failed')).toBe(true);
      expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);

      const connection = await runtime.connectionNamed('acme');
      const runs = await runtime.runs.list(connection.id, { limit: 50 });
      // The run the outage hit is recorded as failed, not left running; a later one succeeded.
      expect(runs.some((run) => run.status === 'failed' && run.startedAt.getTime() < cutAt + 2_000)).toBe(
        true,
      );
      expect(runs.some((run) => run.status === 'succeeded')).toBe(true);
      expect(runs.filter((run) => run.status === 'running' && run.startedAt.getTime() < cutAt)).toEqual([]);
      const snapshot = await runtime.snapshots.latestSnapshot(connection.id);
      expect(snapshot?.counts.accounts).toBeGreaterThan(0);
    });
  },
);
