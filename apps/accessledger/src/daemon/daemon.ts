import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  assertValidJob,
  InProcessRunCoordinator,
  PostgresRunCoordinator,
  Scheduler,
  type RunCoordinator,
} from '@accessledger/scheduler';
import type { Connection } from '@accessledger/storage';
import type { Runtime } from '../runtime.js';
import { syncConnection } from '../sync-runner.js';
import { DaemonMetrics } from './metrics.js';

export interface DaemonOptions {
  readonly host: string;
  /** 0 for a free port. */
  readonly port: number;
  /** How often connections are re-read so that added, removed or rescheduled ones take effect. */
  readonly refreshMs: number;
  readonly retry: { readonly attempts: number; readonly backoffMs: number };
}

export interface RunningDaemon {
  readonly url: string;
  readonly scheduler: Scheduler;
  /** Stops new fires, aborts runs in flight (recorded as aborted) and closes the HTTP server. */
  stop(graceMs: number): Promise<void>;
}

/**
 * The scheduler app: one `sync:<connection>` job per connection with a sync
 * schedule, leases in Postgres so that replicas run each fire once, and a
 * local HTTP port with /healthz and Prometheus /metrics. The runtime must
 * have been opened with `migrate: true` (the leases table is a migration).
 */
export async function startDaemon(runtime: Runtime, options: DaemonOptions): Promise<RunningDaemon> {
  const { knex, engine } = runtime.database;
  // The embedded database opens in one process only: there is no other replica to share fires with.
  const coordinator: RunCoordinator =
    engine === 'pglite' ? new InProcessRunCoordinator() : new PostgresRunCoordinator(knex);

  const scheduler = new Scheduler({ coordinator });
  const metrics = new DaemonMetrics();
  metrics.observe(scheduler);
  scheduler.on('failed', (event) =>
    runtime.logger.error({ job: event.jobName, error: event.error }, 'job failed'),
  );
  scheduler.on('succeeded', (event) =>
    runtime.logger.info({ job: event.jobName, outcome: event.outcome }, 'job succeeded'),
  );

  const scheduled = new Map<string, string>();
  const refresh = async (): Promise<void> => {
    const wanted = new Map<string, Connection>();
    for (const connection of await runtime.connections.list()) {
      if (connection.schedule?.sync) wanted.set(jobName(connection), connection);
    }
    for (const [name, cron] of scheduled) {
      const connection = wanted.get(name);
      if (!connection || connection.schedule?.sync !== cron) {
        scheduler.remove(name);
        scheduled.delete(name);
      }
    }
    for (const [name, connection] of wanted) {
      if (scheduled.has(name)) continue;
      const cron = connection.schedule?.sync as string;
      scheduler.add({
        name,
        cron,
        retry: options.retry,
        run: async (signal) => {
          // Read the connection again: its config may have changed since it was scheduled.
          const current = await runtime.connectionNamed(connection.name);
          const outcome = await syncConnection(runtime, current, { signal });
          return { summary: `snapshot #${outcome.snapshot.id}`, counts: { ...outcome.snapshot.counts } };
        },
      });
      scheduled.set(name, cron);
    }
    metrics.set('accessledger_jobs_scheduled', {}, scheduled.size);
  };
  await refresh();
  scheduler.start();
  const refresher = setInterval(() => {
    refresh().catch((error: unknown) =>
      runtime.logger.error({ err: error }, 'could not re-read connections'),
    );
  }, options.refreshMs);
  refresher.unref();

  const server = createServer((request, response) => {
    void (async () => {
      if (request.method === 'GET' && request.url === '/metrics') {
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        response.end(metrics.render());
        return;
      }
      if (request.method === 'GET' && request.url === '/healthz') {
        // A sync holds the database only for one COPY batch or its merge, so a ping answers during it.
        const database = await knex.raw('SELECT 1').then(
          () => 'ok',
          (error: unknown) => `unreachable: ${error instanceof Error ? error.message : String(error)}`,
        );
        const healthy = !database.startsWith('unreachable');
        response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ status: healthy ? 'ok' : 'unhealthy', database, jobs: scheduler.jobNames() }),
        );
        return;
      }
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('Not found: try /healthz or /metrics\n');
    })();
  });
  await listen(server, options.host, options.port);
  const address = server.address() as AddressInfo;

  return {
    url: `http://${options.host}:${address.port}`,
    scheduler,
    async stop(graceMs) {
      clearInterval(refresher);
      await scheduler.stop({ graceMs });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function jobName(connection: Pick<Connection, 'name'>): string {
  return `sync:${connection.name}`;
}

/** Refuses a sync schedule the scheduler would refuse, before it is stored. */
export function assertValidSchedule(connectionName: string, cron: string): void {
  assertValidJob({ name: jobName({ name: connectionName }), cron, run: async () => undefined });
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}
