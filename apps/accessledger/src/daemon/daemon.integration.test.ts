import 'reflect-metadata';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import type { RunSucceeded } from '@accessledger/scheduler';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToEmulatedOrg } from '../emulated-connection.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { startDaemon, type RunningDaemon } from './daemon.js';

let emulator: EmulatorHandle;
let runtime: Runtime;
let daemon: RunningDaemon;
let dataRoot: string;

function nextEvent<T>(subscribe: (listener: (event: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    const unsubscribe = subscribe((event) => {
      unsubscribe();
      resolve(event);
    });
  });
}

beforeAll(async () => {
  dataRoot = mkdtempSync(join(tmpdir(), 'accessledger-daemon-'));
  emulator = await startEmulator({ org: generateOrg({ seed: 5, preset: 'tiny' }) });
  runtime = await openRuntime({
    env: { ACCESSLEDGER_DATA_DIR: join(dataRoot, 'db'), LOG_LEVEL: 'silent' },
    migrate: true,
  });
  await connectToEmulatedOrg(runtime, 'acme', emulator, { sync: '* * * * * *' });
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

describe('the daemon on the embedded database', () => {
  it('syncs each connection on its schedule and serves /healthz and /metrics', async () => {
    const succeeded = await nextEvent<RunSucceeded>((listener) => daemon.scheduler.on('succeeded', listener));
    expect(succeeded.jobName).toBe('sync:acme');
    expect(succeeded.outcome?.summary).toMatch(/^snapshot #\d+$/);

    const health = await fetch(`${daemon.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'ok', jobs: ['sync:acme'] });

    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metrics).toMatch(/^accessledger_job_runs_total\{job="sync:acme",status="succeeded"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^accessledger_job_last_success_timestamp_seconds\{job="sync:acme"\} \d+/m);
    expect(metrics).toContain('accessledger_jobs_scheduled 1');
    expect((await fetch(`${daemon.url}/nope`)).status).toBe(404);

    // The run record carries the Salesforce calls the sync made and the org's daily budget.
    const connection = await runtime.connectionNamed('acme');
    const run = (await runtime.runs.list(connection.id, { limit: 20 })).find(
      (candidate) => candidate.status === 'succeeded',
    );
    expect(run?.apiUsage?.requests).toBeGreaterThan(3);
    expect(run?.apiUsage?.dailyMax).toBe(emulator.org.apiUsage.limit);
  });

  it('aborts a run in flight on stop, records it as aborted and keeps the previous snapshot as the latest', async () => {
    const connection = await runtime.connectionNamed('acme');
    const before = await runtime.snapshots.latestSnapshot(connection.id);
    // Slow every Salesforce call so that the next run is still going when the daemon stops.
    emulator.faults.set({ latencyMs: 400 });
    // Wait until a run is streaming from the org (its queries pass through the injected latency),
    // not merely fired.
    const latencyBefore = emulator.faults.counts.latency;
    for (let tries = 0; emulator.faults.counts.latency < latencyBefore + 2; tries += 1) {
      if (tries > 400) throw new Error('no run reached the org within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The embedded database answers while the sync streams: the writer holds no transaction meanwhile.
    const health = await fetch(`${daemon.url}/healthz`);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'ok' });
    expect((await runtime.runs.list(connection.id, { limit: 1 }))[0]?.status).toBe('running');
    const aborted = nextEvent<{ status: string; reason: string }>((listener) =>
      daemon.scheduler.on('aborted', listener),
    );
    await daemon.stop(10_000);
    expect(await aborted).toMatchObject({ status: 'aborted', reason: 'shutdown' });

    const [latestRun] = await runtime.runs.list(connection.id, { limit: 1 });
    expect(latestRun?.status).toBe('aborted');
    expect(latestRun?.error?.code).toBe('ABORTED');
    expect((await runtime.snapshots.latestSnapshot(connection.id))?.id).toBe(before?.id);
    emulator.faults.reset();
  });
});
