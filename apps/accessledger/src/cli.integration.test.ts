import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCodes } from './exit-codes.js';

const bin = join(import.meta.dirname, '..', 'bin', 'accessledger.js');
const workDir = mkdtempSync(join(tmpdir(), 'accessledger-cli-'));

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  cwd = workDir,
): Promise<Outcome> {
  const childEnv = { ...process.env, DATABASE_URL: undefined, ACCESSLEDGER_DATA_DIR: undefined, ...env };
  try {
    // A command that hangs instead of stopping is killed and fails the test.
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      cwd,
      env: childEnv,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('accessledger db (embedded database, the real binary)', { timeout: 120_000 }, () => {
  it('migrates a new embedded database in .accessledger/db, then reports it up to date', async () => {
    const first = await cli(['db', 'migrate']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Applied \d+ migration\(s\) to embedded database in .*\.accessledger\/db/);
    expect(first.stdout).toContain('create_connections');

    const status = await cli(['db', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('No pending migrations.');

    const again = await cli(['db', 'migrate']);
    expect(again.stdout).toMatch(/is up to date at \d{14}_/);
  });

  it('says what is wrong when DATABASE_URL points at nothing, and exits non-zero', async () => {
    const outcome = await cli(['db', 'status'], {
      DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/none?sslpassword=s3cr3t&password=pw2',
    });
    expect(outcome.code).toBe(ExitCodes.transient);
    expect(outcome.stderr).toContain('Could not reach the database');
    expect(outcome.stderr).toContain('unset DATABASE_URL to use the embedded database');
    expect(outcome.stderr).not.toMatch(/hunter2|s3cr3t|pw2/);
  });

  it('runs the demo: two syncs of an emulated org into the embedded database, and the change between them', async () => {
    const demo = await cli(['demo', '--preset', 'tiny']);
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/Snapshot #1 of "demo": 21 accounts/);
    expect(demo.stdout).toMatch(
      /Snapshot #2 of "demo": 21 accounts, \d+ entitlements, \d+ grants; [1-9]\d* versions opened/,
    );
    expect(demo.stdout).toMatch(/Between #1 and #2: 1 account, \d+ entitlement and 1 grant changes/);
  });

  it('stops sync and daemon with SchemaTooNewError when a newer scheduler migrated the database, instead of hanging', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accessledger-newer-'));
    try {
      expect((await cli(['db', 'migrate'], {}, dir)).code).toBe(0);
      // A newer release's scheduler migration, recorded as applied.
      const { openDatabase } = await import('@accessledger/storage');
      const db = await openDatabase({ engine: 'pglite', dataDir: join(dir, '.accessledger', 'db') });
      await db.knex('accessledger_scheduler_migrations').insert({
        name: '20991231000000_add_future_column',
        batch: 99,
        migration_time: new Date(),
      });
      await db.close();

      for (const command of [
        ['sync', 'acme'],
        ['daemon', '--port', '0'],
        ['db', 'status'],
        ['connections', 'list'],
      ]) {
        const outcome = await cli(command, {}, dir);
        // A schema newer than this code is an invalid configuration (README: exit codes).
        expect(outcome.code, command.join(' ')).toBe(3);
        expect(outcome.stderr).toContain(
          'The database schema is at version 20991231000000_add_future_column, newer than this accessledger knows',
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never echoes a literal secret given to --secret', async () => {
    const literal = 'sk_live_Literal-Secret-Value';
    for (const spec of [literal, `clientSecret:${literal}`, `${literal}=oops`]) {
      const outcome = await cli(['connections', 'add', 'x', '--connector', 'salesforce', '--secret', spec]);
      expect(outcome.code).toBe(3);
      expect(outcome.stderr).toContain('must be name=env:VARIABLE or name=@file');
      expect(outcome.stderr).not.toContain('Literal-Secret-Value');
    }
  });

  it('prints text with control characters neutralised', async () => {
    const outcome = await cli(['sync', 'evil\u001b[2J\u001b]0;owned\u0007\u202ename']);
    expect(outcome.code).toBe(6);
    expect(outcome.stderr).toContain('No connection named "evil\\u001b[2J\\u001b]0;owned\\u0007\\u202ename"');
    for (const control of ['\u001b', '\u0007', '\u202e']) expect(outcome.stderr).not.toContain(control);
  });

  it('refuses a daemon lease under a second or not a number, before opening any database', async () => {
    for (const [lease, message] of [
      ['0.5', '--lease takes at least 1 second, not "0.5".'],
      ['soon', '--lease takes a number of seconds, not "soon".'],
    ] as const) {
      const outcome = await cli(['daemon', '--port', '0', '--lease', lease]);
      expect(outcome.code).toBe(ExitCodes.invalid);
      expect(outcome.stderr).toContain(message);
    }
  });

  it('suggests the right command for a typo', async () => {
    const outcome = await cli(['dbb']);
    expect(outcome.code).toBe(ExitCodes.usage);
    expect(outcome.stderr).toContain("unknown command 'dbb'");
    expect(outcome.stderr).toContain('Did you mean db?');
  });
});
