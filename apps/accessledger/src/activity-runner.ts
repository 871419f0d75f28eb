import {
  isActivitySource,
  throwIfAborted,
  UnsupportedError,
  type ApiCallUsage,
  type RunContext,
} from '@accessledger/core';
import { ActivityWriter, type Connection } from '@accessledger/storage';
import type { Runtime } from './runtime.js';
import { failRun, startRun, type SyncOptions, type SyncOutcome } from './sync-runner.js';

/**
 * One activity run of one connection (its own run kind): the connector's
 * `ActivitySource` (for Salesforce one query of User.LastLoginDate) is
 * recorded as a snapshot that carries the latest access forward, so
 * "dormant privileged users" is current between full syncs. The run is
 * started, failed and finished here; the writer finishes a succeeded one
 * with its merge.
 */
export async function recordActivity(
  runtime: Runtime,
  connection: Connection,
  options: SyncOptions,
): Promise<SyncOutcome> {
  throwIfAborted(options.signal);
  const logger = (options.logger ?? runtime.logger).child({ connection: connection.name, job: 'activity' });
  const connector = runtime.connectorOf(connection);
  if (!isActivitySource(connector))
    throw new UnsupportedError(
      `The ${connector.manifest.displayName} connector reports no activity of its own.`,
    );
  const started = performance.now();
  const run = await startRun(runtime, connection, 'activity');
  logger.info({ runId: run.id }, 'activity run started');
  let usage: ApiCallUsage | null = null;
  try {
    const ctx: RunContext = {
      signal: options.signal,
      logger,
      credentials: runtime.credentialsOf(connection),
      progress: {
        report: (progress) => {
          if (progress.usage) usage = progress.usage;
          options.onProgress?.(progress);
        },
      },
    };
    const { snapshot } = await new ActivityWriter(runtime.database).write({
      connectionId: connection.id,
      runId: run.id,
      records: connector.activity(ctx),
      signal: options.signal,
      apiUsage: () => usage,
    });
    const durationMs = Math.round(performance.now() - started);
    logger.info({ runId: run.id, snapshotId: snapshot.id, durationMs }, 'activity run succeeded');
    return { snapshot, durationMs };
  } catch (error) {
    await failRun(runtime, run.id, options.signal, error, logger);
    throw error;
  }
}
