import type { Progress } from '@accessledger/core';
import cliProgress from 'cli-progress';
import type { CliIo } from './cli-io.js';

export interface SyncProgress {
  readonly report: (progress: Progress) => void;
  readonly stop: () => void;
  /** The API calls of the run, as the connector last reported them. */
  apiCalls(): number | null;
}

/**
 * A sync's progress on stderr: a live line (phase, records, rate, API calls)
 * through cli-progress on a terminal; otherwise one plain line per phase, so
 * logs and CI output stay readable. `--json` keeps stderr for errors only.
 */
export function syncProgress(io: CliIo, quiet: boolean): SyncProgress {
  const started = Date.now();
  const done = new Map<string, number>();
  let calls: number | null = null;
  let phase = '';
  const records = (): number => [...done.values()].reduce((sum, value) => sum + value, 0);
  const rate = (): number => Math.round(records() / Math.max(0.001, (Date.now() - started) / 1000));
  const stderr = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  const track = (progress: Progress): void => {
    if (progress.usage) calls = progress.usage.requests;
    if (progress.done !== undefined) done.set(progress.phase, progress.done);
  };

  if (quiet) return { report: track, stop: () => undefined, apiCalls: () => calls };

  if (stderr.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      {
        stream: stderr as NodeJS.WriteStream,
        format: 'sync {phase} | {records} records | {rate}/s | {calls} API calls',
        hideCursor: true,
        clearOnComplete: true,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(0, 0, { phase: 'starting', records: 0, rate: 0, calls: 0 });
    return {
      report(progress) {
        track(progress);
        bar.update(0, { phase: progress.phase, records: records(), rate: rate(), calls: calls ?? 0 });
      },
      stop: () => bar.stop(),
      apiCalls: () => calls,
    };
  }

  const line = (): void => {
    if (!phase || phase === 'done') return;
    stderr.write(
      `sync ${phase}: ${done.get(phase) ?? 0} records (total ${records()}, ${rate()}/s${calls !== null ? `, ${calls} API calls` : ''})\n`,
    );
  };
  return {
    report(progress) {
      // One line when a phase ends: the next one has started.
      if (progress.phase !== phase) line();
      track(progress);
      phase = progress.phase;
    },
    stop: () => undefined,
    apiCalls: () => calls,
  };
}
