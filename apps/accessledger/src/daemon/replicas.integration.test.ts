import 'reflect-metadata';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import type { RunSucceeded } from '@accessledger/scheduler';
import {
  createScratchDatabase,
  postgresSuiteTitle,
  skipPostgres,
  type ScratchDatabase,
} from '@accessledger/test-postgres';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToEmulatedOrg } from '../emulated-connection.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { startDaemon, type RunningDaemon } from './daemon.js';

describe.skipIf(skipPostgres)(postgresSuiteTitle('daemon replicas sharing one PostgreSQL database'), () => {
  let scratch: ScratchDatabase;
  let emulator: EmulatorHandle;
  const runtimes: Runtime[] = [];
  const daemons: RunningDaemon[] = [];
  const succeeded: RunSucceeded[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase('accessledger_app');
    emulator = await startEmulator({ org: generateOrg({ seed: 9, preset: 'tiny' }) });
    const env = {
      DATABASE_URL: scratch.url,
      ACCESSLEDGER_SECRET_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'silent',
    };
    for (let replica = 0; replica < 2; replica += 1) runtimes.push(await openRuntime({ env, migrate: true }));
    const [first] = runtimes as [Runtime];
    await connectToEmulatedOrg(first, 'acme', emulator, { sync: '*/2 * * * * *' });
    for (const runtime of runtimes) {
      const daemon = await startDaemon(runtime, {
        host: '127.0.0.1',
        port: 0,
        refreshMs: 60_000,
        retry: { attempts: 1, backoffMs: 0 },
      });
      daemon.scheduler.on('succeeded', (event) => succeeded.push(event));
      daemons.push(daemon);
    }
  });

  afterAll(async () => {
    for (const daemon of daemons) await daemon.stop(5_000);
    for (const runtime of runtimes) await runtime.close();
    await emulator?.close();
    await scratch?.drop();
  });

  it('runs each fire of a job on exactly one replica, and records one snapshot per run', async () => {
    while (succeeded.length < 4) await new Promise((resolve) => setTimeout(resolve, 100));
    for (const daemon of daemons) await daemon.stop(5_000);

    const slots = succeeded.map((event) => event.fireAt.toISOString());
    expect(new Set(slots).size).toBe(slots.length);
    const [runtime] = runtimes as [Runtime];
    const connection = await runtime.connectionNamed('acme');
    const snapshots = await runtime.snapshots.listSnapshots(connection.id, { limit: 100 });
    expect(snapshots).toHaveLength(succeeded.length);
    const runs = await runtime.runs.list(connection.id, { limit: 100 });
    expect(runs.filter((run) => run.status === 'succeeded')).toHaveLength(succeeded.length);
    expect(runs.filter((run) => run.status === 'running')).toEqual([]);
  });
});
