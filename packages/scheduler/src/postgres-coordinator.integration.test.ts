import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lease } from './coordinator.js';
import { PostgresRunCoordinator } from './postgres-coordinator.js';
import { Scheduler } from './scheduler.js';
import { SCHEDULER_LEASES_TABLE } from './tables.js';
import {
  createPgliteDatabase,
  createPostgresDatabase,
  migratorConfig,
  postgresTitle,
  skipPostgres,
} from './testing/databases.js';
import type { TestDatabase } from './testing/databases.js';

const slot = (second: number): Date => new Date(Date.UTC(2026, 10, 28, 12, 0, second));

function claimed(result: Awaited<ReturnType<PostgresRunCoordinator['claim']>>): Lease {
  if (!result.claimed) throw new Error(`expected the claim to succeed, it was refused (${result.refusal})`);
  return result.lease;
}

/** Waits until `attempt` returns a value, polling; the test's own timeout bounds it. */
async function eventually<T>(attempt: () => Promise<T | null>): Promise<T> {
  for (;;) {
    const value = await attempt();
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function coordinatorSuite(openDatabase: () => Promise<TestDatabase>): void {
  let database: TestDatabase;
  let replicas: PostgresRunCoordinator[];

  beforeAll(async () => {
    database = await openDatabase();
    replicas = ['replica-a', 'replica-b', 'replica-c'].map(
      (holder) => new PostgresRunCoordinator(database.connect(), { holder }),
    );
  });

  afterAll(async () => {
    await database?.dispose();
  });

  it('gives each fire to exactly one of the racing replicas', async () => {
    const winners: string[] = [];
    for (let second = 0; second < 20; second += 1) {
      const results = await Promise.all(
        replicas.map((replica) => replica.claim({ jobName: 'race', fireAt: slot(second), leaseMs: 60_000 })),
      );
      const won = results.filter((result) => result.claimed);
      expect(won).toHaveLength(1);
      const lease = claimed(won[0] ?? results[0]!);
      winners.push(lease.holder);
      const losers = results.filter((result) => !result.claimed);
      expect(losers.map((result) => (result.claimed ? null : result.refusal))).toEqual([
        'fire-already-claimed',
        'fire-already-claimed',
      ]);
      await replicas.find((replica) => replica.holder === lease.holder)!.release(lease);
    }
    expect(winners).toHaveLength(20);
  });

  it('does not run a released fire again, and runs the next one', async () => {
    const [a, b] = replicas as [PostgresRunCoordinator, PostgresRunCoordinator];
    const lease = claimed(await a.claim({ jobName: 'once', fireAt: slot(0), leaseMs: 60_000 }));
    await a.release(lease);
    expect(await b.claim({ jobName: 'once', fireAt: slot(0), leaseMs: 60_000 })).toMatchObject({
      claimed: false,
      refusal: 'fire-already-claimed',
      heldBy: { holder: 'replica-a' },
    });
    expect(claimed(await b.claim({ jobName: 'once', fireAt: slot(1), leaseMs: 60_000 })).holder).toBe(
      'replica-b',
    );
  });

  it('keeps a later fire waiting while the job still runs elsewhere', async () => {
    const [a, b] = replicas as [PostgresRunCoordinator, PostgresRunCoordinator];
    const lease = claimed(await a.claim({ jobName: 'long', fireAt: slot(0), leaseMs: 60_000 }));
    expect(await b.claim({ jobName: 'long', fireAt: slot(30), leaseMs: 60_000 })).toMatchObject({
      claimed: false,
      refusal: 'job-running-elsewhere',
    });
    const renewed = await a.renew(lease);
    expect(renewed?.expiresAt.getTime()).toBeGreaterThan(lease.expiresAt.getTime());
    await a.release(lease);
    expect((await b.claim({ jobName: 'long', fireAt: slot(30), leaseMs: 60_000 })).claimed).toBe(true);
  });

  it('lets a replica take over after a silent holder lease expires', async () => {
    const [a, b] = replicas as [PostgresRunCoordinator, PostgresRunCoordinator];
    const silent = claimed(await a.claim({ jobName: 'takeover', fireAt: slot(0), leaseMs: 200 }));
    const takenOver = await eventually(async () => {
      const result = await b.claim({ jobName: 'takeover', fireAt: slot(1), leaseMs: 60_000 });
      return result.claimed ? result.lease : null;
    });
    expect(takenOver.holder).toBe('replica-b');
    // The old holder learns it lost the job at its next heartbeat; its release leaves b's lease alone.
    expect(await a.renew(silent)).toBeNull();
    await a.release(silent);
    expect(await a.claim({ jobName: 'takeover', fireAt: slot(2), leaseMs: 60_000 })).toMatchObject({
      claimed: false,
      refusal: 'job-running-elsewhere',
      heldBy: { holder: 'replica-b' },
    });
  });

  it('claims a manual run when nobody holds the job', async () => {
    const [a, b] = replicas as [PostgresRunCoordinator, PostgresRunCoordinator];
    const manual = claimed(await a.claim({ jobName: 'manual', fireAt: 'now', leaseMs: 60_000 }));
    expect(await b.claim({ jobName: 'manual', fireAt: 'now', leaseMs: 60_000 })).toMatchObject({
      claimed: false,
    });
    await a.release(manual);
    expect((await b.claim({ jobName: 'manual', fireAt: 'now', leaseMs: 60_000 })).claimed).toBe(true);
  });

  it('runs each cron fire once across three schedulers', async () => {
    const schedulers = replicas.map(
      (coordinator) => new Scheduler({ coordinator, leaseMs: 5_000, timezone: 'UTC' }),
    );
    const runsPerFire = new Map<number, string[]>();
    const skippedElsewhere: string[] = [];
    const threeFires = new Promise<void>((resolve) => {
      schedulers.forEach((scheduler, index) => {
        scheduler.on('succeeded', (run) => {
          const holders = runsPerFire.get(run.fireAt.getTime()) ?? [];
          holders.push(replicas[index]!.holder);
          runsPerFire.set(run.fireAt.getTime(), holders);
          if (runsPerFire.size >= 3) resolve();
        });
        scheduler.on('skipped', (run) => {
          if (run.reason === 'lease-held') skippedElsewhere.push(replicas[index]!.holder);
        });
        scheduler.add({ name: 'cron-race', cron: '* * * * * *', run: async () => ({ summary: 'ran' }) });
      });
    });
    schedulers.forEach((scheduler) => scheduler.start());
    await threeFires;
    await Promise.all(schedulers.map((scheduler) => scheduler.stop({ graceMs: 5_000 })));
    for (const holders of runsPerFire.values()) expect(holders).toHaveLength(1);
    expect(skippedElsewhere.length).toBeGreaterThanOrEqual(2);
  });

  it('migrates down and up again', async () => {
    const knex = database.connect();
    await knex.migrate.down(migratorConfig);
    expect(await knex.schema.hasTable(SCHEDULER_LEASES_TABLE)).toBe(false);
    await expect(
      replicas[0]!.claim({ jobName: 'no-table', fireAt: slot(0), leaseMs: 1_000 }),
    ).rejects.toThrow(/Run the scheduler migrations/);
    await knex.migrate.latest(migratorConfig);
    expect(await knex.schema.hasTable(SCHEDULER_LEASES_TABLE)).toBe(true);
  });
}

describe.skipIf(skipPostgres)(postgresTitle, () => {
  coordinatorSuite(createPostgresDatabase);
});

describe('PostgresRunCoordinator on PGlite (embedded)', () => {
  coordinatorSuite(createPgliteDatabase);
});
