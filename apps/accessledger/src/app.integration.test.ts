import 'reflect-metadata';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import { openDatabase } from '@accessledger/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { ExitCodes } from './exit-codes.js';

const SECRET_ENV = 'TEST_SF_CLIENT_SECRET';
let emulator: EmulatorHandle;
let dataRoot: string;

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    text: () => chunks.join(''),
  };
}

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const env = {
    ACCESSLEDGER_DATA_DIR: join(dataRoot, 'db'),
    [SECRET_ENV]: emulator.connectedApp.clientSecret,
    LOG_LEVEL: 'silent',
  };
  const code = await runCli(argv, { stdout: stdout.stream, stderr: stderr.stream, env });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

beforeAll(async () => {
  dataRoot = mkdtempSync(join(tmpdir(), 'accessledger-app-'));
  emulator = await startEmulator({ org: generateOrg({ seed: 3, preset: 'tiny' }) });
});

afterAll(async () => {
  await emulator.close();
  rmSync(dataRoot, { recursive: true, force: true });
});

describe('the accessledger CLI on the embedded database against an emulated org', () => {
  it('adds a connection, storing its secret encrypted, after checking its config', async () => {
    const bad = await cli(
      'connections',
      'add',
      'broken',
      '--connector',
      'salesforce',
      '--config',
      '{"domain":"acme-uat.sandbox.my.salesforce.com","auth":{"flow":"client-credentials","clientId":"x"}}',
    );
    expect(bad.code).toBe(ExitCodes.invalid);
    expect(bad.stderr).toContain('Did you mean acme--uat.sandbox.my.salesforce.com?');

    const config = JSON.stringify({
      domain: emulator.baseUrl,
      allowCustomHosts: true,
      auth: { flow: 'client-credentials', clientId: emulator.connectedApp.clientId },
    });
    const added = await cli(
      'connections',
      'add',
      'acme',
      '--connector',
      'salesforce',
      '--config',
      config,
      '--secret',
      `clientSecret=env:${SECRET_ENV}`,
    );
    expect(added.stderr).toBe('');
    expect(added.stdout).toContain(
      'Added connection "acme" (salesforce, id 1) with credentials clientSecret.',
    );

    const database = await openDatabase({ engine: 'pglite', dataDir: join(dataRoot, 'db') });
    try {
      const rows = await database.knex('credentials').select('name', 'ciphertext');
      expect(rows.map((row: { name: string }) => row.name)).toEqual(['clientSecret']);
      expect(JSON.stringify(rows)).not.toContain(emulator.connectedApp.clientSecret);
    } finally {
      await database.close();
    }
  });

  it('refuses a secret given literally and an invalid schedule, saying how to give them', async () => {
    const literal = await cli(
      'connections',
      'add',
      'x',
      '--connector',
      'salesforce',
      '--secret',
      'clientSecret=hunter2',
    );
    expect(literal.code).toBe(ExitCodes.invalid);
    expect(literal.stderr).toContain('must be name=env:VARIABLE or name=@file');
    expect(literal.stderr).not.toContain('hunter2');
    const schedule = await cli('connections', 'schedule', 'acme', '61 * * * *');
    expect(schedule.code).toBe(ExitCodes.invalid);
    expect(schedule.stderr).toContain('invalid cron expression "61 * * * *"');
  });

  it('validates the connection against the org', async () => {
    const validated = await cli('connections', 'validate', 'acme');
    expect(validated.stdout).toMatch(/^ok +authentication: /m);
    expect(validated.stdout).toContain('Connection is ready');
    expect(validated.code).toBe(0);
  });

  it('syncs twice and reports what changed in between', async () => {
    const first = await cli('sync', 'acme');
    expect(first.stderr).toMatch(/^sync users: 21 records/m);
    expect(first.stdout).toMatch(
      /^Snapshot #1 of "acme": 21 accounts, \d+ entitlements, \d+ grants; \d+ versions opened, 0 closed/,
    );

    const user = emulator.org
      .find('User', { IsActive: true })
      .find((candidate) => candidate['Id'] !== emulator.org.adminUserId);
    if (!user) throw new Error('the tiny org has no second active user');
    emulator.org.update('User', user['Id'] as string, { IsActive: false });

    const second = await cli('sync', 'acme');
    expect(second.stdout).toMatch(/^Snapshot #2 of "acme": 21 accounts/);
    const diff = await cli('diff', 'acme');
    expect(diff.stdout).toContain(`account deactivated ${String(user['Username'])}`);

    const snapshots = await cli('snapshots', 'acme');
    expect(snapshots.stdout.split('\n').filter((line) => line.startsWith('#'))).toHaveLength(2);

    const timeline = await cli('timeline', 'acme', String(user['Username']));
    expect(timeline.stdout).toContain('account_created');
    expect(timeline.stdout).toContain('account_deactivated');

    const access = await cli('access', 'acme', String(user['Username']));
    expect(access.stdout).toMatch(/profile +\S/);
  });

  it('grants and revokes a permission set by name, with a dry run first, and deactivates a user', async () => {
    const user = emulator.org
      .find('User', { IsActive: true })
      .find((candidate) => candidate['Id'] !== emulator.org.adminUserId);
    const assigned = new Set(
      emulator.org
        .find('PermissionSetAssignment', { AssigneeId: user?.['Id'] as string })
        .map((row) => row['PermissionSetId']),
    );
    const regular = emulator.org.find('PermissionSet', { IsOwnedByProfile: false, Type: 'Regular' });
    const labelCount = (label: unknown): number =>
      regular.filter((candidate) => candidate['Label'] === label).length;
    const permissionSet = regular.find(
      (candidate) => !assigned.has(candidate['Id']) && labelCount(candidate['Label']) === 1,
    );
    if (!user || !permissionSet) throw new Error('the tiny org lacks a user without some permission set');
    const username = String(user['Username']);
    const label = String(permissionSet['Label']);
    const held = (): number =>
      emulator.org.find('PermissionSetAssignment', {
        AssigneeId: user['Id'] as string,
        PermissionSetId: permissionSet['Id'] as string,
      }).length;

    const planned = await cli(
      'grant',
      'acme',
      username,
      'permission_set',
      String(permissionSet['Id']),
      '--dry-run',
    );
    expect(planned.stderr).toBe('');
    expect(planned.stdout).toMatch(/^Dry run: .*would make 1 call\(s\)/);
    expect(held()).toBe(0);

    const granted = await cli('grant', 'acme', username, 'permission_set', String(permissionSet['Id']));
    expect(granted.stdout).toMatch(/made 1 call\(s\)/);
    expect(held()).toBe(1);
    expect(
      (await cli('grant', 'acme', username, 'permission_set', String(permissionSet['Id']))).stdout,
    ).toMatch(/^Nothing to change/);

    const revoked = await cli('revoke', 'acme', username, 'permission_set', label);
    expect(revoked.stderr).toBe('');
    expect(held()).toBe(0);

    const deactivate = await cli('deprovision', 'acme', username, 'deactivate', '--dry-run');
    expect(deactivate.stdout).toMatch(/^Dry run: /);
    expect(emulator.org.get(user['Id'] as string)?.['IsActive']).toBe(true);
    const unknown = await cli('deprovision', 'acme', username, 'delete');
    expect(unknown.stderr).toContain(
      'supports deprovisioning by deactivate, release, transfer, not "delete"',
    );
  });

  it('records every provisioning action, dry runs and failures included, in the audit trail', async () => {
    const user = emulator.org
      .find('User', { IsActive: true })
      .find((candidate) => candidate['Id'] !== emulator.org.adminUserId);
    const permissionSet = emulator.org.find('PermissionSet', { IsOwnedByProfile: false, Type: 'Regular' })[0];
    if (!user || !permissionSet) throw new Error('the tiny org lacks a user or a permission set');
    // The org's daily budget is spent: the grant fails, and the failure is recorded with its code.
    emulator.faults.set({ dailyApiLimit: 1 });
    const failed = await cli(
      'grant',
      'acme',
      String(user['Username']),
      'permission_set',
      String(permissionSet['Id']),
    );
    // The window frees up again (a reset leaves the budget as it was set).
    emulator.faults.set({ dailyApiLimit: 5_000_000 });
    emulator.faults.reset();
    // The daily budget is spent: rate limited, worth trying later (README: exit codes).
    expect(failed.code).toBe(7);

    const db = await openDatabase({ engine: 'pglite', dataDir: join(dataRoot, 'db') });
    try {
      const rows = await db.knex.raw<{
        rows: {
          operation: string;
          dry_run: boolean;
          outcome: string;
          calls: number;
          error_code: string | null;
          os_user: string;
          host: string;
          connection_name: string;
          target_type: string | null;
        }[];
      }>(
        `SELECT operation, dry_run, outcome, jsonb_array_length(calls)::int AS calls, error_code, os_user, host,
                connection_name, target->'entitlement'->>'type' AS target_type
           FROM provisioning_audit ORDER BY id`,
      );
      expect(
        rows.rows.map((row) => [row.operation, row.dry_run, row.outcome, row.calls, row.error_code]),
      ).toEqual([
        ['grant', true, 'changed', 1, null],
        ['grant', false, 'changed', 1, null],
        ['grant', false, 'unchanged', 0, null],
        ['revoke', false, 'changed', 1, null],
        ['deactivate', true, 'changed', 1, null],
        ['grant', false, 'failed', 0, 'RATE_LIMITED'],
      ]);
      for (const row of rows.rows) {
        expect(row.os_user).toBe(userInfo().username);
        expect(row.host).toBe(hostname());
        expect(row.connection_name).toBe('acme');
      }
      expect(rows.rows[0]?.target_type).toBe('permission_set');
      // The trail is append-only: a finished entry cannot be changed or deleted, even in SQL.
      await expect(db.knex.raw(`UPDATE provisioning_audit SET outcome = 'unchanged'`)).rejects.toThrow(
        /is finished and cannot change/,
      );
      await expect(db.knex.raw(`DELETE FROM provisioning_audit`)).rejects.toThrow(/never deleted/);
    } finally {
      await db.close();
    }

    const trail = await cli('audit', 'acme', '--since', '1d');
    expect(trail.stderr).toBe('');
    const lines = trail.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^when +who +connection +operation +account +target +dry run +outcome +calls +error$/,
    );
    expect(lines).toHaveLength(7);
    expect(lines[1]).toMatch(
      new RegExp(
        `${userInfo().username}@\\S+ +acme +grant +\\S+ +permission_set \\S+ +no +failed +0 +RATE_LIMITED`,
      ),
    );
    expect((await cli('audit', 'other')).stdout).toBe('No provisioning actions recorded for "other".\n');
    const since = await cli('audit', '--since', 'yesterday');
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since takes a date');
    const json = JSON.parse((await cli('audit', 'acme', '--json')).stdout) as {
      connection: string;
      entries: { operation: string; outcome: string; dryRun: boolean; osUser: string }[];
    };
    expect(json.connection).toBe('acme');
    expect(json.entries).toHaveLength(6);
    expect(json.entries[0]).toMatchObject({ operation: 'grant', outcome: 'failed', dryRun: false });
    expect(json.entries.some((entry) => entry.dryRun)).toBe(true);
  });

  it('prints labels from the org with control characters neutralised, so they cannot rewrite the terminal', async () => {
    const assignment = emulator.org
      .find('PermissionSetAssignment')
      .find(
        (row) =>
          row['AssigneeId'] !== emulator.org.adminUserId &&
          emulator.org.get(String(row['PermissionSetId']))?.['IsOwnedByProfile'] === false,
      );
    if (!assignment) throw new Error('the tiny org has no permission set assignment');
    const user = emulator.org.get(String(assignment['AssigneeId']));
    emulator.org.update('PermissionSet', String(assignment['PermissionSetId']), {
      Label: 'Sales\u001b[2J\u001b]0;pwned\u0007 Ops\u202e',
    });
    const synced = await cli('sync', 'acme');
    expect(synced.code).toBe(0);
    const access = await cli('access', 'acme', String(user?.['Username']));
    expect(access.stdout).toContain('Sales\\u001b[2J\\u001b]0;pwned\\u0007 Ops\\u202e');
    for (const control of ['\u001b', '\u0007', '\u202e']) expect(access.stdout).not.toContain(control);
  });

  it('names the known connections when asked for an unknown one', async () => {
    const missing = await cli('sync', 'nope');
    expect(missing.code).toBe(ExitCodes.notFound);
    expect(missing.stderr).toContain('No connection named "nope" (known: acme)');
  });
});
