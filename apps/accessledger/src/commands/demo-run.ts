import {
  generateOrg,
  startEmulator,
  type EmulatedOrg,
  type PresetName,
} from '@accessledger/salesforce-emulator';
import type { CliIo } from '../cli-io.js';
import { connectToEmulatedOrg } from '../emulated-connection.js';
import { openRuntime } from '../runtime.js';
import { syncConnection } from '../sync-runner.js';
import type { DemoOptions } from './demo.js';
import { describeOutcome } from './sync.js';

/** `accessledger demo`'s work, loaded on demand with the emulator. */
export async function runDemo(
  io: CliIo,
  options: DemoOptions,
  size: { preset: PresetName } | { users: number },
): Promise<void> {
  const org = generateOrg({ seed: Number(options.seed), ...size });
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
