import {
  isDeprovisioner,
  isProvisioner,
  UnsupportedError,
  type DeprovisionAction,
  type JsonObject,
  type OpResult,
  type ProvisionOp,
} from '@accessledger/core';
import type { Command } from 'commander';
import { withProvisioningSession } from '../audit.js';
import type { CliIo } from '../cli-io.js';
import { dateTime } from '../options.js';
import { jsonOption, opResultJson, opResultText, output, type JsonFlag } from '../output.js';
import { resolveAccount, resolveEntitlement } from '../resolve.js';

interface ChangeFlags extends JsonFlag {
  readonly dryRun?: boolean;
}

function printResult(
  io: CliIo,
  flags: JsonFlag,
  connection: string,
  operation: string,
  result: OpResult,
): void {
  output(
    io,
    flags,
    () => opResultJson(connection, operation, result),
    () => opResultText(result),
  );
}

/**
 * `grant`, `revoke` and `deprovision`: act on access through connectors that
 * can. Accounts are named by id or username, entitlements by id or name
 * (from the latest snapshot); `--dry-run` prints the calls without making them.
 * Every action, dry runs included, is recorded in the audit trail.
 */
export function registerChangeCommands(program: Command, io: CliIo): void {
  for (const kind of ['grant', 'revoke'] as const) {
    const command = program
      .command(`${kind} <connection> <account> <type> <entitlement>`)
      .description(
        `${kind === 'grant' ? 'Grant' : 'Revoke'} an entitlement (type e.g. permission_set, profile, public_group).`,
      )
      .option('--dry-run', 'print the calls it would make and change nothing');
    if (kind === 'grant')
      command.option(
        '--expires <date>',
        'end the assignment on this date (types with expiry: permission_set, permission_set_group)',
        dateTime,
      );
    jsonOption(command).action(
      (
        name: string,
        account: string,
        type: string,
        entitlement: string,
        flags: ChangeFlags & { expires?: Date },
      ) =>
        withProvisioningSession(io, name, async ({ runtime, connection, connector, ctx, audited }) => {
          if (!isProvisioner(connector))
            throw new UnsupportedError(
              `The ${connector.manifest.displayName} connector cannot ${kind} access.`,
            );
          const accountExternalId = await resolveAccount(runtime, connection.id, account);
          const ref = await resolveEntitlement(runtime, connection.id, type, entitlement, { connector, ctx });
          const dryRun = flags.dryRun === true;
          const op: ProvisionOp =
            kind === 'grant'
              ? {
                  kind,
                  accountExternalId,
                  entitlement: ref,
                  dryRun,
                  ...(flags.expires ? { expiresAt: flags.expires } : {}),
                }
              : { kind, accountExternalId, entitlement: ref, dryRun };
          const target: JsonObject = {
            entitlement: { type: ref.type, externalId: ref.externalId },
            asGiven: { account, entitlement },
            ...(flags.expires ? { expiresAt: flags.expires.toISOString() } : {}),
          };
          const result = await audited({ operation: kind, accountExternalId, target, dryRun }, () =>
            connector.provision(ctx, op),
          );
          printResult(io, flags, name, kind, result);
        }),
    );
  }

  jsonOption(
    program
      .command('deprovision <connection> <account> <action>')
      .description(
        'Take access away: deactivate (never delete), release (remove grants) or transfer (record ownership).',
      )
      .option('--to <account>', 'for transfer: the new owner')
      .option('--objects <names>', 'for transfer: comma-separated sObject names, e.g. Account,Opportunity')
      .option('--resume <token>', 'for transfer: continue where a previous call stopped')
      .option('--dry-run', 'print the calls it would make and change nothing'),
  ).action(
    (
      name: string,
      account: string,
      action: string,
      flags: ChangeFlags & { to?: string; objects?: string; resume?: string },
    ) =>
      withProvisioningSession(io, name, async ({ runtime, connection, connector, ctx, audited }) => {
        if (
          !isDeprovisioner(connector) ||
          !connector.manifest.deprovisionActions.some((supported) => supported === action)
        ) {
          throw new UnsupportedError(
            `The ${connector.manifest.displayName} connector supports deprovisioning by ${connector.manifest.deprovisionActions.join(', ') || 'no action'}, not "${action}".`,
          );
        }
        const accountExternalId = await resolveAccount(runtime, connection.id, account);
        const dryRun = flags.dryRun === true;
        let deprovision: DeprovisionAction;
        if (action === 'transfer') {
          if (!flags.to)
            throw new UnsupportedError('transfer needs --to <account>: the user who becomes the owner.');
          deprovision = {
            kind: 'transfer',
            accountExternalId,
            toAccountExternalId: await resolveAccount(runtime, connection.id, flags.to),
            dryRun,
            ...(flags.objects ? { objectTypes: flags.objects.split(',').map((item) => item.trim()) } : {}),
            ...(flags.resume ? { resumeToken: flags.resume } : {}),
          };
        } else {
          deprovision = { kind: action as 'deactivate' | 'release', accountExternalId, dryRun };
        }
        const target: JsonObject =
          deprovision.kind === 'transfer'
            ? {
                toAccountExternalId: deprovision.toAccountExternalId,
                ...(deprovision.objectTypes ? { objectTypes: [...deprovision.objectTypes] } : {}),
                ...(deprovision.resumeToken ? { resumed: true } : {}),
              }
            : {};
        const result = await audited({ operation: deprovision.kind, accountExternalId, target, dryRun }, () =>
          connector.deprovision(ctx, deprovision),
        );
        printResult(io, flags, name, action, result);
      }),
  );
}
