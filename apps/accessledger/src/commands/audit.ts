import type { AuditEntry } from '@accessledger/storage';
import { InvalidArgumentError, type Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { isoMinute, table } from '../format.js';
import { positiveInteger } from '../options.js';
import { jsonOption, output, type JsonFlag } from '../output.js';
import { openRuntime } from '../runtime.js';

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since`: an ISO date or datetime, or a duration back from now such as `30d`, `12h`, `2w`. */
export function parseSince(text: string, now: Date = new Date()): Date {
  const duration = /^(\d+)([mhdw])$/.exec(text.trim());
  if (duration) return new Date(now.getTime() - Number(duration[1]) * (UNIT_MS[duration[2] ?? 'd'] ?? 0));
  const date = /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime()))
    throw new InvalidArgumentError(
      `--since takes a date (2026-11-01, 2026-11-01T09:00Z) or a duration back from now (30d, 12h, 2w), not "${text}".`,
    );
  return date;
}

function targetOf(entry: AuditEntry): string {
  const entitlement = entry.target['entitlement'];
  if (entitlement && typeof entitlement === 'object' && !Array.isArray(entitlement))
    return `${String(entitlement['type'])} ${String(entitlement['externalId'])}`;
  const to = entry.target['toAccountExternalId'];
  return typeof to === 'string' ? `to ${to}` : '';
}

/** `accessledger audit [connection] [--since …]`: every provisioning action made through accessledger. */
export function registerAuditCommand(program: Command, io: CliIo): void {
  jsonOption(
    program
      .command('audit [connection]')
      .description(
        'Show the provisioning audit trail: who changed (or dry-ran) what, when, with which calls and outcome.',
      )
      .option(
        '--since <when>',
        'only entries since a date (2026-11-01) or a duration back from now (30d)',
        (text: string) => parseSince(text),
      )
      .option('--limit <n>', 'at most this many entries, newest first', positiveInteger, 100),
  ).action(async (name: string | undefined, flags: JsonFlag & { since?: Date; limit: number }) => {
    const since = flags.since;
    const runtime = await openRuntime({ env: io.env, readOnly: true });
    try {
      const entries = await runtime.audit.list({
        ...(name ? { connectionName: name } : {}),
        ...(since ? { since } : {}),
        limit: flags.limit,
      });
      output(
        io,
        flags,
        () => ({
          connection: name ?? null,
          since: since?.toISOString() ?? null,
          entries: entries.map((entry) => ({
            ...entry,
            startedAt: entry.startedAt.toISOString(),
            finishedAt: entry.finishedAt?.toISOString() ?? null,
          })),
        }),
        () =>
          entries.length === 0
            ? `No provisioning actions recorded${name ? ` for "${name}"` : ''}${since ? ` since ${isoMinute(since)}` : ''}.\n`
            : table(
                [
                  'when',
                  'who',
                  'connection',
                  'operation',
                  'account',
                  'target',
                  'dry run',
                  'outcome',
                  'calls',
                  'error',
                ],
                entries.map((entry) => [
                  isoMinute(entry.startedAt),
                  `${entry.osUser}@${entry.host}`,
                  entry.connectionName,
                  entry.operation,
                  entry.accountExternalId,
                  targetOf(entry),
                  entry.dryRun ? 'yes' : 'no',
                  entry.outcome,
                  entry.calls.length,
                  entry.error?.code,
                ]),
              ),
      );
    } finally {
      await runtime.close();
    }
  });
}
