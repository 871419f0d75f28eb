/**
 * Load test of the daemon: 3 real `accessledger daemon` processes (replicas)
 * against one scratch PostgreSQL database, 50 connections to one emulated org
 * on schedules a few seconds apart, for a bounded time. Then it reads the
 * run records and prints fires, runs, duplicates, overlapping runs per
 * connection and run latency. It prints figures; it is not a test.
 *
 * Run: npm run load:daemons -- [--replicas 3] [--connections 50] [--period 10] [--seconds 60]
 * (TEST_DATABASE_URL to point elsewhere; the database is created and dropped.)
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CredentialNames,
  salesforceConfigSchema,
  salesforcePlugin,
} from '@accessledger/connector-salesforce';
import { generateOrg, startEmulator } from '@accessledger/salesforce-emulator';
import { ConnectionStore, DatabaseCredentialStore, loadSecretBox, openDatabase } from '@accessledger/storage';
import { createScratchDatabase } from '@accessledger/test-postgres';
import { percentile } from './statistics.js';

const { values } = parseArgs({
  options: {
    replicas: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    period: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '60' },
  },
});
const replicas = Number(values.replicas);
const connectionCount = Number(values.connections);
const periodSeconds = Number(values.period);
const durationMs = Number(values.seconds) * 1_000;
if (
  ![replicas, connectionCount, periodSeconds, durationMs].every(
    (value) => Number.isInteger(value) && value > 0,
  )
)
  throw new Error('--replicas, --connections, --period and --seconds take positive whole numbers.');
if (60 % periodSeconds !== 0)
  throw new Error('--period must divide 60 (a seconds field of a cron expression).');

const bin = fileURLToPath(new URL('../../apps/accessledger/bin/accessledger.js', import.meta.url));

function run(args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** The seconds of each minute at which a connection with this offset fires. */
function secondsOf(offset: number): number[] {
  return Array.from({ length: 60 / periodSeconds }, (_, step) => offset + step * periodSeconds);
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('accessledger_load');
  const emulator = await startEmulator({ org: generateOrg({ seed: 61, preset: 'tiny' }) });
  const env = {
    DATABASE_URL: scratch.url,
    ACCESSLEDGER_SECRET_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  };
  const daemons: ChildProcess[] = [];
  try {
    const migrate = run(['db', 'migrate'], env);
    if ((await exited(migrate)) !== 0) throw new Error('accessledger db migrate failed');

    // Connections spread over the period: connection i fires at second (i mod period) of each period.
    const db = await openDatabase({ engine: 'pg', url: scratch.url });
    const box = loadSecretBox({ engine: 'pg', env });
    const connections = new ConnectionStore(db.knex);
    const config = {
      domain: emulator.baseUrl,
      allowCustomHosts: true,
      auth: { flow: 'client-credentials', clientId: emulator.connectedApp.clientId },
    };
    const audience =
      salesforcePlugin.credentialAudience?.(salesforceConfigSchema.parse(config)) ?? 'salesforce';
    for (let index = 0; index < connectionCount; index += 1) {
      const connection = await connections.create({
        connectorId: 'salesforce',
        name: `load-${String(index).padStart(2, '0')}`,
        config,
        schedule: { sync: `${secondsOf(index % periodSeconds).join(',')} * * * * *` },
      });
      await new DatabaseCredentialStore(db.knex, connection.id, box, audience).set(
        CredentialNames.clientSecret,
        emulator.connectedApp.clientSecret,
      );
    }

    const ready: Promise<void>[] = [];
    const metricsUrls: string[] = [];
    for (let replica = 0; replica < replicas; replica += 1) {
      const daemon = run(['daemon', '--port', '0', '--refresh', '3600'], env);
      daemons.push(daemon);
      ready.push(
        new Promise((resolve, reject) => {
          daemon.stdout?.on('data', (chunk: Buffer) => {
            const url = /(http:\/\/[\d.]+:\d+)\/healthz/.exec(chunk.toString())?.[1];
            if (url) {
              metricsUrls.push(`${url}/metrics`);
              resolve();
            }
          });
          daemon.once('exit', (code) =>
            reject(new Error(`daemon ${replica} exited (${code}) before starting`)),
          );
        }),
      );
      daemon.stderr?.on('data', (chunk: Buffer) =>
        process.stderr.write(`[daemon ${replica}] ${chunk.toString()}`),
      );
    }
    await Promise.all(ready);
    const windowStart = Date.now();
    console.log(
      `load: ${replicas} daemon replicas, ${connectionCount} connections every ${periodSeconds} s, for ${durationMs / 1000} s`,
    );
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    const windowEnd = Date.now();
    // Why fires did not run on a replica: lease-held (another replica ran it, the normal case),
    // overlap (the connection's previous run still going), missed (the process was too busy to fire).
    const skips = new Map<string, number>();
    for (const url of metricsUrls) {
      const text = await (await fetch(url)).text();
      for (const match of text.matchAll(/^accessledger_job_skips_total\{[^}]*reason="([^"]+)"\} (\d+)$/gm))
        skips.set(match[1] ?? '', (skips.get(match[1] ?? '') ?? 0) + Number(match[2]));
    }
    for (const daemon of daemons) daemon.kill('SIGTERM');
    await Promise.all(daemons.map(exited));

    const runs = await db.knex.raw<{
      rows: {
        name: string;
        status: string;
        started_at: Date;
        finished_at: Date | null;
        error_code: string | null;
      }[];
    }>(
      `SELECT c.name, r.status, r.started_at, r.finished_at, r.error_code
         FROM sync_runs r JOIN connections c ON c.id = r.connection_id ORDER BY c.name, r.started_at`,
    );
    const periodMs = periodSeconds * 1_000;
    // Fires whose whole period lies inside the window: each must have run exactly once.
    const slotOf = (at: Date, offsetMs: number): number => Math.floor((at.getTime() - offsetMs) / periodMs);
    let fires = 0;
    let runsInWindow = 0;
    let duplicates = 0;
    let missed = 0;
    let overlaps = 0;
    const latencies: number[] = [];
    const statuses = new Map<string, number>();
    for (let index = 0; index < connectionCount; index += 1) {
      const name = `load-${String(index).padStart(2, '0')}`;
      const offsetMs = (index % periodSeconds) * 1_000;
      const mine = runs.rows.filter((row) => row.name === name);
      const firstSlot = Math.ceil((windowStart - offsetMs) / periodMs);
      const lastSlot = Math.floor((windowEnd - offsetMs) / periodMs) - 1;
      const perSlot = new Map<number, number>();
      for (const row of mine) {
        const slot = slotOf(row.started_at, offsetMs);
        perSlot.set(slot, (perSlot.get(slot) ?? 0) + 1);
      }
      for (let slot = firstSlot; slot <= lastSlot; slot += 1) {
        fires += 1;
        const count = perSlot.get(slot) ?? 0;
        if (count === 0) missed += 1;
        if (count > 1) duplicates += count - 1;
      }
      for (const [position, row] of mine.entries()) {
        runsInWindow += 1;
        statuses.set(row.status, (statuses.get(row.status) ?? 0) + 1);
        if (row.finished_at) latencies.push(row.finished_at.getTime() - row.started_at.getTime());
        const next = mine[position + 1];
        if (next && (row.finished_at === null || row.finished_at > next.started_at)) overlaps += 1;
      }
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `fires (whole periods in the window): ${fires}; runs recorded: ${runsInWindow} ` +
        `(${[...statuses].map(([status, count]) => `${status} ${count}`).join(', ')}); ` +
        `duplicates: ${duplicates}; missed: ${missed}; overlapping runs of one connection: ${overlaps}`,
    );
    console.log(
      `skipped fires across replicas: ${[...skips].map(([reason, count]) => `${reason} ${count}`).join(', ') || 'none'}`,
    );
    console.log(
      `run latency: p50 ${percentile(latencies, 0.5)} ms, p95 ${percentile(latencies, 0.95)} ms, ` +
        `max ${latencies[latencies.length - 1] ?? 0} ms`,
    );
    await db.close();
  } finally {
    for (const daemon of daemons) if (daemon.exitCode === null) daemon.kill('SIGKILL');
    await emulator.close();
    await scratch.drop();
  }
}

await main();
