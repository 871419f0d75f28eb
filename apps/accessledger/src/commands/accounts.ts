import {
  EntitlementTypes,
  isProvisioner,
  UnsupportedError,
  type AccountChanges,
  type EntitlementRef,
  type JsonObject,
  type OpResult,
  type ProvisionOp,
} from '@accessledger/core';
import type { Command } from 'commander';
import { withProvisioningSession } from '../audit.js';
import type { CliIo } from '../cli-io.js';
import { fieldAssignment } from '../options.js';
import { jsonOption, opResultJson, opResultText, output, type JsonFlag } from '../output.js';
import { resolveAccount, resolveEntitlement } from '../resolve.js';

interface AccountFlags extends JsonFlag {
  readonly dryRun?: boolean;
  readonly email?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly attr?: Record<string, string>;
}

interface CreateFlags extends AccountFlags {
  readonly username: string;
  readonly email: string;
  readonly lastName: string;
  readonly profile: string;
  readonly role?: string;
}

const attrHelp =
  'a field by API name, repeatable, e.g. --attr Department=Finance --attr Cost_Center__c=42 (checked against describe)';

/**
 * `accounts create` and `accounts update`: provision accounts through a
 * connector that can. Profiles and roles are named by id or name (latest
 * snapshot); `--dry-run` prints the exact calls after the checks the
 * application's answer can be known for.
 */
export function registerAccountCommands(program: Command, io: CliIo): void {
  const accounts = program.command('accounts').description('Create and update accounts in the application.');

  const run = async (
    name: string,
    flags: JsonFlag,
    operation: string,
    work: Parameters<typeof withProvisioner>[2],
  ): Promise<void> => {
    const result = await withProvisioner(io, name, work);
    output(
      io,
      flags,
      () => opResultJson(name, operation, result),
      () => opResultText(result),
    );
  };

  jsonOption(
    accounts
      .command('create <connection>')
      .description('Create an account (a Salesforce user) with its profile, and optionally a role.')
      .requiredOption('--username <username>', 'unique across all Salesforce orgs, in the form of an email')
      .requiredOption('--email <email>', 'email address')
      .requiredOption('--last-name <name>', 'last name')
      .requiredOption('--profile <profile>', 'profile id or name, e.g. "Standard User"')
      .option('--first-name <name>', 'first name')
      .option('--role <role>', 'role id or name')
      .option('--attr <Field=value>', attrHelp, fieldAssignment, {})
      .option('--dry-run', 'print the calls it would make and change nothing'),
  ).action((name: string, flags: CreateFlags) =>
    run(name, flags, 'createAccount', async ({ resolve }) => {
      const entitlements: EntitlementRef[] = [await resolve(EntitlementTypes.profile, flags.profile)];
      if (flags.role) entitlements.push(await resolve(EntitlementTypes.role, flags.role));
      return {
        kind: 'createAccount',
        dryRun: flags.dryRun === true,
        account: {
          username: flags.username,
          email: flags.email,
          lastName: flags.lastName,
          displayName: [flags.firstName, flags.lastName].filter(Boolean).join(' '),
          ...(flags.firstName ? { firstName: flags.firstName } : {}),
          entitlements,
          attributes: { ...flags.attr },
        },
      };
    }),
  );

  jsonOption(
    accounts
      .command('update <connection> <account>')
      .description('Change fields of an account (id or username); only what differs is written.')
      .option('--email <email>', 'email address')
      .option('--first-name <name>', 'first name')
      .option('--last-name <name>', 'last name')
      .option('--attr <Field=value>', attrHelp, fieldAssignment, {})
      .option('--dry-run', 'print the calls it would make and change nothing'),
  ).action((name: string, account: string, flags: AccountFlags) =>
    run(name, flags, 'updateAccount', async ({ account: accountOf }) => {
      const changes: AccountChanges = {
        ...(flags.email !== undefined ? { email: flags.email } : {}),
        ...(flags.firstName !== undefined ? { firstName: flags.firstName } : {}),
        ...(flags.lastName !== undefined ? { lastName: flags.lastName } : {}),
        ...(flags.attr && Object.keys(flags.attr).length > 0 ? { attributes: { ...flags.attr } } : {}),
      };
      return {
        kind: 'updateAccount',
        dryRun: flags.dryRun === true,
        accountExternalId: await accountOf(account),
        changes,
      };
    }),
  );
}

interface Resolvers {
  resolve(type: string, idOrName: string): Promise<EntitlementRef>;
  account(idOrUsername: string): Promise<string>;
}

/** Plans the operation with the connection's resolvers, then runs it through the audit trail. */
function withProvisioner(
  io: CliIo,
  name: string,
  plan: (resolvers: Resolvers) => Promise<ProvisionOp>,
): Promise<OpResult> {
  return withProvisioningSession(io, name, async ({ runtime, connection, connector, ctx, audited }) => {
    if (!isProvisioner(connector))
      throw new UnsupportedError(
        `The ${connector.manifest.displayName} connector cannot create or update accounts.`,
      );
    const op = await plan({
      resolve: (type, idOrName) =>
        resolveEntitlement(runtime, connection.id, type, idOrName, { connector, ctx }),
      account: (idOrUsername) => resolveAccount(runtime, connection.id, idOrUsername),
    });
    const target: JsonObject =
      op.kind === 'createAccount'
        ? {
            username: op.account.username,
            entitlements: (op.account.entitlements ?? []).map((ref) => ({
              type: ref.type,
              externalId: ref.externalId,
            })),
            fields: Object.keys(op.account.attributes ?? {}),
          }
        : op.kind === 'updateAccount'
          ? {
              fields: Object.keys({ ...op.changes, ...(op.changes.attributes ?? {}) }).filter(
                (key) => key !== 'attributes',
              ),
            }
          : {};
    return audited(
      {
        operation: op.kind,
        accountExternalId: op.kind === 'createAccount' ? null : op.accountExternalId,
        target,
        dryRun: op.dryRun === true,
      },
      () => connector.provision(ctx, op),
    );
  });
}
