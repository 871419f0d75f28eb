import 'reflect-metadata';
import {
  AuthError,
  ConflictError,
  IncompleteOperationError,
  InvalidConfigError,
  InvalidInputError,
  NotFoundError,
  PermissionError,
  RateLimitedError,
  TransientError,
  UnsupportedError,
  AbortedError,
} from '@accessledger/core';
import { InvalidArgumentError } from 'commander';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { ExitCodes, exitCodeOf } from './exit-codes.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
const dataRoot = mkdtempSync(join(tmpdir(), 'accessledger-readme-'));
afterAll(() => rmSync(dataRoot, { recursive: true, force: true }));

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

async function cli(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const env = { ACCESSLEDGER_DATA_DIR: join(dataRoot, 'db'), LOG_LEVEL: 'silent' };
  const code = await runCli(argv, { stdout: stdout.stream, stderr: stderr.stream, env });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Shell words: spaces separate, double and single quotes group. Enough for README's examples. */
function words(line: string): string[] {
  const found: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g))
    found.push(match[1] ?? match[2] ?? match[3] ?? '');
  return found;
}

describe('README', () => {
  it('lists exactly the exit codes the CLI uses, and each error kind maps to its row', () => {
    const section = readme.slice(readme.indexOf('### Exit codes'));
    const rows = [...section.matchAll(/^\| (\d+) +\|/gm)].map((match) => Number(match[1]));
    expect(rows).toEqual(Object.values(ExitCodes).sort((a, b) => a - b));
    expect(exitCodeOf(new InvalidArgumentError('bad'))).toBe(ExitCodes.usage);
    expect(exitCodeOf(new InvalidInputError('x'))).toBe(ExitCodes.invalid);
    expect(exitCodeOf(new InvalidConfigError('x', []))).toBe(ExitCodes.invalid);
    expect(exitCodeOf(new ConflictError('x'))).toBe(ExitCodes.invalid);
    expect(exitCodeOf(new UnsupportedError('x'))).toBe(ExitCodes.invalid);
    expect(exitCodeOf(new AuthError('x'))).toBe(ExitCodes.auth);
    expect(exitCodeOf(new PermissionError('x'))).toBe(ExitCodes.permission);
    expect(exitCodeOf(new NotFoundError('x'))).toBe(ExitCodes.notFound);
    expect(exitCodeOf(new RateLimitedError('x', null))).toBe(ExitCodes.transient);
    expect(exitCodeOf(new TransientError('x'))).toBe(ExitCodes.transient);
    expect(
      exitCodeOf(new IncompleteOperationError('x', { unit: 'records', completed: 1, failed: 1, calls: [] })),
    ).toBe(ExitCodes.partial);
    expect(exitCodeOf(new AbortedError())).toBe(ExitCodes.aborted);
    expect(exitCodeOf(new Error('bug'))).toBe(ExitCodes.internal);
  });

  it("runs every example of 'Try it' after the demo", { timeout: 300_000 }, async () => {
    const demo = await cli(['demo', '--preset', 'tiny']);
    expect(demo.code).toBe(0);
    const block = readme.slice(readme.indexOf('Then ask questions:'));
    const examples = block
      .slice(block.indexOf('```sh') + 5, block.indexOf('```', block.indexOf('```sh') + 5))
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line.startsWith('npx accessledger '));
    expect(examples.length).toBeGreaterThanOrEqual(6);
    const username = /^(\S+@\S+)/m.exec(
      (
        await cli([
          'sql',
          "SELECT username FROM current_accounts WHERE status = 'active' ORDER BY 1 LIMIT 1",
          '--format',
          'csv',
        ])
      ).stdout.split('\r\n')[1] ?? '',
    )?.[1];
    expect(username).toBeDefined();
    for (const example of examples) {
      // `db serve` runs until Ctrl-C; db-serve.integration.test.ts runs it with psql.
      if (example.includes(' db serve')) continue;
      const argv = words(
        example.replace('npx accessledger ', '').replaceAll('<username>', username as string),
      );
      const outcome = await cli(argv);
      expect({ example, code: outcome.code, stderr: outcome.stderr }).toEqual({
        example,
        code: 0,
        stderr: '',
      });
      expect(outcome.stdout.length).toBeGreaterThan(0);
    }
  });
});
