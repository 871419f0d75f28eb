import { ErrorCodes, isAccessLedgerError, type ErrorCode } from '@accessledger/core';
import { CommanderError } from 'commander';

/**
 * The process exit codes, one per kind of failure a script may branch on.
 * README's "Exit codes" table lists the same; a test checks that they agree.
 */
export const ExitCodes = {
  ok: 0,
  /** A bug, or a failure no other code describes. */
  internal: 1,
  /** The command line is wrong: unknown command or option, missing or malformed value. */
  usage: 2,
  /** The configuration or the input is wrong, or the application refuses the change as asked. */
  invalid: 3,
  /** Credentials missing, expired or rejected. */
  auth: 4,
  /** Authenticated, but not allowed. */
  permission: 5,
  /** A connection, account, entitlement or snapshot does not exist. */
  notFound: 6,
  /** Rate limited, network or database unreachable, or busy: the same command may work later. */
  transient: 7,
  /** An operation stopped part-way; what was done and how to resume are printed. */
  partial: 8,
  /** Interrupted (Ctrl-C, SIGTERM). */
  aborted: 130,
} as const;
export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes];

const byErrorCode: Readonly<Record<ErrorCode, ExitCode>> = {
  [ErrorCodes.auth]: ExitCodes.auth,
  [ErrorCodes.permission]: ExitCodes.permission,
  [ErrorCodes.notFound]: ExitCodes.notFound,
  [ErrorCodes.conflict]: ExitCodes.invalid,
  [ErrorCodes.rateLimited]: ExitCodes.transient,
  [ErrorCodes.transient]: ExitCodes.transient,
  [ErrorCodes.invalidInput]: ExitCodes.invalid,
  [ErrorCodes.invalidConfig]: ExitCodes.invalid,
  [ErrorCodes.unsupported]: ExitCodes.invalid,
  [ErrorCodes.aborted]: ExitCodes.aborted,
  [ErrorCodes.incomplete]: ExitCodes.partial,
  [ErrorCodes.internal]: ExitCodes.internal,
};

/** The exit code for an error that ended a command. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCodes.ok : ExitCodes.usage;
  if (isAccessLedgerError(error)) return byErrorCode[error.code];
  return ExitCodes.internal;
}
