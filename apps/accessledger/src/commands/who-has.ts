import { NotFoundError, type EntitlementRef } from '@accessledger/core';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { isoMinute, table } from '../format.js';
import { dateTime } from '../options.js';
import { entitlementName, jsonOption, namedRef, output, type JsonFlag } from '../output.js';
import { resolveEntitlement } from '../resolve.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { snapshotAt } from '../snapshot-at.js';

/** An entitlement named by id or name in the latest snapshot; with `--at`, an id the latest no longer has is taken as is. */
async function entitlementOf(
  runtime: Runtime,
  connectionId: number,
  type: string,
  entitlement: string,
  at: Date | undefined,
): Promise<EntitlementRef> {
  try {
    return await resolveEntitlement(runtime, connectionId, type, entitlement);
  } catch (error) {
    if (at && error instanceof NotFoundError && !/ names \d+ /.test(error.message))
      return { type, externalId: entitlement };
    throw error;
  }
}

/** `accessledger who-has <connection> <type> <entitlement> [--at <date>]`: the inverse of `access`. */
export function registerWhoHasCommand(program: Command, io: CliIo): void {
  jsonOption(
    program
      .command('who-has <connection> <type> <entitlement>')
      .description(
        'Who holds an entitlement (id or name), directly or through a group, now or at a past date.',
      )
      .option('--at <date>', 'as of a date or time, e.g. 2026-11-01 or 2026-11-01T12:00:00Z', dateTime),
  ).action(async (name: string, type: string, entitlement: string, flags: JsonFlag & { at?: Date }) => {
    const runtime = await openRuntime({ env: io.env, readOnly: true });
    try {
      const connection = await runtime.connectionNamed(name);
      const ref = await entitlementOf(runtime, connection.id, type, entitlement, flags.at);
      const snapshot = await snapshotAt(runtime, connection, flags.at);
      const holders = await runtime.snapshots.holdersAt(connection.id, ref, snapshot.id);
      const names = await runtime.snapshots.namesAt([snapshot.id], { accounts: [], entitlements: [ref] });
      const named = namedRef(ref, entitlementName(names, ref));
      output(
        io,
        flags,
        () => ({
          connection: name,
          entitlement: named,
          at: flags.at?.toISOString() ?? null,
          snapshot: { id: snapshot.id, takenAt: snapshot.takenAt.toISOString() },
          holders: holders.map((holder) => ({
            account: { externalId: holder.accountExternalId, username: holder.username },
            status: holder.status,
            via: holder.via ? namedRef(holder.via, holder.viaName) : null,
            heldSince: holder.heldSince.toISOString(),
            expiresAt: holder.expiresAt?.toISOString() ?? null,
          })),
        }),
        () =>
          `${type} ${named.name ?? named.externalId} in snapshot #${snapshot.id} (${isoMinute(snapshot.takenAt)}): ` +
          `${new Set(holders.map((holder) => holder.accountExternalId)).size} account(s)\n` +
          table(
            ['ACCOUNT', 'STATUS', 'THROUGH', 'HELD SINCE (UTC)', 'EXPIRES'],
            holders.map((holder) => [
              holder.username ?? holder.accountExternalId,
              holder.status,
              holder.via ? (holder.viaName ?? holder.via.externalId) : 'direct',
              isoMinute(holder.heldSince),
              isoMinute(holder.expiresAt),
            ]),
          ),
      );
    } finally {
      await runtime.close();
    }
  });
}
