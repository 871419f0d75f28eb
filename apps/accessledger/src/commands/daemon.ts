import { InvalidInputError } from '@accessledger/core';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { positiveInteger } from '../options.js';
import { openRuntime } from '../runtime.js';

interface DaemonFlags {
  readonly host: string;
  readonly port: string;
  readonly grace: string;
  readonly refresh: string;
  readonly lease: string;
  readonly unhealthyAfter: number;
}

function seconds(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0)
    throw new InvalidInputError(`${flag} takes a number of seconds, not "${text}".`);
  return value * 1000;
}

/** `accessledger daemon`: background syncs on each connection's schedule, until SIGTERM. */
export function registerDaemonCommand(program: Command, io: CliIo): void {
  program
    .command('daemon')
    .description('Run scheduled syncs in the background; serves /healthz and /metrics on a local port.')
    .option('--host <address>', 'address for /healthz and /metrics', '127.0.0.1')
    .option('--port <n>', 'port for /healthz and /metrics (0: any free port)', '9464')
    .option('--grace <seconds>', 'how long runs in flight may take to stop on SIGTERM', '30')
    .option('--refresh <seconds>', 'how often connections are re-read', '60')
    .option(
      '--lease <seconds>',
      "how long a job's lease lasts unless renewed (every third of it): a replica that dies keeps its jobs this long",
      '60',
    )
    .option(
      '--unhealthy-after <failures>',
      '/healthz answers 503 once a connection has failed this many sync runs in a row',
      positiveInteger,
      3,
    )
    .action(async (flags: DaemonFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new InvalidInputError(`--port takes 0..65535, not "${flags.port}".`);
      const leaseMs = seconds(flags.lease, '--lease');
      // Renewed every third of it: below a second, a slow database round trip could lose a live lease.
      if (leaseMs < 1000)
        throw new InvalidInputError(`--lease takes at least 1 second, not "${flags.lease}".`);
      // The HTTP server, metrics and log formatting load only for the daemon.
      const [{ startDaemon }, { daemonLogger }] = await Promise.all([
        import('../daemon/daemon.js'),
        import('../logging.js'),
      ]);
      const runtime = await openRuntime({ env: io.env, migrate: true, logger: daemonLogger(io) });
      let daemon;
      try {
        daemon = await startDaemon(runtime, {
          host: flags.host,
          port,
          refreshMs: seconds(flags.refresh, '--refresh'),
          leaseMs: Math.round(leaseMs),
          retry: { attempts: 3, backoffMs: 60_000 },
          unhealthyAfterFailures: flags.unhealthyAfter,
        });
      } catch (error) {
        // A port in use must not leave the database open (and the process hanging).
        await runtime.close();
        throw error;
      }
      io.stdout.write(
        `accessledger daemon: ${daemon.scheduler.jobNames().length} scheduled job(s) [${daemon.scheduler.jobNames().join(', ')}]; ` +
          `database ${runtime.database.description}; ${daemon.url}/healthz and /metrics\n`,
      );
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string): void => {
          io.stdout.write(`accessledger daemon: ${signal}, stopping\n`);
          void daemon
            .stop(seconds(flags.grace, '--grace'))
            .finally(() => runtime.close())
            .finally(resolve);
        };
        process.once('SIGTERM', () => shutdown('SIGTERM'));
        process.once('SIGINT', () => shutdown('SIGINT'));
      });
      io.stdout.write('accessledger daemon: stopped\n');
    });
}
