import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { recordActivity } from '../activity-runner.js';
import { jsonOption, output, snapshotJson, type JsonFlag } from '../output.js';
import { openRuntime } from '../runtime.js';

/** `accessledger activity <connection>`: record last logins now, without a full sync. */
export function registerActivityCommand(program: Command, io: CliIo): void {
  jsonOption(
    program
      .command('activity <connection>')
      .description(
        'Record when accounts were last active (one cheap query), without a full sync; schedule it with `connections schedule --activity`.',
      ),
  ).action(async (name: string, flags: JsonFlag) => {
    const runtime = await openRuntime({ env: io.env, migrate: true });
    const controller = new AbortController();
    const abort = (): void => controller.abort(new Error('interrupted'));
    process.once('SIGINT', abort);
    try {
      const connection = await runtime.connectionNamed(name);
      const outcome = await recordActivity(runtime, connection, { signal: controller.signal });
      output(
        io,
        flags,
        () => ({
          connection: name,
          snapshot: snapshotJson(outcome.snapshot),
          durationMs: outcome.durationMs,
        }),
        () =>
          `Snapshot #${outcome.snapshot.id} of "${name}": activity of ${outcome.snapshot.counts.activity} accounts ` +
          `(${outcome.snapshot.versionsOpened} changed), access carried forward, in ${(outcome.durationMs / 1000).toFixed(1)} s.\n`,
      );
    } finally {
      process.off('SIGINT', abort);
      await runtime.close();
    }
  });
}
