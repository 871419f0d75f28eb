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
  const run = await runtime.runs.start({ connectionId: connection.id, kind: 'sync' });
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
    // The writer records what fails inside it; what failed before it (config, credentials, an early abort) is recorded here.
    const current = await runtime.runs.get(run.id);
    if (current?.status === 'running') {
      const aborted =
        options.signal.aborted || (isAccessLedgerError(error) && error.code === ErrorCodes.aborted);
      await runtime.runs.finish(run.id, {
        status: aborted ? 'aborted' : 'failed',
        error: toErrorInfo(error),
      });
    }
    throw error;
  }
}
