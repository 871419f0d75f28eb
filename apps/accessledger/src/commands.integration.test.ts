import 'reflect-metadata';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import {
  createScratchDatabase,
  postgresSuiteTitle,
  skipPostgres,
  type ScratchDatabase,
} from '@accessledger/test-postgres';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { ExitCodes } from './exit-codes.js';

const SECRET_ENV = 'TEST_SF_CLIENT_SECRET';

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

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Every new command against an emulated org, on the embedded engine and on PostgreSQL. */
for (const engine of ['pglite', 'pg'] as const) {
  describe.skipIf(engine === 'pg' && skipPostgres)(
    engine === 'pg' ? postgresSuiteTitle('CLI commands [pg]') : 'CLI commands [pglite]',
    { timeout: 120_000 },
    () => {
      let emulator: EmulatorHandle;
      let dataRoot: string;
      let scratch: ScratchDatabase | undefined;
      let env: Record<string, string>;

      async function cli(...argv: string[]): Promise<Outcome> {
        const stdout = sink();
        const stderr = sink();
        const code = await runCli(argv, { stdout: stdout.stream, stderr: stderr.stream, env });
        return { code, stdout: stdout.text(), stderr: stderr.text() };
      }
      const json = <T>(outcome: Outcome): T => {
        expect(outcome.stderr).toBe('');
        expect(outcome.code).toBe(0);
        return JSON.parse(outcome.stdout) as T;
      };
      const plainUser = (index = 0): Record<string, unknown> => {
        const users = emulator.org
          .find('User', { IsActive: true, UserType: 'Standard' })
          .filter((user) => user['Id'] !== emulator.org.adminUserId);
        const user = users[index];
        if (!user) throw new Error('the tiny org has too few standard users');
        return user;
      };

      beforeAll(async () => {
        dataRoot = mkdtempSync(join(tmpdir(), `accessledger-commands-${engine}-`));
        emulator = await startEmulator({ org: generateOrg({ seed: 5, preset: 'tiny' }) });
        env = {
          [SECRET_ENV]: emulator.connectedApp.clientSecret,
          LOG_LEVEL: 'silent',
          ACCESSLEDGER_DATA_DIR: join(dataRoot, 'db'),
        };
        if (engine === 'pg') {
          scratch = await createScratchDatabase('accessledger_cli');
          env['DATABASE_URL'] = scratch.url;
          env['ACCESSLEDGER_SECRET_KEY'] = randomBytes(32).toString('base64');
        }
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
      });

      afterAll(async () => {
        await emulator.close();
        await scratch?.drop();
        rmSync(dataRoot, { recursive: true, force: true });
      });

      it('sync --json prints the snapshot; plain progress lines go to stderr', async () => {
        const quiet = json<{ connection: string; snapshot: { id: number; counts: { accounts: number } } }>(
          await cli('sync', 'acme', '--json'),
        );
        expect(quiet).toMatchObject({ connection: 'acme', snapshot: { id: 1, counts: { accounts: 21 } } });
        const loud = await cli('sync', 'acme');
        expect(loud.code).toBe(0);
        expect(loud.stderr).toMatch(/^sync users: 21 records \(total \d+, \d+\/s, \d+ API calls\)$/m);
        expect(loud.stdout).toMatch(/^Snapshot #2 of "acme": 21 accounts.* \(\d+ API calls\)\.$/m);
      });

      it('snapshots and connections list --json; --limit abc is a usage error', async () => {
        const listed = json<{ snapshots: { id: number; takenAt: string }[] }>(
          await cli('snapshots', 'acme', '--json', '--limit', '1'),
        );
        expect(listed.snapshots.map((snapshot) => snapshot.id)).toEqual([2]);
        expect(listed.snapshots[0]?.takenAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
        const connections = json<{ connections: { name: string; latestSnapshot: { id: number } }[] }>(
          await cli('connections', 'list', '--json'),
        );
        expect(connections.connections).toMatchObject([{ name: 'acme', latestSnapshot: { id: 2 } }]);
        const bad = await cli('snapshots', 'acme', '--limit', 'abc');
        expect(bad.code).toBe(ExitCodes.usage);
        expect(bad.stderr).toContain('expected a whole number of 1 or more, not "abc"');
      });

      it('sql runs one read-only statement in table, csv and json', async () => {
        const tableOut = await cli('sql', 'SELECT count(*) AS accounts FROM current_accounts');
        expect(tableOut.stdout).toMatch(/^accounts\n21\n\(1 row\)\n$/);
        const csv = await cli(
          'sql',
          "SELECT 'a,b' AS text, 2 AS n UNION ALL SELECT 'say \"hi\"', 3",
          '--format',
          'csv',
        );
        expect(csv.stdout).toBe('text,n\r\n"a,b",2\r\n"say ""hi""",3\r\n');
        const rows = json<{ username: string }[]>(
          await cli(
            'sql',
            'SELECT username FROM current_accounts ORDER BY username LIMIT 2',
            '--format',
            'json',
          ),
        );
        expect(rows).toHaveLength(2);
        const write = await cli('sql', 'DELETE FROM snapshots');
        expect(write.code).toBe(ExitCodes.invalid);
        expect(write.stderr).toMatch(/read-only transaction/);
        const escape = await cli('sql', 'SELECT 1; COMMIT; DELETE FROM snapshots');
        expect(escape.code).toBe(ExitCodes.invalid);
        expect(escape.stderr).toContain('runs one statement');
        expect(
          json<{ n: number }[]>(await cli('sql', 'SELECT count(*)::int AS n FROM snapshots', '--json')),
        ).toEqual([{ n: 2 }]);
        const badFormat = await cli('sql', 'SELECT 1', '--format', 'xml');
        expect(badFormat.code).toBe(ExitCodes.usage);
      });

      it('who-has lists holders by name, now and --at a date before any snapshot (not found)', async () => {
        const admins = json<{ entitlement: { name: string }; holders: { account: { username: string } }[] }>(
          await cli('who-has', 'acme', 'profile', 'System Administrator', '--json'),
        );
        expect(admins.entitlement.name).toBe('System Administrator');
        const expected = emulator.org
          .find('User', {})
          .filter((user) => {
            const profile = emulator.org.get(String(user['ProfileId']));
            return profile?.['Name'] === 'System Administrator';
          })
          .map((user) => String(user['Username']))
          .sort();
        expect(admins.holders.map((holder) => holder.account.username).sort()).toEqual(expected);
        const before = await cli('who-has', 'acme', 'profile', 'System Administrator', '--at', '2001-01-01');
        expect(before.code).toBe(ExitCodes.notFound);
        expect(before.stderr).toContain('has no snapshot taken at or before 2001-01-01');
        const badDate = await cli('who-has', 'acme', 'profile', 'x', '--at', 'yesterday');
        expect(badDate.code).toBe(ExitCodes.usage);
      });

      it('access --at shows what was held then; diff and timeline name accounts and entitlements', async () => {
        const user = plainUser(1);
        const username = String(user['Username']);
        const permissionSet = emulator.org
          .find('PermissionSet', { IsOwnedByProfile: false, Type: 'Regular' })
          .find(
            (candidate) =>
              !candidate['LicenseId'] &&
              emulator.org.find('PermissionSetAssignment', {
                AssigneeId: String(user['Id']),
                PermissionSetId: String(candidate['Id']),
              }).length === 0,
          );
        if (!permissionSet) throw new Error('no permission set to grant');
        const before = new Date();
        await new Promise((resolve) => setTimeout(resolve, 20));
        emulator.org.create('PermissionSetAssignment', {
          AssigneeId: user['Id'],
          PermissionSetId: permissionSet['Id'],
        });
        expect((await cli('sync', 'acme', '--json')).code).toBe(0);

        const now = json<{ grants: { entitlement: { externalId: string }; via: unknown }[] }>(
          await cli('access', 'acme', username, '--json'),
        );
        const then = json<{
          snapshot: { id: number };
          grants: { entitlement: { externalId: string }; via: unknown }[];
        }>(await cli('access', 'acme', username, '--json', '--at', before.toISOString()));
        const ids = (grants: { entitlement: { externalId: string }; via: unknown }[]): string[] =>
          grants.filter((grant) => grant.via === null).map((grant) => grant.entitlement.externalId);
        expect(ids(now.grants)).toContain(permissionSet['Id']);
        expect(ids(then.grants)).not.toContain(permissionSet['Id']);
        expect(then.snapshot.id).toBe(2);

        const diff = await cli('diff', 'acme');
        expect(diff.stdout).toContain(
          `grant added   ${username} permission_set ${String(permissionSet['Label'])}`,
        );
        const diffJson = json<{ grants: { account: { username: string }; entitlement: { name: string } }[] }>(
          await cli('diff', 'acme', '--json'),
        );
        expect(diffJson.grants).toContainEqual(
          expect.objectContaining({
            change: 'added',
            account: { externalId: user['Id'], username },
            entitlement: expect.objectContaining({ name: permissionSet['Label'] }),
          }),
        );
        const timeline = await cli('timeline', 'acme', username);
        expect(timeline.stdout).toMatch(
          new RegExp(`granted +permission_set +${String(permissionSet['Label'])}`),
        );
        const timelineJson = json<{ account: { username: string }; events: { event: string }[] }>(
          await cli('timeline', 'acme', username, '--json'),
        );
        expect(timelineJson.account.username).toBe(username);
        expect(timelineJson.events.map((event) => event.event)).toContain('granted');
      });

      it('accounts create: dry run prints the exact calls, custom fields are checked against describe', async () => {
        const username = `new.hire.${engine}@acme.example.com`;
        const base = [
          'accounts',
          'create',
          'acme',
          '--username',
          username,
          '--email',
          'new.hire@acme.example.com',
        ];
        const rest = ['--last-name', 'Hire', '--first-name', 'New', '--profile', 'Standard User'];
        const planned = json<{
          dryRun: boolean;
          calls: { method: string; path: string; body: Record<string, unknown> }[];
        }>(
          await cli(
            ...base,
            ...rest,
            '--attr',
            'Cost_Center__c=CC-42',
            '--attr',
            'Is_Contractor__c=true',
            '--dry-run',
            '--json',
          ),
        );
        expect(planned.dryRun).toBe(true);
        expect(planned.calls[0]).toMatchObject({
          method: 'POST',
          path: '/services/data/v63.0/sobjects/User',
          body: { Username: username, LastName: 'Hire', Cost_Center__c: 'CC-42', Is_Contractor__c: true },
        });
        expect(emulator.org.find('User', { Username: username })).toHaveLength(0);

        const unknown = await cli(...base, ...rest, '--attr', 'Shoe_Size__c=44', '--dry-run');
        expect(unknown.code).toBe(ExitCodes.invalid);
        expect(unknown.stderr).toContain('User has no field Shoe_Size__c in this org (describe)');
        expect(unknown.stderr).toContain('Cost_Center__c');
        const readOnly = await cli(...base, ...rest, '--attr', 'LastLoginDate=2026-01-01', '--dry-run');
        expect(readOnly.code).toBe(ExitCodes.invalid);
        expect(readOnly.stderr).toContain('not createable');

        const created = json<{ createdExternalId: string }>(
          await cli(...base, ...rest, '--attr', 'Cost_Center__c=CC-42', '--json'),
        );
        const record = emulator.org.get(created.createdExternalId);
        expect(record).toMatchObject({ Username: username, Cost_Center__c: 'CC-42' });

        const missing = await cli('accounts', 'create', 'acme', '--username', 'x@y.z');
        expect(missing.code).toBe(ExitCodes.usage);
      });

      it('accounts update writes only what differs', async () => {
        const user = plainUser(2);
        const update = ['accounts', 'update', 'acme', String(user['Username'])];
        const planned = await cli(...update, '--attr', 'Department=Audit', '--dry-run');
        expect(planned.stdout).toMatch(
          /^Dry run: .*would make 1 call\(s\):\n {2}PATCH \/services\/data\/v63\.0\/sobjects\/User\//,
        );
        expect(planned.stdout).toContain('{"Department":"Audit"}');
        expect((await cli(...update, '--attr', 'Department=Audit')).code).toBe(0);
        expect(emulator.org.get(String(user['Id']))?.['Department']).toBe('Audit');
        expect((await cli(...update, '--attr', 'Department=Audit')).stdout).toMatch(/^Nothing to change/);
      });

      it('grant --expires writes PermissionSetAssignment.ExpirationDate; refusals are known in a dry run', async () => {
        const user = plainUser(3);
        const permissionSet = emulator.org
          .find('PermissionSet', { IsOwnedByProfile: false, Type: 'Regular' })
          .find(
            (candidate) =>
              !candidate['LicenseId'] &&
              emulator.org.find('PermissionSetAssignment', {
                AssigneeId: String(user['Id']),
                PermissionSetId: String(candidate['Id']),
              }).length === 0,
          );
        if (!permissionSet) throw new Error('no permission set to grant');
        const grant = [
          'grant',
          'acme',
          String(user['Username']),
          'permission_set',
          String(permissionSet['Id']),
        ];
        const planned = await cli(...grant, '--expires', '2027-01-31', '--dry-run', '--json');
        expect(json<{ calls: { body: Record<string, unknown> }[] }>(planned).calls[0]?.body).toMatchObject({
          ExpirationDate: '2027-01-31T00:00:00.000Z',
        });
        expect((await cli(...grant, '--expires', '2027-01-31')).code).toBe(0);
        const [assignment] = emulator.org.find('PermissionSetAssignment', {
          AssigneeId: String(user['Id']),
          PermissionSetId: String(permissionSet['Id']),
        });
        expect(new Date(String(assignment?.['ExpirationDate'])).toISOString()).toBe(
          '2027-01-31T00:00:00.000Z',
        );
        expect((await cli(...grant, '--expires', 'soon')).code).toBe(ExitCodes.usage);

        // A permission set owned by a profile is not an entitlement of its own: its name still
        // reaches the connector, whose reason is printed, not "not found".
        const owned = emulator.org.find('PermissionSet', { IsOwnedByProfile: true })[0];
        const ownedGrant = await cli(
          'grant',
          'acme',
          String(user['Username']),
          'permission_set',
          String(owned?.['Name']),
          '--dry-run',
        );
        expect(ownedGrant.code).toBe(ExitCodes.invalid);
        expect(ownedGrant.stderr).toContain('belongs to profile');
        expect(ownedGrant.stderr).toContain('grant or replace the profile instead');

        // A permission set tied to another user license: the dry run refuses it with the message of the real call.
        const platform = emulator.org.find('UserLicense', { Name: 'Salesforce Platform' })[0];
        const licensed = emulator.org.create('PermissionSet', {
          Name: `Platform_Only_${engine}`,
          Label: `Platform Only ${engine}`,
          LicenseId: platform?.['Id'],
        });
        const mismatch = ['grant', 'acme', String(user['Username']), 'permission_set', licensed];
        const dry = await cli(...mismatch, '--dry-run');
        const real = await cli(...mismatch);
        expect(dry.code).toBe(ExitCodes.invalid);
        expect(dry.stderr).toContain("The user license doesn't match the user license of the permission set");
        expect(real.stderr).toBe(dry.stderr);
        expect(real.code).toBe(dry.code);
      });

      it('a transfer that stops part-way exits 8 with counts and the --resume token, and resumes', async () => {
        const from = plainUser(4);
        const to = plainUser(5);
        for (let index = 0; index < 30; index += 1)
          emulator.org.create('Account', { Name: `Book ${engine} ${index}`, OwnerId: from['Id'] });
        const owned = (): number => emulator.org.find('Account', { OwnerId: String(from['Id']) }).length;
        const before = owned();
        const transfer = [
          'deprovision',
          'acme',
          String(from['Username']),
          'transfer',
          '--to',
          String(to['Username']),
          '--objects',
          'Account',
        ];
        emulator.faults.set({ lockRowNext: 2 });
        const stopped = await cli(...transfer);
        emulator.faults.reset();
        expect(stopped.code).toBe(ExitCodes.partial);
        expect(stopped.stderr).toMatch(/Stopped part-way: \d+ records done, 2 failed, \d+ call\(s\) made\./);
        const token = /--resume (\S+)/.exec(stopped.stderr)?.[1];
        expect(token).toBeDefined();
        expect(owned()).toBeGreaterThan(0);
        expect(owned()).toBeLessThan(before);
        const asJson = await cli(...transfer, '--json', '--dry-run');
        expect(asJson.code).toBe(0);
        const resumed = await cli(...transfer, '--resume', token as string);
        expect(resumed.stderr).toBe('');
        expect(resumed.code).toBe(0);
        expect(owned()).toBe(0);
      });

      it('activity records last logins between syncs (the org records the OAuth login itself), with its own schedule', async () => {
        const [latest] = json<{ snapshots: { id: number; counts: { grants: number } }[] }>(
          await cli('snapshots', 'acme', '--json', '--limit', '1'),
        ).snapshots;
        const admin = emulator.org.store.table('User').live.get(emulator.org.adminUserId);
        if (!admin) throw new Error('no admin');
        emulator.org.store.updateRaw(admin, 'User', { LastLoginDate: '2020-01-01T00:00:00.000+0000' });
        const before = Date.now();
        const recorded = json<{ snapshot: { id: number; counts: { grants: number } } }>(
          await cli('activity', 'acme', '--json'),
        );
        expect(recorded.snapshot.id).toBe((latest?.id ?? 0) + 1);
        expect(recorded.snapshot.counts.grants).toBe(latest?.counts.grants);
        const [login] = json<{ last: string }[]>(
          await cli(
            'sql',
            `SELECT last_activity_at AS last FROM current_activity WHERE account_external_id = '${emulator.org.adminUserId}'`,
            '--json',
          ),
        );
        // The activity run's own token request was a login of the integration user.
        expect(new Date(login?.last ?? 0).getTime()).toBeGreaterThanOrEqual(before - 1_000);
        const runs = json<{ kind: string; status: string }[]>(
          await cli('sql', 'SELECT kind, status FROM sync_runs ORDER BY id DESC LIMIT 1', '--json'),
        );
        expect(runs).toEqual([{ kind: 'activity', status: 'succeeded' }]);

        expect((await cli('connections', 'schedule', 'acme', '0 * * * *', '--activity')).code).toBe(0);
        const listed = json<{
          connections: { name: string; schedule: { sync: string | null; activity: string | null } }[];
        }>(await cli('connections', 'list', '--json'));
        expect(listed.connections.find((connection) => connection.name === 'acme')?.schedule).toEqual({
          sync: null,
          activity: '0 * * * *',
        });
      });

      it('exit codes: not found, auth, transient, usage', async () => {
        expect((await cli('access', 'nope', 'x')).code).toBe(ExitCodes.notFound);
        expect((await cli('access', 'acme', 'nobody@nowhere.example')).code).toBe(ExitCodes.notFound);
        expect((await cli('grant', 'acme')).code).toBe(ExitCodes.usage);
        const jsonError = await cli('access', 'nope', 'x', '--json');
        expect(JSON.parse(jsonError.stderr)).toMatchObject({
          error: { code: 'NOT_FOUND', exitCode: ExitCodes.notFound },
        });

        env['WRONG_SECRET'] = 'not-the-secret';
        const config = (domain: string): string =>
          JSON.stringify({
            domain,
            allowCustomHosts: true,
            auth: { flow: 'client-credentials', clientId: emulator.connectedApp.clientId },
          });
        await cli(
          'connections',
          'add',
          'wrong-secret',
          '--connector',
          'salesforce',
          '--config',
          config(emulator.baseUrl),
          '--secret',
          'clientSecret=env:WRONG_SECRET',
        );
        const auth = await cli('sync', 'wrong-secret');
        expect(auth.code).toBe(ExitCodes.auth);

        await cli(
          'connections',
          'add',
          'unreachable',
          '--connector',
          'salesforce',
          '--config',
          config('http://127.0.0.1:1'),
          '--secret',
          `clientSecret=env:${SECRET_ENV}`,
        );
        const transient = await cli('sync', 'unreachable');
        expect(transient.code).toBe(ExitCodes.transient);
        expect(transient.stderr).toContain('127.0.0.1:1 refused the connection');
      });
    },
  );
}
