import { throwIfAborted, type Logger, type Progress, type RunContext } from '@accessledger/core';
import type { Connection, Snapshot, SyncRun } from '@accessledger/storage';
import { RunCredentialStore } from './run-credentials.js';
import type { Runtime } from './runtime.js';

export interface SyncOutcome {
  readonly run: SyncRun;
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
  const connector = runtime.registry.createConnector({
    name: connection.name,
    connectorId: connection.connectorId,
    config: connection.config,
  });
  const started = performance.now();
  const run = await runtime.runs.start({ connectionId: connection.id, kind: 'sync' });
  const credentials = await RunCredentialStore.load(runtime.credentialsOf(connection));
  const ctx: RunContext = {
    signal: options.signal,
    logger,
    credentials,
    progress: { report: (progress) => options.onProgress?.(progress) },
  };
  logger.info({ runId: run.id }, 'sync started');
  let snapshot: Snapshot;
  try {
    ({ snapshot } = await runtime.writer.write({
      connectionId: connection.id,
      runId: run.id,
      items: connector.sync(ctx),
      signal: options.signal,
    }));
  } finally {
    // A refresh token rotated during the run must be kept whether the sync succeeded or not.
    await credentials.flush();
  }
  const finished = (await runtime.runs.get(run.id)) ?? run;
  const durationMs = Math.round(performance.now() - started);
  logger.info(
    { runId: run.id, snapshotId: snapshot.id, durationMs, counts: snapshot.counts },
    'sync succeeded',
  );
  return { run: finished, snapshot, durationMs };
}
