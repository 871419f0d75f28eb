import 'reflect-metadata';
import { RateLimitedError } from '@accessledger/core';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import type { Connection } from '@accessledger/storage';
import {
  createScratchDatabase,
  postgresSuiteTitle,
  skipPostgres,
  type ScratchDatabase,
} from '@accessledger/test-postgres';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectToEmulatedOrg } from '../emulated-connection.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { syncConnection } from '../sync-runner.js';

/**
 * The chaos suite's sync half, through the app's own sync path, against the
 * emulated org over HTTP and a real PostgreSQL database.
 */
describe.skipIf(skipPostgres)(postgresSuiteTitle('chaos: a full sync under faults (PostgreSQL)'), () => {
  let scratch: ScratchDatabase;
  let emulator: EmulatorHandle;
  let runtime: Runtime;
  let connection: Connection;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    scratch = await createScratchDatabase('accessledger_chaos');
    emulator = await startEmulator({ org: generateOrg({ seed: 31, users: 6_000 }) });
    runtime = await openRuntime({
      env: {
        DATABASE_URL: scratch.url,
        ACCESSLEDGER_SECRET_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: 'silent',
      },
      migrate: true,
    });
    const created = await connectToEmulatedOrg(runtime, 'acme', emulator);
    // Small pages: many calls, so that every fault fires several times in one sync.
    connection = await runtime.connections.update(created.id, {
      config: { ...created.config, queryBatchSize: 200, minRemainingApiCalls: 0 },
    });
  });
  afterAll(async () => {
    await runtime?.close();
    await emulator?.close();
    await scratch?.drop();
  });
  beforeEach(() => emulator.faults.reset());

  it('gives a snapshot identical to a fault-free one under 5% 503s, 1% dropped connections and a session expiring every 200 calls', async () => {
    const clean = await syncConnection(runtime, connection, { signal });
    const [cleanRun] = await runtime.runs.list(connection.id, { limit: 1 });
    const requests = cleanRun?.apiUsage?.requests ?? 0;
    expect(requests).toBeGreaterThan(200);

    emulator.faults.set({ serverErrorRate: 0.05, dropConnectionRate: 0.01, expireTokenAfterCalls: 200 });
    const faulted = await syncConnection(runtime, connection, { signal });
    const counts = emulator.faults.counts;
    expect(counts.serverError503 + counts.serverError500).toBeGreaterThan(0);
    expect(counts.tokenExpired).toBeGreaterThan(0);

    // Identical: same counts, and not one version opened or closed against the fault-free snapshot.
    expect(faulted.snapshot.counts).toEqual(clean.snapshot.counts);
    expect(faulted.snapshot.versionsOpened).toBe(0);
    expect(faulted.snapshot.versionsClosed).toBe(0);
    const [faultedRun] = await runtime.runs.list(connection.id, { limit: 1 });
    expect(faultedRun?.status).toBe('succeeded');
    // The retries and renewals cost calls, and the run record says so.
    expect(faultedRun?.apiUsage?.requests).toBeGreaterThan(requests);
    console.info(
      `chaos sync: ${requests} calls fault-free, ${faultedRun?.apiUsage?.requests} under faults ` +
        `(503/500: ${counts.serverError503}/${counts.serverError500}, dropped: ${counts.droppedConnection}, ` +
        `sessions expired: ${counts.tokenExpired})`,
    );
  });

  it('fails with RateLimitedError when the daily API budget runs out mid-sync, keeps the previous snapshot, and succeeds after the reset', async () => {
    const before = await runtime.snapshots.latestSnapshot(connection.id);
    const [previousRun] = await runtime.runs.list(connection.id, { limit: 1 });
    const perSync = previousRun?.apiUsage?.requests ?? 0;
    // Room for half a sync before Salesforce answers REQUEST_LIMIT_EXCEEDED (403).
    emulator.faults.set({ dailyApiLimit: emulator.org.apiUsage.used() + Math.floor(perSync / 2) });
    const failure = await syncConnection(runtime, connection, { signal }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RateLimitedError);
    expect((failure as Error).message).toMatch(/API|limit/i);
    const [failedRun] = await runtime.runs.list(connection.id, { limit: 1 });
    expect(failedRun).toMatchObject({ status: 'failed', error: { code: 'RATE_LIMITED' } });
    expect((await runtime.snapshots.latestSnapshot(connection.id))?.id).toBe(before?.id);

    // The 24-hour window frees up: the next run succeeds and changes nothing.
    emulator.faults.reset();
    emulator.faults.set({ dailyApiLimit: emulator.org.apiUsage.used() + 100_000 });
    const next = await syncConnection(runtime, connection, { signal });
    expect(next.snapshot.id).toBeGreaterThan(before?.id ?? 0);
    expect(next.snapshot.versionsOpened + next.snapshot.versionsClosed).toBe(0);
  });
});
