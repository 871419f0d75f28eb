import 'reflect-metadata';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import type { RunSucceeded } from '@accessledger/scheduler';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialNames } from '@accessledger/connector-salesforce';
import type { RunFailed } from '@accessledger/scheduler';
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
    // The next fire may already be syncing (every second), and then the embedded database is not asked.
    expect(await health.json()).toEqual({
      status: 'ok',
      reasons: [],
      database: expect.stringMatching(/^(ok|in use by a running sync)$/),
      failing: [],
      jobs: ['sync:acme'],
    });

    const response = await fetch(`${daemon.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const metrics = await response.text();
    expect(metrics).toMatch(
      /^accessledger_job_runs_total\{job="sync:acme",kind="sync",connection="acme",status="succeeded"\} [1-9]\d*$/m,
    );
    expect(metrics).toMatch(
      /^accessledger_job_last_success_timestamp_seconds\{job="sync:acme",kind="sync",connection="acme"\} \d+/m,
    );
    expect(metrics).toContain('accessledger_jobs_scheduled 1');
    // Durations are a histogram; items and API usage come from the run; process metrics from prom-client.
    expect(metrics).toMatch(
      /^accessledger_job_duration_seconds_bucket\{le="\+Inf",job="sync:acme",kind="sync",status="succeeded"\} [1-9]/m,
    );
    expect(metrics).toMatch(
      /^accessledger_items_synced_total\{connection="acme",item="accounts"\} [1-9]\d*$/m,
    );
    expect(metrics).toMatch(/^accessledger_api_requests_total\{connection="acme"\} [1-9]\d*$/m);
    expect(metrics).toMatch(
      new RegExp(`^accessledger_api_daily_limit\\{connection="acme"\\} ${emulator.org.apiUsage.limit}$`, 'm'),
    );
    expect(metrics).toMatch(/^accessledger_api_daily_used\{connection="acme"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
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

describe('/healthz of a daemon whose runs fail or whose database is unusable', () => {
  it('answers 503 with the reason once a connection failed N runs in a row, and 200 again after a success', async () => {
    const root = mkdtempSync(join(tmpdir(), 'accessledger-health-'));
    const local = await openRuntime({
      env: { ACCESSLEDGER_DATA_DIR: join(root, 'db'), LOG_LEVEL: 'silent' },
      migrate: true,
    });
    const connection = await connectToEmulatedOrg(local, 'broken', emulator, { sync: '* * * * * *' });
    await local.credentialsOf(connection).set(CredentialNames.clientSecret, 'not-the-secret');
    const running = await startDaemon(local, {
      host: '127.0.0.1',
      port: 0,
      refreshMs: 60_000,
      retry: { attempts: 1, backoffMs: 0 },
      unhealthyAfterFailures: 2,
    });
    try {
      await nextEvent<RunFailed>((listener) => running.scheduler.on('failed', listener));
      const once = await fetch(`${running.url}/healthz`);
      expect(once.status).toBe(200);
      await nextEvent<RunFailed>((listener) => running.scheduler.on('failed', listener));
      const twice = await fetch(`${running.url}/healthz`);
      expect(twice.status).toBe(503);
      const body = (await twice.json()) as { status: string; reasons: string[] };
      expect(body.status).toBe('unhealthy');
      expect(body.reasons).toEqual([
        expect.stringMatching(
          /^connection "broken": its last [2-9]\d* sync runs failed \(latest AUTH_FAILED\)$/,
        ),
      ]);

      // The secret is fixed: the next run succeeds and the daemon is healthy again.
      await local
        .credentialsOf(connection)
        .set(CredentialNames.clientSecret, emulator.connectedApp.clientSecret);
      await nextEvent<RunSucceeded>((listener) => running.scheduler.on('succeeded', listener));
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    } finally {
      await running.stop(5_000);
      await local.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('answers 503 when the database answers a ping but its tables do not', async () => {
    const root = mkdtempSync(join(tmpdir(), 'accessledger-health-'));
    const local = await openRuntime({
      env: { ACCESSLEDGER_DATA_DIR: join(root, 'db'), LOG_LEVEL: 'silent' },
      migrate: true,
    });
    const running = await startDaemon(local, {
      host: '127.0.0.1',
      port: 0,
      refreshMs: 60_000,
      retry: { attempts: 1, backoffMs: 0 },
    });
    try {
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
      await local.database.knex.raw('ALTER TABLE sync_runs RENAME TO sync_runs_damaged');
      const damaged = await fetch(`${running.url}/healthz`);
      expect(damaged.status).toBe(503);
      expect(await damaged.json()).toMatchObject({
        status: 'unhealthy',
        reasons: [expect.stringMatching(/^database unusable: .*sync_runs/)],
      });
      await local.database.knex.raw('ALTER TABLE sync_runs_damaged RENAME TO sync_runs');
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    } finally {
      await running.stop(5_000);
      await local.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
