import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  InProcessRunCoordinator,
  PostgresRunCoordinator,
  Scheduler,
  type RunCoordinator,
} from '@accessledger/scheduler';
import { redactDatabaseUrls, type Connection, type FailingConnection } from '@accessledger/storage';
import type { Runtime } from '../runtime.js';
import { recordActivity } from '../activity-runner.js';
import { syncConnection } from '../sync-runner.js';
import { DaemonMetrics, OutcomeCounts } from './metrics.js';
import { JOB_KINDS, jobName, type JobKind } from './schedule.js';

export interface DaemonOptions {
  readonly host: string;
  /** 0 for a free port. */
  readonly port: number;
  /** How often connections are re-read so that added, removed or rescheduled ones take effect. */
  readonly refreshMs: number;
  /** How long a job's lease lasts unless renewed; a replica that dies keeps its jobs this long. Default 60 s. */
  readonly leaseMs?: number;
  readonly retry: { readonly attempts: number; readonly backoffMs: number };
  /** /healthz turns 503 once a connection's sync runs have failed this many times in a row. Default 3. */
  readonly unhealthyAfterFailures?: number;
}

export interface RunningDaemon {
  readonly url: string;
  readonly scheduler: Scheduler;
  /** Stops new fires, aborts runs in flight (recorded as aborted) and closes the HTTP server. */
  stop(graceMs: number): Promise<void>;
}

/**
 * The scheduler app: one `sync:<connection>` job per connection with a sync
 * schedule and one `activity:<connection>` job per activity schedule, leases in Postgres so that replicas run each fire once, and a
 * local HTTP port with /healthz and Prometheus /metrics. The runtime must
 * have been opened with `migrate: true` (the leases table is a migration).
 */
export async function startDaemon(runtime: Runtime, options: DaemonOptions): Promise<RunningDaemon> {
  const { knex, engine } = runtime.database;
  // The embedded database opens in one process only: there is no other replica to share fires with.
  const coordinator: RunCoordinator =
    engine === 'pglite' ? new InProcessRunCoordinator() : new PostgresRunCoordinator(knex);

  const scheduler = new Scheduler({
    coordinator,
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
  });
  const metrics = new DaemonMetrics();
  metrics.observe(scheduler);
  scheduler.on('started', (event) => runtime.logger.info({ job: event.jobName }, 'job started'));
  scheduler.on('failed', (event) =>
    runtime.logger.error({ job: event.jobName, error: event.error }, 'job failed'),
  );
  scheduler.on('succeeded', (event) =>
    runtime.logger.info({ job: event.jobName, outcome: event.outcome }, 'job succeeded'),
  );

  const scheduled = new Map<string, string>();
  const refresh = async (): Promise<void> => {
    const wanted = new Map<string, { connection: Connection; kind: JobKind; cron: string }>();
    for (const connection of await runtime.connections.list()) {
      for (const kind of JOB_KINDS) {
        const cron = connection.schedule?.[kind];
        if (cron) wanted.set(jobName(connection, kind), { connection, kind, cron });
      }
    }
    for (const [name, cron] of scheduled) {
      if (wanted.get(name)?.cron !== cron) {
        scheduler.remove(name);
        scheduled.delete(name);
      }
    }
    for (const [name, { connection, kind, cron }] of wanted) {
      if (scheduled.has(name)) continue;
      scheduler.add({
        name,
        cron,
        retry: options.retry,
        run: async (signal) => {
          // Read the connection again: its config may have changed since it was scheduled.
          const current = await runtime.connectionNamed(connection.name);
          const outcome = await (kind === 'sync' ? syncConnection : recordActivity)(runtime, current, {
            signal,
          });
          return {
            summary: `snapshot #${outcome.snapshot.id}`,
            counts: {
              ...outcome.snapshot.counts,
              ...(await apiUsageCounts(runtime, outcome.snapshot.syncRunId)),
            },
          };
        },
      });
      scheduled.set(name, cron);
    }
    metrics.scheduled.set(scheduled.size);
  };
  await refresh();
  scheduler.start();
  const refresher = setInterval(() => {
    refresh().catch((error: unknown) =>
      runtime.logger.error({ err: error }, 'could not re-read connections'),
    );
  }, options.refreshMs);
  refresher.unref();

  const failureThreshold = options.unhealthyAfterFailures ?? 3;
  // A sync holds the database only for one COPY batch or its merge, so the checks answer during it.
  let lastFailing: readonly FailingConnection[] = [];
  const checkHealth = async (): Promise<{
    status: 'ok' | 'unhealthy';
    reasons: string[];
    database: string;
    failing: readonly FailingConnection[];
  }> => {
    let database = 'ok';
    try {
      await knex.raw('SELECT 1');
      // Reading the runs also proves that the tables answer, not only the connection.
      lastFailing = await runtime.runs.failingConnections(failureThreshold);
    } catch (error) {
      // Knex puts the statement before the driver's message: the message alone is the reason.
      const message = error instanceof Error ? error.message : String(error);
      const reason = message.includes(' - ') ? message.slice(message.lastIndexOf(' - ') + 3) : message;
      database = `unusable: ${redactDatabaseUrls(reason)}`;
    }
    const reasons = [
      ...(database.startsWith('unusable') ? [`database ${database}`] : []),
      ...lastFailing.map(
        (failing) =>
          `connection "${failing.connection}": its last ${failing.failures} sync runs failed` +
          (failing.lastErrorCode ? ` (latest ${failing.lastErrorCode})` : ''),
      ),
    ];
    return { status: reasons.length === 0 ? 'ok' : 'unhealthy', reasons, database, failing: lastFailing };
  };

  const server = createServer((request, response) => {
    void (async () => {
      if (request.method === 'GET' && request.url === '/metrics') {
        response.writeHead(200, { 'content-type': metrics.contentType });
        response.end(await metrics.render());
        return;
      }
      if (request.method === 'GET' && request.url === '/healthz') {
        const health = await checkHealth();
        response.writeHead(health.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ ...health, jobs: scheduler.jobNames() }));
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

/** What a run cost the org's API budget, as metric figures (see `OutcomeCounts`). */
async function apiUsageCounts(runtime: Runtime, runId: number): Promise<Record<string, number>> {
  const usage = (await runtime.runs.get(runId))?.apiUsage;
  if (!usage) return {};
  return {
    [OutcomeCounts.apiRequests]: usage.requests,
    ...(usage.dailyUsed !== undefined ? { [OutcomeCounts.apiDailyUsed]: usage.dailyUsed } : {}),
    ...(usage.dailyMax !== undefined ? { [OutcomeCounts.apiDailyMax]: usage.dailyMax } : {}),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}
