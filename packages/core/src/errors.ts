import type { PlannedCall } from './operations.js';

/**
 * One error vocabulary for every connector and layer. Each class has a stable
 * `code` that is stored in `sync_runs.error_code` and that callers branch on;
 * messages are for people and say what was wrong and how to fix it.
 */

export const ErrorCodes = {
  auth: 'AUTH_FAILED',
  permission: 'PERMISSION_DENIED',
  notFound: 'NOT_FOUND',
  conflict: 'CONFLICT',
  rateLimited: 'RATE_LIMITED',
  transient: 'TRANSIENT',
  invalidInput: 'INVALID_INPUT',
  invalidConfig: 'INVALID_CONFIG',
  unsupported: 'UNSUPPORTED',
  aborted: 'ABORTED',
  incomplete: 'INCOMPLETE',
  internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface ErrorDetails {
  /** The application's own error code, e.g. Salesforce `INVALID_SESSION_ID`. */
  readonly upstreamCode?: string;
  readonly httpStatus?: number;
  /** Fields the application named as wrong. */
  readonly fields?: readonly string[];
  readonly hint?: string;
}

export abstract class AccessLedgerError extends Error {
  abstract readonly code: ErrorCode;
  /** Whether the same call may succeed if simply tried again later. */
  abstract readonly retryable: boolean;
  readonly details: ErrorDetails;

  constructor(message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

/** Credentials missing, expired or rejected. */
export class AuthError extends AccessLedgerError {
  readonly code = ErrorCodes.auth;
  readonly retryable = false;
}

/** Authenticated, but the account lacks a permission the call needs. */
export class PermissionError extends AccessLedgerError {
  readonly code = ErrorCodes.permission;
  readonly retryable = false;
}

export class NotFoundError extends AccessLedgerError {
  readonly code = ErrorCodes.notFound;
  readonly retryable = false;
}

/** The application's state forbids the change (duplicate, license exhausted, inactive owner). */
export class ConflictError extends AccessLedgerError {
  readonly code = ErrorCodes.conflict;
  readonly retryable = false;
}

/** The application asked us to slow down; `retryAfterMs` when it said for how long. */
export class RateLimitedError extends AccessLedgerError {
  readonly code = ErrorCodes.rateLimited;
  readonly retryable = true;
  readonly retryAfterMs: number | null;

  constructor(
    message: string,
    retryAfterMs: number | null,
    details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, details, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** A failure that another try may not see: network errors, 5xx, lock contention. */
export class TransientError extends AccessLedgerError {
  readonly code = ErrorCodes.transient;
  readonly retryable = true;
}

/** The caller asked for something malformed or impossible. */
export class InvalidInputError extends AccessLedgerError {
  readonly code = ErrorCodes.invalidInput;
  readonly retryable = false;
}

/** A connection's configuration is wrong; the message names the field and the fix. */
export class InvalidConfigError extends AccessLedgerError {
  readonly code = ErrorCodes.invalidConfig;
  readonly retryable = false;
  readonly issues: readonly ConfigIssue[];

  constructor(message: string, issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(message, { fields: issues.map((issue) => issue.path) }, options);
    this.issues = issues;
  }
}

export interface ConfigIssue {
  /** Dotted path of the field, e.g. `auth.privateKey`. Empty for the whole config. */
  readonly path: string;
  readonly message: string;
}

/** The connector or the application cannot do this. */
export class UnsupportedError extends AccessLedgerError {
  readonly code = ErrorCodes.unsupported;
  readonly retryable = false;
}

/** The run's AbortSignal fired. */
export class AbortedError extends AccessLedgerError {
  readonly code = ErrorCodes.aborted;
  readonly retryable = false;

  constructor(message = 'The operation was aborted.', options?: { cause?: unknown }) {
    super(message, {}, options);
  }
}

/**
 * What an operation that stopped part-way had done: the one shape every
 * connector uses to report a partial result, carried by `IncompleteOperationError`.
 */
export interface PartialResult {
  /** What the counts count, e.g. `records` (a transfer) or `grants` (a new user's entitlements). */
  readonly unit: string;
  /** Items carried out before it stopped. */
  readonly completed: number;
  /** Items that failed (and were not carried out). */
  readonly failed: number;
  /** The calls made before it stopped. */
  readonly calls: readonly PlannedCall[];
  /** Pass back (e.g. `DeprovisionAction.resumeToken`) to continue where it stopped; absent when it cannot resume. */
  readonly resumeToken?: string;
  /** An account created before the operation stopped (`createAccount` whose grants failed). */
  readonly createdExternalId?: string;
}

/**
 * An operation stopped part-way: some of its changes were made, some were not.
 * `partial` says what was done and how to continue; `cause` is the failure
 * that stopped it, when one did.
 *
 * @example
 * ```ts
 * try { await connector.deprovision(ctx, transfer); }
 * catch (error) {
 *   if (error instanceof IncompleteOperationError) console.log(error.partial.completed, error.partial.resumeToken);
 * }
 * ```
 */
export class IncompleteOperationError extends AccessLedgerError {
  readonly code = ErrorCodes.incomplete;
  readonly retryable = false;
  readonly partial: PartialResult;

  constructor(
    message: string,
    partial: PartialResult,
    details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, details, options);
    this.partial = partial;
  }
}

export function isAccessLedgerError(error: unknown): error is AccessLedgerError {
  return error instanceof AccessLedgerError;
}

/** Throws `AbortedError` when the signal has fired; call it at every await point of long work. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) {
    throw new AbortedError(abortMessage(signal), { cause: signal.reason });
  }
}

function abortMessage(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError')
    return `The operation was aborted: ${reason.message}`;
  if (typeof reason === 'string') return `The operation was aborted: ${reason}`;
  return 'The operation was aborted.';
}

/** What a run records about a failure: the stable code and a message safe to store and show. */
export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly upstreamCode?: string;
}

export function toErrorInfo(error: unknown): ErrorInfo {
  if (isAccessLedgerError(error)) {
    return {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.details.upstreamCode ? { upstreamCode: error.details.upstreamCode } : {}),
    };
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return { code: ErrorCodes.aborted, message: error.message, retryable: false };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: ErrorCodes.internal, message, retryable: false };
}
