import {
  AbortedError,
  AuthError,
  InvalidConfigError,
  NotFoundError,
  TransientError,
  throwIfAborted,
} from '@accessledger/core';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessRunCoordinator } from './coordinator.js';
import type { Lease, RunCoordinator } from './coordinator.js';
import { Scheduler } from './scheduler.js';
import type { SchedulerOptions } from './scheduler.js';
import { gate, nextEvent, recordEvents } from './testing/events.js';

const schedulers: Scheduler[] = [];
const instantSleeps: number[] = [];

function makeScheduler(options: SchedulerOptions = {}): Scheduler {
  const scheduler = new Scheduler({
    sleep: async (ms, signal) => {
      instantSleeps.push(ms);
      throwIfAborted(signal);
    },
    random: () => 0.5,
    ...options,
  });
  schedulers.push(scheduler);
  return scheduler;
}

/** Resolves when the signal fires, then throws as a well-behaved job does. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(new AbortedError('stopped', { cause: signal.reason })), {
      once: true,
    });
  });
}

afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((scheduler) => scheduler.stop({ graceMs: 1_000 })));
  instantSleeps.length = 0;
});

describe('Scheduler.add', () => {
  it('refuses an invalid cron expression before anything runs', () => {
    const scheduler = makeScheduler();
    expect(() =>
      scheduler.add({ name: 'sync:acme', cron: '* 25 * * *', run: async () => undefined }),
    ).toThrow(/Job "sync:acme" has an invalid cron expression "\* 25 \* \* \*".*hour/);
    expect(scheduler.jobNames()).toEqual([]);
  });

  it('refuses a second job with the same name', () => {
    const scheduler = makeScheduler();
    scheduler.add({ name: 'sync:acme', cron: '0 3 * * *', run: async () => undefined });
    expect(() => scheduler.add({ name: 'sync:acme', cron: '0 4 * * *', run: async () => undefined })).toThrow(
      /already scheduled/,
    );
  });

  it('refuses a heartbeat that would not renew the lease before it expires', () => {
    expect(() => new Scheduler({ leaseMs: 1_000, heartbeatMs: 1_000 })).toThrow(InvalidConfigError);
  });
});

describe('Scheduler.runNow', () => {
  it('runs the job and resolves with its outcome', async () => {
    const scheduler = makeScheduler();
    const started = recordEvents(scheduler, 'started');
    scheduler.add({ name: 'sync:acme', cron: '0 3 * * *', run: async () => ({ summary: '12 grants' }) });
    const report = await scheduler.runNow('sync:acme');
    expect(report).toMatchObject({
      status: 'succeeded',
      trigger: 'manual',
      attempts: 1,
      outcome: { summary: '12 grants' },
    });
    expect(started.map((event) => event.runId)).toEqual([report.runId]);
  });

  it('says which jobs exist when the name is unknown', async () => {
    const scheduler = makeScheduler();
    scheduler.add({ name: 'sync:acme', cron: '0 3 * * *', run: async () => undefined });
    await expect(scheduler.runNow('sync:globex')).rejects.toThrow(NotFoundError);
    await expect(scheduler.runNow('sync:globex')).rejects.toThrow(/Known jobs: sync:acme/);
  });

  it('skips a run while the job is already running in this process', async () => {
    const scheduler = makeScheduler();
    const release = gate();
    scheduler.add({ name: 'sync:acme', cron: '0 3 * * *', run: () => release.opened });
    const first = scheduler.runNow('sync:acme');
    const skipped = nextEvent(scheduler, 'skipped');
    const second = await scheduler.runNow('sync:acme');
    expect(second).toMatchObject({ status: 'skipped', reason: 'overlap' });
    expect(await skipped).toMatchObject({ jobName: 'sync:acme', reason: 'overlap' });
    release.open();
    expect((await first).status).toBe('succeeded');
  });
});

describe('noOverlap on the cron schedule', () => {
  it('skips fires while the previous run is still going', async () => {
    const scheduler = makeScheduler({ timezone: 'UTC' });
    const release = gate();
    scheduler.add({ name: 'sync:acme', cron: '* * * * * *', run: () => release.opened });
    const started = nextEvent(scheduler, 'started');
    const skipped = nextEvent(scheduler, 'skipped', (event) => event.reason === 'overlap');
    scheduler.start();
    const run = await started;
    const skip = await skipped;
    expect(skip).toMatchObject({ jobName: 'sync:acme', reason: 'overlap', trigger: 'scheduled' });
    expect(skip.fireAt.getTime()).toBeGreaterThan(run.fireAt.getTime());
    const succeeded = nextEvent(scheduler, 'succeeded');
    release.open();
    expect((await succeeded).runId).toBe(run.runId);
  });
});

describe('retries', () => {
  it('retries a retryable error with growing backoff, then succeeds', async () => {
    const scheduler = makeScheduler();
    const retrying = recordEvents(scheduler, 'retrying');
    let tries = 0;
    scheduler.add({
      name: 'sync:acme',
      cron: '0 3 * * *',
      retry: { attempts: 4, backoffMs: 100 },
      run: async () => {
        tries += 1;
        if (tries < 3) throw new TransientError('Salesforce answered 503');
        return { summary: 'ok' };
      },
    });
    const report = await scheduler.runNow('sync:acme');
    expect(report).toMatchObject({ status: 'succeeded', attempts: 3 });
    // Equal jitter with random() = 0.5: three quarters of 100, then of 200.
    expect(instantSleeps).toEqual([75, 150]);
    expect(retrying.map((event) => [event.failedAttempt, event.error.code])).toEqual([
      [1, 'TRANSIENT'],
      [2, 'TRANSIENT'],
    ]);
  });

  it('gives up after the last attempt and reports the last error', async () => {
    const scheduler = makeScheduler();
    const failed = nextEvent(scheduler, 'failed');
    scheduler.add({
      name: 'sync:acme',
      cron: '0 3 * * *',
      retry: { attempts: 3, backoffMs: 10 },
      run: async () => {
        throw new TransientError('still down');
      },
    });
    const report = await scheduler.runNow('sync:acme');
    expect(report).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { code: 'TRANSIENT', message: 'still down' },
    });
    expect((await failed).runId).toBe(report.runId);
  });

  it('does not retry a non-retryable error', async () => {
    const scheduler = makeScheduler();
    let tries = 0;
    scheduler.add({
      name: 'sync:acme',
      cron: '0 3 * * *',
      retry: { attempts: 5, backoffMs: 10, retryUnclassifiedErrors: true },
      run: async () => {
        tries += 1;
        throw new AuthError('The refresh token was revoked; reconnect the org.');
      },
    });
    const report = await scheduler.runNow('sync:acme');
    expect(report).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'AUTH_FAILED', retryable: false },
    });
    expect(tries).toBe(1);
    expect(instantSleeps).toEqual([]);
  });

  it('retries a plain Error only when the policy asks for it', async () => {
    const scheduler = makeScheduler();
    let tries = 0;
    const failing = async (): Promise<void> => {
      tries += 1;
      throw new Error('socket hang up');
    };
    scheduler.add({ name: 'strict', cron: '0 3 * * *', retry: { attempts: 3, backoffMs: 1 }, run: failing });
    scheduler.add({
      name: 'lenient',
      cron: '0 3 * * *',
      retry: { attempts: 3, backoffMs: 1, retryUnclassifiedErrors: true },
      run: failing,
    });
    expect(await scheduler.runNow('strict')).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'INTERNAL' },
    });
    expect(await scheduler.runNow('lenient')).toMatchObject({ status: 'failed', attempts: 3 });
    expect(tries).toBe(4);
  });
});

describe('Scheduler.stop', () => {
  it('aborts a run in flight through its signal and reports it aborted', async () => {
    const scheduler = makeScheduler();
    const aborted = nextEvent(scheduler, 'aborted');
    const started = nextEvent(scheduler, 'started');
    scheduler.add({ name: 'sync:acme', cron: '0 3 * * *', run: untilAborted });
    const running = scheduler.runNow('sync:acme');
    await started;
    const stopped = await scheduler.stop({ graceMs: 10_000 });
    expect(stopped).toEqual({ inFlight: 1, abandoned: [] });
    expect(await aborted).toMatchObject({ reason: 'shutdown', settled: true, jobName: 'sync:acme' });
    expect(await running).toMatchObject({ status: 'aborted', reason: 'shutdown' });
    await expect(scheduler.runNow('sync:acme')).rejects.toThrow(/has been stopped/);
  });

  it('aborts a backoff wait', async () => {
    const scheduler = makeScheduler({
      sleep: (_ms, signal) => untilAborted(signal),
    });
    const retrying = nextEvent(scheduler, 'retrying');
    scheduler.add({
      name: 'sync:acme',
      cron: '0 3 * * *',
      retry: { attempts: 3, backoffMs: 60_000 },
      run: async () => {
        throw new TransientError('503');
      },
    });
    const running = scheduler.runNow('sync:acme');
    await retrying;
    await scheduler.stop({ graceMs: 10_000 });
    expect(await running).toMatchObject({ status: 'aborted', reason: 'shutdown', attempts: 1 });
  });

  it('abandons a run that ignores its signal after the grace period', async () => {
    const scheduler = makeScheduler();
    const started = nextEvent(scheduler, 'started');
    const aborted = recordEvents(scheduler, 'aborted');
    const never = gate();
    scheduler.add({ name: 'sync:acme', cron: '0 3 * * *', run: () => never.opened });
    const running = scheduler.runNow('sync:acme');
    await started;
    const stopped = await scheduler.stop({ graceMs: 5 });
    expect(stopped.abandoned).toHaveLength(1);
    expect(stopped.abandoned[0]).toMatchObject({ status: 'aborted', settled: false });
    never.open();
    // The late settlement is not reported a second time.
    expect(await running).toMatchObject({ status: 'aborted', settled: false });
    expect(aborted).toHaveLength(1);
  });

  it('stops cron fires at once', async () => {
    const scheduler = makeScheduler();
    const started = recordEvents(scheduler, 'started');
    scheduler.add({ name: 'sync:acme', cron: '* * * * * *', run: async () => undefined });
    scheduler.start();
    await scheduler.stop();
    expect(scheduler.nextFire('sync:acme')).toBeNull();
    expect(started).toEqual([]);
  });
});

describe('Scheduler.remove', () => {
  it('aborts the job in flight and forgets it', async () => {
    const scheduler = makeScheduler();
    const started = nextEvent(scheduler, 'started');
    scheduler.add({ name: 'sync:acme', cron: '0 3 * * *', run: untilAborted });
    const running = scheduler.runNow('sync:acme');
    await started;
    expect(scheduler.remove('sync:acme')).toBe(true);
    expect(await running).toMatchObject({ status: 'aborted', reason: 'removed' });
    expect(scheduler.jobNames()).toEqual([]);
    expect(scheduler.remove('sync:acme')).toBe(false);
  });
});

describe('leases', () => {
  it('aborts the run when the lease is lost', async () => {
    const inner = new InProcessRunCoordinator();
    const losing: RunCoordinator = {
      holder: inner.holder,
      claim: (request) => inner.claim(request),
      renew: async (_lease: Lease) => null,
      release: (lease) => inner.release(lease),
    };
    const scheduler = makeScheduler({ coordinator: losing, leaseMs: 30, heartbeatMs: 5 });
    scheduler.add({ name: 'sync:acme', cron: '0 3 * * *', run: untilAborted });
    expect(await scheduler.runNow('sync:acme')).toMatchObject({ status: 'aborted', reason: 'lease-lost' });
  });

  it('skips fail-closed when the coordinator is unavailable', async () => {
    const broken: RunCoordinator = {
      holder: 'replica-a',
      claim: async () => {
        throw new TransientError('connection refused');
      },
      renew: async () => null,
      release: async () => undefined,
    };
    const scheduler = makeScheduler({ coordinator: broken });
    let ran = false;
    scheduler.add({
      name: 'sync:acme',
      cron: '0 3 * * *',
      run: async () => {
        ran = true;
      },
    });
    expect(await scheduler.runNow('sync:acme')).toMatchObject({
      status: 'skipped',
      reason: 'coordinator-unavailable',
      error: { code: 'TRANSIENT' },
    });
    expect(ran).toBe(false);
  });

  it('runs each fire once across schedulers sharing a coordinator', async () => {
    const shared = new InProcessRunCoordinator({ holder: 'replica-a' });
    const replicas = [
      makeScheduler({ coordinator: shared, timezone: 'UTC' }),
      makeScheduler({
        coordinator: new InProcessRunCoordinator({ holder: 'replica-b', sharedWith: shared }),
        timezone: 'UTC',
      }),
      makeScheduler({
        coordinator: new InProcessRunCoordinator({ holder: 'replica-c', sharedWith: shared }),
        timezone: 'UTC',
      }),
    ];
    const ranFires: number[] = [];
    const settledPerFire = new Map<number, string[]>();
    const threeFiresSettled = new Promise<void>((resolve) => {
      for (const replica of replicas) {
        const note = (fireAt: Date, status: string): void => {
          const fire = fireAt.getTime();
          const list = settledPerFire.get(fire) ?? [];
          list.push(status);
          settledPerFire.set(fire, list);
          if ([...settledPerFire.values()].filter((statuses) => statuses.length === 3).length >= 3) resolve();
        };
        replica.on('succeeded', (run) => note(run.fireAt, 'succeeded'));
        // A fire missed because the event loop was busy says nothing about the lease.
        replica.on('skipped', (run) => {
          if (run.reason !== 'missed') note(run.fireAt, `skipped:${run.reason}`);
        });
        replica.add({
          name: 'sync:acme',
          cron: '* * * * * *',
          run: async () => {
            ranFires.push(Date.now());
          },
        });
      }
    });
    for (const replica of replicas) replica.start();
    await threeFiresSettled;
    for (const statuses of [...settledPerFire.values()].filter((list) => list.length === 3)) {
      expect(statuses.sort()).toEqual(['skipped:lease-held', 'skipped:lease-held', 'succeeded']);
    }
  });
});
