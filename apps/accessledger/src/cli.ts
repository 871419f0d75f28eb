import { Command, CommanderError } from 'commander';
import { CliExit, type CliIo } from './cli-io.js';
import { registerAccountCommands } from './commands/accounts.js';
import { registerActivityCommand } from './commands/activity.js';
import { registerDbServeCommand } from './commands/db-serve.js';
import { registerSqlCommand } from './commands/sql.js';
import { registerWhoHasCommand } from './commands/who-has.js';
import { exitCodeOf } from './exit-codes.js';
import { printError } from './output.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerChangeCommands } from './commands/changes.js';
import { registerConnectCommand } from './commands/connect.js';
import { registerConnectionCommands } from './commands/connections.js';
import { registerDaemonCommand } from './commands/daemon.js';
import { registerDbCommands } from './commands/db.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerHistoryCommands } from './commands/history.js';
import { registerSyncCommand } from './commands/sync.js';
import { neutralizingStream } from './format.js';
import packageJson from '../package.json' with { type: 'json' };

export { CliExit, type CliIo } from './cli-io.js';

/** This package's version, for `--version`. */
export const VERSION = packageJson.version;

/** Builds the command tree; each command family registers itself. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('accessledger')
    .description('Access governance: who can do what in Salesforce, and since when.')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  registerDemoCommand(program, io);
  registerConnectCommand(program, io);
  registerConnectionCommands(program, io);
  registerSyncCommand(program, io);
  registerDaemonCommand(program, io);
  registerHistoryCommands(program, io);
  registerChangeCommands(program, io);
  registerAuditCommand(program, io);
  registerDbCommands(program, io);
  registerDbServeCommand(program, io);
  registerSqlCommand(program, io);
  registerWhoHasCommand(program, io);
  registerAccountCommands(program, io);
  registerActivityCommand(program, io);
  return program;
}

/**
 * Runs one command line and returns the process exit code; errors are printed,
 * never thrown (exit codes: exit-codes.ts and README's table). Everything
 * printed has its control characters neutralised, and errors their database
 * passwords redacted. Commander has printed its own usage errors already.
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
    if (error instanceof CliExit) return error.exitCode;
    const code = exitCodeOf(error);
    if (error instanceof CommanderError) return code;
    printError(io, error, argv.includes('--json'));
    return code;
  }
}
