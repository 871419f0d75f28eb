import { InvalidInputError } from '@accessledger/core';
import {
  generateOrg,
  startEmulator,
  type EmulatedOrg,
  type PresetName,
} from '@accessledger/salesforce-emulator';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { connectToEmulatedOrg } from '../emulated-connection.js';
import { openRuntime } from '../runtime.js';
import { syncConnection } from '../sync-runner.js';
import { describeOutcome } from './sync.js';

interface DemoOptions {
  readonly preset: string;
  readonly users?: string;
  readonly seed: string;
  readonly name: string;
}

const PRESETS: readonly PresetName[] = ['tiny', 'demo', 'large'];

/**
 * The main job on embedded defaults, with no server and no Salesforce org:
 * an emulated org is generated and served on loopback, a connection to it is
 * stored (its client secret encrypted), and two syncs are recorded, with a
 * day's worth of access changes made in the org between them.
 */
export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description(
      'Sync an emulated Salesforce org twice into the database (embedded by default) and show what changed.',
    )
    .option('--preset <name>', `org size: ${PRESETS.join(', ')}`, 'demo')
    .option('--users <n>', 'number of users instead of a preset')
    .option('--seed <n>', 'seed of the generated org', '1')
    .option('--name <connection>', 'connection name', 'demo')
    .action(async (options: DemoOptions) => {
      const org = generateOrg({ seed: Number(options.seed), ...orgSize(options) });
      const emulator = await startEmulator({ org });
      const runtime = await openRuntime({ env: io.env, migrate: true });
      const controller = new AbortController();
      const abort = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', abort);
      try {
        io.stdout.write(
          `Emulated Salesforce org ${org.organizationId} on ${emulator.baseUrl}; database: ${runtime.database.description}\n`,
        );
        const connection = await connectToEmulatedOrg(runtime, options.name, emulator);
        const first = await syncConnection(runtime, connection, { signal: controller.signal });
        io.stdout.write(describeOutcome(options.name, first));

        const made = changeAccess(org);
        io.stdout.write(`Changed access in the org: ${made.join('; ')}.\n`);
        const second = await syncConnection(runtime, connection, { signal: controller.signal });
        io.stdout.write(describeOutcome(options.name, second));

        const diff = await runtime.snapshots.diff(first.snapshot.id, second.snapshot.id);
        io.stdout.write(
          `Between #${first.snapshot.id} and #${second.snapshot.id}: ${diff.accounts.length} account, ` +
            `${diff.entitlements.length} entitlement and ${diff.grants.length} grant changes.\n\n` +
            `Next: accessledger diff ${options.name} | accessledger snapshots ${options.name} | ` +
            `accessledger access ${options.name} <username>\nSQL: docs/sql-cookbook.md (views current_access, grant_changes(…), account_timeline(…)).\n`,
        );
      } finally {
        process.off('SIGINT', abort);
        await runtime.close();
        await emulator.close();
      }
    });
}

function orgSize(options: DemoOptions): { preset: PresetName } | { users: number } {
  if (options.users !== undefined) {
    const users = Number(options.users);
    if (!Number.isInteger(users) || users < 1)
      throw new InvalidInputError(`--users takes a positive whole number, not "${options.users}".`);
    return { users };
  }
  const preset = PRESETS.find((name) => name === options.preset);
  if (!preset)
    throw new InvalidInputError(`--preset must be one of ${PRESETS.join(', ')}, not "${options.preset}".`);
  return { preset };
}

/** A day in the life of an org: someone is given a permission set, someone leaves. */
function changeAccess(org: EmulatedOrg): string[] {
  const made: string[] = [];
  const users = org.find('User', { IsActive: true }).filter((user) => user['Id'] !== org.adminUserId);
  const permissionSet = org.find('PermissionSet', { IsOwnedByProfile: false, Type: 'Regular' })[0];
  const grantee = users.find(
    (user) =>
      permissionSet &&
      org.find('PermissionSetAssignment', {
        AssigneeId: user['Id'] as string,
        PermissionSetId: permissionSet['Id'] as string,
      }).length === 0,
  );
  if (permissionSet && grantee) {
    org.create('PermissionSetAssignment', {
      AssigneeId: grantee['Id'],
      PermissionSetId: permissionSet['Id'],
    });
    made.push(`${String(grantee['Username'])} got permission set ${String(permissionSet['Label'])}`);
  }
  const leaver = users.find((user) => user !== grantee);
  if (leaver) {
    org.update('User', leaver['Id'] as string, { IsActive: false });
    made.push(`${String(leaver['Username'])} was deactivated`);
  }
  return made;
}
