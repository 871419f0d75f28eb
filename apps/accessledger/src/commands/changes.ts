import {
  createRunContext,
  isDeprovisioner,
  isProvisioner,
  UnsupportedError,
  type Connector,
  type DeprovisionAction,
  type OpResult,
  type ProvisionOp,
  type RunContext,
} from '@accessledger/core';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { dateTime } from '../options.js';
import { jsonOption, opResultJson, opResultText, output, type JsonFlag } from '../output.js';
import { openRuntime, type Runtime } from '../runtime.js';
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

async function withConnector<T>(
  io: CliIo,
  name: string,
  work: (runtime: Runtime, connectionId: number, connector: Connector, ctx: RunContext) => Promise<T>,
): Promise<T> {
  const runtime = await openRuntime({ env: io.env });
  try {
    const connection = await runtime.connectionNamed(name);
    const connector = runtime.connectorOf(connection);
    const ctx = createRunContext({ credentials: runtime.credentialsOf(connection), logger: runtime.logger });
    return await work(runtime, connection.id, connector, ctx);
  } finally {
    await runtime.close();
  }
}

/**
 * `grant`, `revoke` and `deprovision`: act on access through connectors that
 * can. Accounts are named by id or username, entitlements by id or name
 * (from the latest snapshot); `--dry-run` prints the calls without making them.
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
        withConnector(io, name, async (runtime, connectionId, connector, ctx) => {
          if (!isProvisioner(connector))
            throw new UnsupportedError(
              `The ${connector.manifest.displayName} connector cannot ${kind} access.`,
            );
          const accountExternalId = await resolveAccount(runtime, connectionId, account);
          const ref = await resolveEntitlement(runtime, connectionId, type, entitlement, { connector, ctx });
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
          printResult(io, flags, name, kind, await connector.provision(ctx, op));
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
      withConnector(io, name, async (runtime, connectionId, connector, ctx) => {
        if (
          !isDeprovisioner(connector) ||
          !connector.manifest.deprovisionActions.some((supported) => supported === action)
        ) {
          throw new UnsupportedError(
            `The ${connector.manifest.displayName} connector supports deprovisioning by ${connector.manifest.deprovisionActions.join(', ') || 'no action'}, not "${action}".`,
          );
        }
        const accountExternalId = await resolveAccount(runtime, connectionId, account);
        const dryRun = flags.dryRun === true;
        let deprovision: DeprovisionAction;
        if (action === 'transfer') {
          if (!flags.to)
            throw new UnsupportedError('transfer needs --to <account>: the user who becomes the owner.');
          deprovision = {
            kind: 'transfer',
            accountExternalId,
            toAccountExternalId: await resolveAccount(runtime, connectionId, flags.to),
            dryRun,
            ...(flags.objects ? { objectTypes: flags.objects.split(',').map((item) => item.trim()) } : {}),
            ...(flags.resume ? { resumeToken: flags.resume } : {}),
          };
        } else {
          deprovision = { kind: action as 'deactivate' | 'release', accountExternalId, dryRun };
        }
        printResult(io, flags, name, action, await connector.deprovision(ctx, deprovision));
      }),
  );
}
