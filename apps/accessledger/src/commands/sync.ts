import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { jsonOption, output, snapshotJson, type JsonFlag } from '../output.js';
import { syncProgress } from '../progress.js';
import { openRuntime } from '../runtime.js';
import { syncConnection, type SyncOutcome } from '../sync-runner.js';

export function describeOutcome(name: string, outcome: SyncOutcome, apiCalls?: number | null): string {
  const { counts } = outcome.snapshot;
  return (
    `Snapshot #${outcome.snapshot.id} of "${name}": ${counts.accounts} accounts, ${counts.entitlements} entitlements, ` +
    `${counts.grants} grants; ${outcome.snapshot.versionsOpened} versions opened, ${outcome.snapshot.versionsClosed} closed ` +
    `in ${(outcome.durationMs / 1000).toFixed(1)} s${apiCalls ? ` (${apiCalls} API calls)` : ''}.\n`
  );
}

/** `accessledger sync <connection>`: one sync now, in the foreground; Ctrl-C aborts it cleanly. */
export function registerSyncCommand(program: Command, io: CliIo): void {
  jsonOption(
    program.command('sync <connection>').description('Sync a connection now and record a snapshot.'),
  ).action(async (name: string, flags: JsonFlag) => {
    const runtime = await openRuntime({ env: io.env, migrate: true });
    const controller = new AbortController();
    const abort = (): void => controller.abort(new Error('interrupted'));
    process.once('SIGINT', abort);
    process.once('SIGTERM', abort);
    try {
      const connection = await runtime.connectionNamed(name);
      const progress = syncProgress(io, flags.json === true);
      const outcome = await syncConnection(runtime, connection, {
        signal: controller.signal,
        onProgress: progress.report,
      }).finally(progress.stop);
      output(
        io,
        flags,
        () => ({
          connection: name,
          snapshot: snapshotJson(outcome.snapshot),
          durationMs: outcome.durationMs,
          apiCalls: progress.apiCalls(),
        }),
        () => describeOutcome(name, outcome, progress.apiCalls()),
      );
    } finally {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
      await runtime.close();
    }
  });
}
