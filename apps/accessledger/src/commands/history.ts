import type { Snapshot } from '@accessledger/storage';
import { InvalidArgumentError, type Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { isoMinute, table } from '../format.js';
import { dateTime, positiveInteger } from '../options.js';
import {
  entitlementName,
  jsonOption,
  namedRef,
  output,
  refText,
  snapshotJson,
  type JsonFlag,
} from '../output.js';
import { resolveAccount } from '../resolve.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { snapshotAt } from '../snapshot-at.js';

async function withRuntime(io: CliIo, work: (runtime: Runtime) => Promise<void>): Promise<void> {
  const runtime = await openRuntime({ env: io.env, readOnly: true });
  try {
    await work(runtime);
  } finally {
    await runtime.close();
  }
}

function snapshotId(text: string): number {
  const id = Number(text.replace(/^#/, ''));
  if (!/^#?\d+$/.test(text) || !Number.isSafeInteger(id) || id < 1)
    throw new InvalidArgumentError(`expected a snapshot id such as 12 or #12, not "${text}".`);
  return id;
}

/** Read-only questions about history: snapshots, what changed, one account's timeline and access. */
export function registerHistoryCommands(program: Command, io: CliIo): void {
  jsonOption(
    program
      .command('snapshots <connection>')
      .description('List the snapshots of a connection, newest first.')
      .option('--limit <n>', 'how many', positiveInteger, 20),
  ).action((name: string, options: JsonFlag & { limit: number }) =>
    withRuntime(io, async (runtime) => {
      const connection = await runtime.connectionNamed(name);
      const snapshots = await runtime.snapshots.listSnapshots(connection.id, { limit: options.limit });
      output(
        io,
        options,
        () => ({ connection: name, snapshots: snapshots.map(snapshotJson) }),
        () =>
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

  jsonOption(
    program
      .command('diff <connection>')
      .description('What changed between two snapshots (default: the previous and the latest).')
      .option('--from <snapshot>', 'older snapshot id', snapshotId)
      .option('--to <snapshot>', 'newer snapshot id', snapshotId),
  ).action((name: string, options: JsonFlag & { from?: number; to?: number }) =>
    withRuntime(io, async (runtime) => {
      const connection = await runtime.connectionNamed(name);
      const to = options.to ?? (await snapshotAt(runtime, connection, undefined)).id;
      const from = options.from ?? (await previousSnapshot(runtime, connection.id, to))?.id;
      const diff = await runtime.snapshots.diff(from ?? null, to);
      // Names as the newer snapshot saw them, or the older one for what is gone.
      const names = await runtime.snapshots.namesAt(from ? [from, to] : [to], {
        accounts: diff.grants.map((change) => change.accountExternalId),
        entitlements: diff.grants.flatMap((change) =>
          change.via ? [change.entitlement, change.via] : [change.entitlement],
        ),
      });
      const grants = diff.grants.map((change) => ({
        change: change.change,
        account: {
          externalId: change.accountExternalId,
          username: names.accounts.get(change.accountExternalId) ?? null,
        },
        entitlement: namedRef(change.entitlement, entitlementName(names, change.entitlement)),
        via: change.via ? namedRef(change.via, entitlementName(names, change.via)) : null,
        before: change.before,
        after: change.after,
      }));
      output(
        io,
        options,
        () => ({
          connection: name,
          from: from ?? null,
          to,
          accounts: diff.accounts,
          entitlements: diff.entitlements.map((change) => ({
            change: change.change,
            entitlement: namedRef(change.entitlement, change.nameAfter ?? change.nameBefore),
            nameBefore: change.nameBefore,
            nameAfter: change.nameAfter,
          })),
          grants,
        }),
        () =>
          [
            `Changes from ${from ? `#${from}` : 'nothing'} to #${to}:`,
            ...diff.accounts.map((change) => `  account ${change.change.padEnd(11)} ${change.username}`),
            ...diff.entitlements.map(
              (change) =>
                `  ${change.entitlement.type} ${change.change.padEnd(7)} ${change.nameAfter ?? change.nameBefore ?? change.entitlement.externalId}`,
            ),
            ...grants.map(
              (change) =>
                `  grant ${change.change.padEnd(7)} ${change.account.username ?? change.account.externalId} ` +
                `${change.entitlement.type} ${refText(change.entitlement)}${change.via ? ` via ${change.via.type} ${refText(change.via)}` : ''}`,
            ),
            `${diff.accounts.length} account, ${diff.entitlements.length} entitlement and ${diff.grants.length} grant changes.`,
          ].join('\n') + '\n',
      );
    }),
  );

  jsonOption(
    program
      .command('access <connection> <account>')
      .description(
        'What an account (id or username) holds, directly or through a group, and since when; now or at a past date.',
      )
      .option('--at <date>', 'as of a date or time, e.g. 2026-11-01 or 2026-11-01T12:00:00Z', dateTime),
  ).action((name: string, account: string, options: JsonFlag & { at?: Date }) =>
    withRuntime(io, async (runtime) => {
      const connection = await runtime.connectionNamed(name);
      const externalId = await resolveAccount(runtime, connection.id, account);
      const snapshot = await snapshotAt(runtime, connection, options.at);
      const grants = await runtime.snapshots.grantsAt(connection.id, externalId, snapshot.id);
      const names = await runtime.snapshots.namesAt([snapshot.id], {
        accounts: [externalId],
        entitlements: [],
      });
      output(
        io,
        options,
        () => ({
          connection: name,
          account: { externalId, username: names.accounts.get(externalId) ?? null },
          at: options.at?.toISOString() ?? null,
          snapshot: { id: snapshot.id, takenAt: snapshot.takenAt.toISOString() },
          grants: grants.map((g) => ({
            entitlement: namedRef(g.entitlement, g.entitlementName),
            via: g.via ? namedRef(g.via, g.viaName) : null,
            heldSince: g.heldSince.toISOString(),
            grantedAt: g.grantedAt?.toISOString() ?? null,
            expiresAt: g.expiresAt?.toISOString() ?? null,
          })),
        }),
        () =>
          (options.at ? `As of snapshot #${snapshot.id} (${isoMinute(snapshot.takenAt)}):\n` : '') +
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

  jsonOption(
    program
      .command('timeline <connection> <account>')
      .description("An account's history: when it appeared, changed status, gained and lost access."),
  ).action((name: string, account: string, options: JsonFlag) =>
    withRuntime(io, async (runtime) => {
      const connection = await runtime.connectionNamed(name);
      const externalId = await resolveAccount(runtime, connection.id, account);
      const events = await runtime.snapshots.accountTimeline(connection.id, externalId);
      const snapshotIds = [...new Set(events.map((event) => event.snapshotId))].sort((a, b) => a - b);
      const names = await runtime.snapshots.namesAt(snapshotIds, {
        accounts: [externalId],
        entitlements: events.flatMap((event) => [
          ...(event.entitlement ? [event.entitlement] : []),
          ...(event.via ? [event.via] : []),
        ]),
      });
      const rows = events.map((event) => ({
        at: event.at.toISOString(),
        snapshotId: event.snapshotId,
        event: event.event,
        entitlement: event.entitlement
          ? namedRef(event.entitlement, event.entitlementName ?? entitlementName(names, event.entitlement))
          : null,
        via: event.via ? namedRef(event.via, entitlementName(names, event.via)) : null,
        details: event.details,
      }));
      output(
        io,
        options,
        () => ({
          connection: name,
          account: { externalId, username: names.accounts.get(externalId) ?? null },
          events: rows,
        }),
        () =>
          `${names.accounts.get(externalId) ?? externalId} (${externalId}):\n` +
          table(
            ['WHEN (UTC)', 'SNAPSHOT', 'EVENT', 'TYPE', 'ENTITLEMENT', 'THROUGH'],
            events.map((event, index) => [
              isoMinute(event.at),
              `#${event.snapshotId}`,
              event.event,
              event.entitlement?.type ?? '',
              refText(rows[index]?.entitlement ?? null),
              refText(rows[index]?.via ?? null),
            ]),
          ),
      );
    }),
  );
}

/** The snapshot taken before `snapshotId` of the same connection. */
async function previousSnapshot(
  runtime: Runtime,
  connectionId: number,
  snapshotId: number,
): Promise<Snapshot | undefined> {
  const snapshot = await runtime.snapshots.getSnapshot(snapshotId);
  if (!snapshot) return undefined;
  const [previous] = await runtime.snapshots.listSnapshots(connectionId, {
    limit: 1,
    before: snapshot.takenAt,
  });
  return previous;
}
