import {
  ErrorCodes,
  isAccessLedgerError,
  throwIfAborted,
  toErrorInfo,
  type ApiCallUsage,
  type Logger,
  type Progress,
  type RunContext,
} from '@accessledger/core';
import type { Connection, Snapshot } from '@accessledger/storage';
import type { Runtime } from './runtime.js';

export interface SyncOutcome {
  readonly snapshot: Snapshot;
  readonly durationMs: number;
}

export interface SyncOptions {
  readonly signal: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
  readonly logger?: Logger;
}

/**
 * One sync of one connection: a run record, the connector's stream written
 * as a snapshot, the run finished with the merge. A failure or an abort
 * leaves the previous snapshot as the latest and the run marked as such.
 */
export async function syncConnection(
  runtime: Runtime,
  connection: Connection,
  options: SyncOptions,
): Promise<SyncOutcome> {
  throwIfAborted(options.signal);
  const logger = (options.logger ?? runtime.logger).child({ connection: connection.name, job: 'sync' });
  const started = performance.now();
  const run = await startRun(runtime, connection, 'sync');
  logger.info({ runId: run.id }, 'sync started');
  // The connector's last word on the API calls of this run, stored with the run.
  let usage: ApiCallUsage | null = null;
  try {
    const connector = runtime.connectorOf(connection);
    const ctx: RunContext = {
      signal: options.signal,
      logger,
      // Read and written in the database as the connector needs them: the snapshot writer holds no
      // connection while the stream runs, so a token renewed mid-sync is stored at once.
      credentials: runtime.credentialsOf(connection),
      progress: {
        report: (progress) => {
          if (progress.usage) usage = progress.usage;
          options.onProgress?.(progress);
        },
      },
    };
    const { snapshot } = await runtime.writer.write({
      connectionId: connection.id,
      runId: run.id,
      items: connector.sync(ctx),
      signal: options.signal,
      apiUsage: () => usage,
    });
    const durationMs = Math.round(performance.now() - started);
    logger.info(
      { runId: run.id, snapshotId: snapshot.id, durationMs, counts: snapshot.counts },
      'sync succeeded',
    );
    return { snapshot, durationMs };
  } catch (error) {
    // The writer records what fails inside it; what failed before it (config, credentials, an early abort)
    // is recorded here.
    await failRun(runtime, run.id, options.signal, error, logger);
    throw error;
  }
}

/**
 * Records a run of a connection as started, owned by this process's runner key
 * on a server database (so that a run of a process that died can be told apart
 * from another live replica's). Syncs and activity runs start here.
 */
export async function startRun(
  runtime: Runtime,
  connection: Connection,
  kind: 'sync' | 'activity',
): Promise<{ readonly id: number }> {
  const runnerKey = await runtime.runnerKey();
  return runtime.runs.start({
    connectionId: connection.id,
    kind,
    ...(runnerKey !== undefined ? { runnerKey } : {}),
  });
}

/**
 * Marks a run that failed before its writer finished it as failed, or aborted
 * when its signal fired. When the database itself went away, the record waits
 * for it to come back.
 */
export async function failRun(
  runtime: Runtime,
  runId: number,
  signal: AbortSignal,
  error: unknown,
  logger: Logger,
): Promise<void> {
  const aborted = signal.aborted || (isAccessLedgerError(error) && error.code === ErrorCodes.aborted);
  await recordFailure(runtime, runId, aborted ? 'aborted' : 'failed', error, logger);
}

/** How long a failed run waits for the database to record its failure (a PostgreSQL restart). */
const RECORD_FAILURE_WITHIN_MS = 30_000;

async function recordFailure(
  runtime: Runtime,
  runId: number,
  status: 'failed' | 'aborted',
  error: unknown,
  logger: Logger,
): Promise<void> {
  const deadline = Date.now() + RECORD_FAILURE_WITHIN_MS;
  for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 4_000)) {
    try {
      const current = await runtime.runs.get(runId);
      if (current?.status === 'running')
        await runtime.runs.finish(runId, { status, error: toErrorInfo(error) });
      return;
    } catch (recordError) {
      if (Date.now() + delayMs > deadline) {
        logger.error(
          { runId, err: recordError },
          'could not record the failed run; it stays running until a restart',
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
