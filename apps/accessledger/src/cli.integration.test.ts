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

async function cli(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<Outcome> {
  const childEnv = { ...process.env, DATABASE_URL: undefined, ACCESSLEDGER_DATA_DIR: undefined, ...env };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      cwd: workDir,
      env: childEnv,
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
      DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/none',
    });
    expect(outcome.code).toBe(ExitCodes.transient);
    expect(outcome.stderr).toContain('Could not reach the database');
    expect(outcome.stderr).toContain('unset DATABASE_URL to use the embedded database');
    expect(outcome.stderr).not.toContain('hunter2');
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

  it('suggests the right command for a typo', async () => {
    const outcome = await cli(['dbb']);
    expect(outcome.code).toBe(ExitCodes.usage);
    expect(outcome.stderr).toContain("unknown command 'dbb'");
    expect(outcome.stderr).toContain('Did you mean db?');
  });
});
