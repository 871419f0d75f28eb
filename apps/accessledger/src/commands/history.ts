import { InvalidInputError, NotFoundError } from '@accessledger/core';
import type { Command } from 'commander';
import type { CliIo } from '../cli.js';
import { isoMinute, table } from '../format.js';
import { resolveAccount } from '../resolve.js';
import { openRuntime, type Runtime } from '../runtime.js';

async function withRuntime(io: CliIo, work: (runtime: Runtime) => Promise<void>): Promise<void> {
  const runtime = await openRuntime({ env: io.env });
  try {
    await work(runtime);
  } finally {
    await runtime.close();
  }
}

function snapshotId(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const id = Number(text.replace(/^#/, ''));
  if (!Number.isInteger(id) || id < 1)
    throw new InvalidInputError(`${option} takes a snapshot id such as 12 or #12, not "${text}".`);
  return id;
}

/** Read-only questions about history: snapshots, what changed, one account's timeline and access. */
export function registerHistoryCommands(program: Command, io: CliIo): void {
  program
    .command('snapshots <connection>')
    .description('List the snapshots of a connection, newest first.')
    .option('--limit <n>', 'how many', '20')
    .action((name: string, options: { limit: string }) =>
      withRuntime(io, async (runtime) => {
        const connection = await runtime.connectionNamed(name);
        const snapshots = await runtime.snapshots.listSnapshots(connection.id, {
          limit: Number(options.limit),
        });
        io.stdout.write(
          snapshots.length === 0
            ? `No snapshots of "${name}" yet: run \`accessledger sync ${name}\`.\n`
            : table(
                ['SNAPSHOT', 'TAKEN (UTC)', 'ACCOUNTS', 'ENTITLEMENTS', 'GRANTS', 'OPENED', 'CLOSED'],
                snapshots.map((s) => [
                  `#${s.id}`,
                  isoMinute(s.takenAt),
                  s.counts.accounts,
                  s.counts.entitlements,
                  s.counts.grants,
                  s.versionsOpened,
                  s.versionsClosed,
                ]),
              ),
        );
      }),
    );

  program
    .command('diff <connection>')
    .description('What changed between two snapshots (default: the previous and the latest).')
    .option('--from <snapshot>', 'older snapshot id')
    .option('--to <snapshot>', 'newer snapshot id')
    .action((name: string, options: { from?: string; to?: string }) =>
      withRuntime(io, async (runtime) => {
        const connection = await runtime.connectionNamed(name);
        let to = snapshotId(options.to, '--to');
        let from = snapshotId(options.from, '--from');
        if (to === undefined) {
          const latest = await runtime.snapshots.latestSnapshot(connection.id);
          if (!latest)
            throw new NotFoundError(`No snapshots of "${name}" yet: run \`accessledger sync ${name}\`.`);
          to = latest.id;
        }
        if (from === undefined) {
          const [, previous] = await runtime.snapshots.listSnapshots(connection.id, { limit: 2 });
          from = previous?.id;
        }
        const diff = await runtime.snapshots.diff(from ?? null, to);
        io.stdout.write(`Changes from ${from ? `#${from}` : 'nothing'} to #${to}:\n`);
        for (const change of diff.accounts)
          io.stdout.write(`  account ${change.change.padEnd(11)} ${change.username}\n`);
        for (const change of diff.entitlements) {
          io.stdout.write(
            `  ${change.entitlement.type} ${change.change.padEnd(7)} ${change.nameAfter ?? change.nameBefore ?? change.entitlement.externalId}\n`,
          );
        }
        for (const change of diff.grants) {
          const via = change.via ? ` via ${change.via.type} ${change.via.externalId}` : '';
          io.stdout.write(
            `  grant ${change.change.padEnd(7)} ${change.accountExternalId} ${change.entitlement.type} ${change.entitlement.externalId}${via}\n`,
          );
        }
        io.stdout.write(
          `${diff.accounts.length} account, ${diff.entitlements.length} entitlement and ${diff.grants.length} grant changes.\n`,
        );
      }),
    );

  program
    .command('access <connection> <account>')
    .description('What an account (id or username) holds now, directly or through a group, and since when.')
    .action((name: string, account: string) =>
      withRuntime(io, async (runtime) => {
        const connection = await runtime.connectionNamed(name);
        const externalId = await resolveAccount(runtime, connection.id, account);
        const grants = await runtime.snapshots.currentGrants(connection.id, externalId);
        io.stdout.write(
          table(
            ['TYPE', 'ENTITLEMENT', 'THROUGH', 'HELD SINCE (UTC)', 'EXPIRES'],
            grants.map((g) => [
              g.entitlement.type,
              g.entitlementName ?? g.entitlement.externalId,
              g.viaName ?? (g.via ? g.via.externalId : 'direct'),
              isoMinute(g.heldSince),
              isoMinute(g.expiresAt),
            ]),
          ),
        );
      }),
    );

  program
    .command('timeline <connection> <account>')
    .description("An account's history: when it appeared, changed status, gained and lost access.")
    .action((name: string, account: string) =>
      withRuntime(io, async (runtime) => {
        const connection = await runtime.connectionNamed(name);
        const externalId = await resolveAccount(runtime, connection.id, account);
        const events = await runtime.snapshots.accountTimeline(connection.id, externalId);
        io.stdout.write(
          table(
            ['WHEN (UTC)', 'SNAPSHOT', 'EVENT', 'ENTITLEMENT', 'THROUGH'],
            events.map((e) => [
              isoMinute(e.at),
              `#${e.snapshotId}`,
              e.event,
              e.entitlementName ?? e.entitlement?.externalId ?? '',
              e.via ? e.via.externalId : '',
            ]),
          ),
        );
      }),
    );
}
