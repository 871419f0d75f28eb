import { isAccessLedgerError } from '@accessledger/core';
import { Command, CommanderError } from 'commander';
import { registerAuditCommand } from './commands/audit.js';
import { registerChangeCommands } from './commands/changes.js';
import { registerConnectionCommands } from './commands/connections.js';
import { registerDaemonCommand } from './commands/daemon.js';
import { registerDbCommands } from './commands/db.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerHistoryCommands } from './commands/history.js';
import { registerSyncCommand } from './commands/sync.js';
import { redactDatabaseUrls } from '@accessledger/storage';
import { neutralizingStream } from './format.js';

/** Ends a command with an exit code after it has printed what it had to say. */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Builds the command tree; each command family registers itself. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('accessledger')
    .description('Access governance: who can do what in Salesforce, and since when.')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  registerDemoCommand(program, io);
  registerConnectionCommands(program, io);
  registerSyncCommand(program, io);
  registerDaemonCommand(program, io);
  registerHistoryCommands(program, io);
  registerChangeCommands(program, io);
  registerAuditCommand(program, io);
  registerDbCommands(program, io);
  return program;
}

/**
 * Runs one command line and returns the process exit code; errors are printed,
 * never thrown. Everything printed has its control characters neutralised, and
 * errors their database passwords redacted.
 */
export async function runCli(argv: readonly string[], rawIo: CliIo): Promise<number> {
  const io: CliIo = {
    ...rawIo,
    stdout: neutralizingStream(rawIo.stdout),
    stderr: neutralizingStream(rawIo.stderr),
  };
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliExit) return error.exitCode;
    const code = isAccessLedgerError(error) ? ` [${error.code}]` : '';
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`accessledger: ${redactDatabaseUrls(message)}${code}\n`);
    return 1;
  }
}
