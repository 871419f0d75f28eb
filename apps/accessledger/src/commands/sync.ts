import type { Command } from 'commander';
import type { CliIo } from '../cli.js';
import { openRuntime } from '../runtime.js';
import { syncConnection, type SyncOutcome } from '../sync-runner.js';

export function describeOutcome(name: string, outcome: SyncOutcome): string {
  const { counts } = outcome.snapshot;
  return (
    `Snapshot #${outcome.snapshot.id} of "${name}": ${counts.accounts} accounts, ${counts.entitlements} entitlements, ` +
    `${counts.grants} grants; ${outcome.snapshot.versionsOpened} versions opened, ${outcome.snapshot.versionsClosed} closed ` +
    `in ${(outcome.durationMs / 1000).toFixed(1)} s.\n`
  );
}

/** `accessledger sync <connection>`: one sync now, in the foreground; Ctrl-C aborts it cleanly. */
export function registerSyncCommand(program: Command, io: CliIo): void {
  program
    .command('sync <connection>')
    .description('Sync a connection now and record a snapshot.')
    .action(async (name: string) => {
      const runtime = await openRuntime({ env: io.env, migrate: true });
      const controller = new AbortController();
      const abort = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', abort);
      process.once('SIGTERM', abort);
      try {
        const connection = await runtime.connectionNamed(name);
        const outcome = await syncConnection(runtime, connection, { signal: controller.signal });
        io.stdout.write(describeOutcome(name, outcome));
      } finally {
        process.off('SIGINT', abort);
        process.off('SIGTERM', abort);
        await runtime.close();
      }
    });
}
