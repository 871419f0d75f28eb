import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { runCli } from '../src/cli.js';

/** The output of a CLI run so far, and a way to wait for a line of it. */
export class OutputSink {
  private text = '';
  private readonly waiters: (() => void)[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      this.text += chunk.toString();
      for (const wake of this.waiters.splice(0)) wake();
      done();
    },
  });

  get value(): string {
    return this.text;
  }

  /** Resolves with the first match of `pattern` in the output; rejects after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.text);
      if (match) return match[0];
      if (Date.now() > deadline) throw new Error(`no ${pattern} in output:\n${this.text}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
}

export interface CliRun {
  readonly stdout: OutputSink;
  readonly stderr: OutputSink;
  readonly exitCode: Promise<number>;
  /** The first match of `pattern` on stdout; fails at once, with stderr, if the command ends first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Runs one command line in this process (the real command tree, the real database), not awaited. */
export function startCli(argv: readonly string[], env: Record<string, string | undefined>): CliRun {
  const stdout = new OutputSink();
  const stderr = new OutputSink();
  const exitCode = runCli(argv, { stdout: stdout.stream, stderr: stderr.stream, env });
  const waitForOutput = (pattern: RegExp, timeoutMs?: number): Promise<string> =>
    Promise.race([
      stdout.waitFor(pattern, timeoutMs),
      exitCode.then((code) => {
        throw new Error(
          `the command ended (exit ${code}) before printing ${pattern}:\n${stdout.value}${stderr.value}`,
        );
      }),
    ]);
  return { stdout, stderr, exitCode, waitForOutput };
}

export async function runToEnd(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = startCli(argv, env);
  const code = await run.exitCode;
  return { code, stdout: run.stdout.value, stderr: run.stderr.value };
}

/** A port nothing listens on right now (the OS picks it), for a connected app's callback URL. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
