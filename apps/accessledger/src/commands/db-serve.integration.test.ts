import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCodes } from '../exit-codes.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'accessledger.js');
const run = promisify(execFile);

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `accessledger db serve` with the real binary: psql against it while other commands run. */
describe('db serve (embedded database over the wire protocol)', { timeout: 180_000 }, () => {
  let workDir: string;
  let emulator: EmulatorHandle;
  let server: ChildProcess | undefined;
  let psqlUrl = '';
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    DATABASE_URL: undefined,
    ACCESSLEDGER_DATA_DIR: join(workDir, 'db'),
    LOG_LEVEL: 'silent',
    TEST_SF_CLIENT_SECRET: emulator.connectedApp.clientSecret,
  });
  async function cli(...args: string[]): Promise<Outcome> {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: workDir, env: env() });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }
  async function psql(sql: string): Promise<string> {
    const { stdout } = await run('psql', [psqlUrl, '--no-psqlrc', '--tuples-only', '--no-align', '-c', sql]);
    return stdout.trim();
  }

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'accessledger-serve-'));
    emulator = await startEmulator({ org: generateOrg({ seed: 9, preset: 'tiny' }) });
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
      'clientSecret=env:TEST_SF_CLIENT_SECRET',
    );
    expect(added.code).toBe(0);
    expect((await cli('sync', 'acme')).code).toBe(0);
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server?.once('exit', resolve));
    }
    await emulator.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('prints the psql line, serves psql while read commands go through it, and refuses writers with a reason', async () => {
    server = spawn(process.execPath, [bin, 'db', 'serve', '--port', '0'], { cwd: workDir, env: env() });
    let printed = '';
    server.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    for (let waited = 0; !/psql '/.test(printed) && waited < 60_000; waited += 200)
      await new Promise((resolve) => setTimeout(resolve, 200));
    const url = /psql '([^']+)'/.exec(printed)?.[1];
    expect(url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres\?sslmode=disable$/);
    psqlUrl = url as string;

    // psql, the cookbook's views and other accessledger commands, all at once.
    const [accounts, snapshots, sql, access] = await Promise.all([
      psql('SELECT count(*) FROM current_accounts'),
      cli('snapshots', 'acme', '--json'),
      cli('sql', 'SELECT count(*)::int AS n FROM current_grants', '--json'),
      psql("SELECT count(*) FROM current_access WHERE entitlement_type = 'profile'"),
    ]);
    expect(accounts).toBe('21');
    expect(access).toBe('21');
    expect(snapshots.stderr).toBe('');
    expect((JSON.parse(snapshots.stdout) as { snapshots: unknown[] }).snapshots).toHaveLength(1);
    expect((JSON.parse(sql.stdout) as { n: number }[])[0]?.n).toBeGreaterThan(21);

    const sync = await cli('sync', 'acme');
    expect(sync.code).toBe(ExitCodes.transient);
    expect(sync.stderr).toContain('is being served by `accessledger db serve`');
    expect(sync.stderr).toContain('stop it (Ctrl-C in its terminal) to run this command');

    // A client that leaves inside a transaction does not leave it open for the next one.
    expect(await psql('BEGIN; SELECT 1')).toContain('1');
    expect(await psql('SELECT count(*) FROM snapshots')).toBe('1');

    server.kill('SIGINT');
    await new Promise((resolve) => server?.once('exit', resolve));
    expect(printed).toContain('Stopped serving.');
    expect(existsSync(join(workDir, 'db.serve.json'))).toBe(false);
    expect((await cli('sync', 'acme')).code).toBe(0);
  });

  it('refuses with the psql hint when the database is PostgreSQL already', async () => {
    const pg = await run(process.execPath, [bin, 'db', 'serve'], {
      cwd: workDir,
      env: { ...env(), DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:5432/postgres' },
    }).catch((error: unknown) => error as { code: number; stderr: string });
    expect((pg as { code: number }).code).toBe(ExitCodes.invalid);
    expect((pg as { stderr: string }).stderr).toContain(
      "connect to it directly, e.g. psql 'postgres://postgres:***@127.0.0.1:5432/postgres'",
    );
    expect((pg as { stderr: string }).stderr).not.toContain('hunter2');
  });
});
