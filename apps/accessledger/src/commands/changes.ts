import {
  createRunContext,
  isDeprovisioner,
  isProvisioner,
  UnsupportedError,
  type Connector,
  type DeprovisionAction,
  type JsonObject,
  type OpResult,
  type ProvisionOp,
  type RunContext,
} from '@accessledger/core';
import type { Command } from 'commander';
import type { CliIo } from '../cli.js';
import type { Connection } from '@accessledger/storage';
import { audited } from '../audit.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { resolveAccount, resolveEntitlement } from '../resolve.js';

interface ChangeFlags {
  readonly dryRun?: boolean;
}

function printResult(io: CliIo, result: OpResult): void {
  const verb = result.dryRun ? 'would make' : 'made';
  io.stdout.write(
    result.changed
      ? `${result.dryRun ? 'Dry run: ' : ''}${result.summary ?? 'Done'}; ${verb} ${result.calls.length} call(s):\n`
      : `Nothing to change${result.summary ? `: ${result.summary}` : ''}.\n`,
  );
  for (const call of result.calls) io.stdout.write(`  ${call.method} ${call.path}  (${call.description})\n`);
  if (result.resumeToken) io.stdout.write(`Stopped part-way; continue with --resume ${result.resumeToken}\n`);
}

async function withConnector<T>(
  io: CliIo,
  name: string,
  work: (
    runtime: Runtime,
    connection: Connection,
    connector: Connector,
    ctx: (reportRequests: (requests: number) => void) => RunContext,
  ) => Promise<T>,
): Promise<T> {
  const runtime = await openRuntime({ env: io.env });
  try {
    const connection = await runtime.connectionNamed(name);
    const connector = runtime.connectorOf(connection);
    // The context passes the connector's count of API requests on to the audit entry.
    const ctx = (reportRequests: (requests: number) => void): RunContext =>
      createRunContext({
        credentials: runtime.credentialsOf(connection),
        logger: runtime.logger,
        progress: {
          report: (progress) => {
            if (progress.usage) reportRequests(progress.usage.requests);
          },
        },
      });
    return await work(runtime, connection, connector, ctx);
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
    program
      .command(`${kind} <connection> <account> <type> <entitlement>`)
      .description(
        `${kind === 'grant' ? 'Grant' : 'Revoke'} an entitlement (type e.g. permission_set, profile, public_group).`,
      )
      .option('--dry-run', 'print the calls it would make and change nothing')
      .action((name: string, account: string, type: string, entitlement: string, flags: ChangeFlags) =>
        withConnector(io, name, async (runtime, connection, connector, ctx) => {
          if (!isProvisioner(connector))
            throw new UnsupportedError(
              `The ${connector.manifest.displayName} connector cannot ${kind} access.`,
            );
          const accountExternalId = await resolveAccount(runtime, connection.id, account);
          const held = await resolveEntitlement(runtime, connection.id, type, entitlement);
          const dryRun = flags.dryRun === true;
          const op: ProvisionOp = { kind, accountExternalId, entitlement: held, dryRun };
          const target: JsonObject = {
            entitlement: { type: held.type, externalId: held.externalId },
            asGiven: { account, entitlement },
          };
          printResult(
            io,
            await audited(
              runtime,
              connection,
              { operation: kind, accountExternalId, target, dryRun },
              (report) => connector.provision(ctx(report), op),
            ),
          );
        }),
      );
  }

  program
    .command('deprovision <connection> <account> <action>')
    .description(
      'Take access away: deactivate (never delete), release (remove grants) or transfer (record ownership).',
    )
    .option('--to <account>', 'for transfer: the new owner')
    .option('--objects <names>', 'for transfer: comma-separated sObject names, e.g. Account,Opportunity')
    .option('--resume <token>', 'for transfer: continue where a previous call stopped')
    .option('--dry-run', 'print the calls it would make and change nothing')
    .action(
      (
        name: string,
        account: string,
        action: string,
        flags: ChangeFlags & { to?: string; objects?: string; resume?: string },
      ) =>
        withConnector(io, name, async (runtime, connection, connector, ctx) => {
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
          printResult(
            io,
            await audited(
              runtime,
              connection,
              { operation: deprovision.kind, accountExternalId, target, dryRun },
              (report) => connector.deprovision(ctx(report), deprovision),
            ),
          );
        }),
    );
}
