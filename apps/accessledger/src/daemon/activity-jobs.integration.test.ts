import 'reflect-metadata';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import type { RunSucceeded } from '@accessledger/scheduler';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToEmulatedOrg } from '../emulated-connection.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { syncConnection } from '../sync-runner.js';
import { startDaemon, type RunningDaemon } from './daemon.js';

let emulator: EmulatorHandle;
let runtime: Runtime;
let daemon: RunningDaemon;
let dataRoot: string;

beforeAll(async () => {
  dataRoot = mkdtempSync(join(tmpdir(), 'accessledger-activity-jobs-'));
  emulator = await startEmulator({ org: generateOrg({ seed: 6, preset: 'tiny' }) });
  runtime = await openRuntime({
    env: { ACCESSLEDGER_DATA_DIR: join(dataRoot, 'db'), LOG_LEVEL: 'silent' },
    migrate: true,
  });
  // Synced once by hand; afterwards only activity is scheduled.
  const connection = await connectToEmulatedOrg(runtime, 'acme', emulator, { activity: '* * * * * *' });
  await syncConnection(runtime, connection, { signal: new AbortController().signal });
  daemon = await startDaemon(runtime, {
    host: '127.0.0.1',
    port: 0,
    refreshMs: 60_000,
    retry: { attempts: 1, backoffMs: 0 },
  });
});

afterAll(async () => {
  await daemon.stop(5_000);
  await runtime.close();
  await emulator.close();
  rmSync(dataRoot, { recursive: true, force: true });
});

describe('the daemon runs activity jobs on their own schedule', () => {
  it('schedules activity:<connection>, records activity runs and counts them in /metrics', async () => {
    expect(daemon.scheduler.jobNames()).toEqual(['activity:acme']);
    const succeeded = await new Promise<RunSucceeded>((resolve) => {
      const unsubscribe = daemon.scheduler.on('succeeded', (event) => {
        unsubscribe();
        resolve(event);
      });
    });
    expect(succeeded.jobName).toBe('activity:acme');
    expect(succeeded.outcome?.counts?.['activity']).toBe(21);
    const connection = await runtime.connectionNamed('acme');
    const kinds = (await runtime.runs.list(connection.id, { limit: 10 })).map((run) => run.kind);
    expect(kinds).toContain('activity');
    expect(kinds.filter((kind) => kind === 'sync')).toHaveLength(1);
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metrics).toMatch(
      /^accessledger_job_runs_total\{job="activity:acme",kind="activity",connection="acme",status="succeeded"\} [1-9]/m,
    );
  });
});
