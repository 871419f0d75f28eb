/**
 * Prints how fast PostgresRunCoordinator claims and releases leases: one
 * replica claiming fires one after another, then three replicas (separate
 * pools) racing for each fire. Uses a scratch database it drops afterwards.
 *
 * Run: npm run bench:scheduler
 * (TEST_DATABASE_URL to point elsewhere; the condition resolves @accessledger/core to its sources)
 */
import knexModule from 'knex';
import type { Knex } from 'knex';
import { createScratchDatabase } from '@accessledger/test-postgres';
import { PostgresRunCoordinator, schedulerMigrationSource } from '@accessledger/scheduler';
import { percentile } from './statistics.js';

const fires = 2_000;

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('accessledger_sched_bench');
  const pools: Knex[] = [0, 1, 2].map(() =>
    knexModule.knex({ client: 'pg', connection: scratch.url, pool: { min: 1, max: 2 } }),
  );
  try {
    await pools[0]!.migrate.latest({
      migrationSource: schedulerMigrationSource,
      tableName: 'bench_migrations',
    });
    const replicas = pools.map(
      (knex, index) => new PostgresRunCoordinator(knex, { holder: `replica-${index}` }),
    );
    const base = Date.UTC(2026, 0, 1);

    const latencies: number[] = [];
    let started = performance.now();
    for (let fire = 0; fire < fires; fire += 1) {
      const t0 = performance.now();
      const result = await replicas[0]!.claim({
        jobName: 'solo',
        fireAt: new Date(base + fire * 1_000),
        leaseMs: 60_000,
      });
      if (!result.claimed) throw new Error('a lone replica was refused');
      await replicas[0]!.release(result.lease);
      latencies.push(performance.now() - t0);
    }
    let elapsed = performance.now() - started;
    latencies.sort((a, b) => a - b);
    console.log(
      `one replica: ${fires} claim+release in ${elapsed.toFixed(0)} ms ` +
        `(${((fires / elapsed) * 1_000).toFixed(0)}/s; p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms)`,
    );

    let doubles = 0;
    started = performance.now();
    for (let fire = 0; fire < fires; fire += 1) {
      const fireAt = new Date(base + fire * 1_000);
      const results = await Promise.all(
        replicas.map((replica) => replica.claim({ jobName: 'race', fireAt, leaseMs: 60_000 })),
      );
      const winners = results.filter((result) => result.claimed);
      if (winners.length !== 1) doubles += 1;
      for (const winner of winners) {
        if (winner.claimed)
          await replicas.find((replica) => replica.holder === winner.lease.holder)!.release(winner.lease);
      }
    }
    elapsed = performance.now() - started;
    console.log(
      `three racing replicas: ${fires} fires in ${elapsed.toFixed(0)} ms ` +
        `(${((fires / elapsed) * 1_000).toFixed(0)} fires/s), fires not won by exactly one replica: ${doubles}`,
    );
  } finally {
    await Promise.all(pools.map((knex) => knex.destroy()));
    await scratch.drop();
  }
}

await main();
