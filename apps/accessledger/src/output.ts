import {
  IncompleteOperationError,
  isAccessLedgerError,
  toErrorInfo,
  type EntitlementRef,
  type OpResult,
  type PlannedCall,
} from '@accessledger/core';
import type { Names, Snapshot } from '@accessledger/storage';
import { nameKey, redactDatabaseUrls } from '@accessledger/storage';
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { exitCodeOf } from './exit-codes.js';

/**
 * What commands print, in one place: `--json` documents (their shapes are in
 * docs/cli.md and stay stable: fields are added, never renamed or removed)
 * and the text people read. Dates in JSON are ISO 8601 strings in UTC.
 */

export interface JsonFlag {
  readonly json?: boolean;
}

/** Adds `--json` to a command that prints data. */
export function jsonOption(command: Command): Command {
  return command.option('--json', 'print one JSON document instead of text (shapes: docs/cli.md)');
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints the JSON document with `--json`, else the text. */
export function output(io: CliIo, flags: JsonFlag, json: () => unknown, text: () => string): void {
  if (flags.json === true) printJson(io, json());
  else io.stdout.write(text());
}

/** An entitlement with its name, as every JSON document shows one. */
export interface NamedRef {
  readonly type: string;
  readonly externalId: string;
  readonly name: string | null;
}

export function namedRef(ref: EntitlementRef, name: string | null | undefined): NamedRef {
  return { type: ref.type, externalId: ref.externalId, name: name ?? null };
}

/** A name from a `Names` lookup, or null. */
export function entitlementName(names: Names, ref: EntitlementRef): string | null {
  return names.entitlements.get(nameKey(ref)) ?? null;
}

/** An entitlement as text: its name, or its id when it has none. */
export function refText(ref: NamedRef | null): string {
  if (!ref) return '';
  return ref.name ?? ref.externalId;
}

export function snapshotJson(snapshot: Snapshot): Record<string, unknown> {
  return {
    id: snapshot.id,
    takenAt: snapshot.takenAt.toISOString(),
    counts: snapshot.counts,
    versionsOpened: snapshot.versionsOpened,
    versionsClosed: snapshot.versionsClosed,
  };
}

export function callJson(call: PlannedCall): Record<string, unknown> {
  return {
    method: call.method,
    path: call.path,
    ...(call.body !== undefined ? { body: call.body } : {}),
    description: call.description,
  };
}

/** The JSON of a provisioning or deprovisioning result (dry run or not). */
export function opResultJson(
  connection: string,
  operation: string,
  result: OpResult,
): Record<string, unknown> {
  return {
    connection,
    operation,
    dryRun: result.dryRun,
    changed: result.changed,
    summary: result.summary ?? null,
    calls: result.calls.map(callJson),
    ...(result.createdExternalId !== undefined ? { createdExternalId: result.createdExternalId } : {}),
  };
}

export function opResultText(result: OpResult): string {
  const verb = result.dryRun ? 'would make' : 'made';
  const lines = [
    result.changed
      ? `${result.dryRun ? 'Dry run: ' : ''}${result.summary ?? 'Done'}; ${verb} ${result.calls.length} call(s):`
      : `Nothing to change${result.summary ? `: ${result.summary}` : ''}.`,
    ...result.calls.map((call) => `  ${call.method} ${call.path}  (${call.description})`),
  ];
  if (result.dryRun && result.calls.some((call) => call.body !== undefined)) {
    lines.push('Bodies:');
    for (const call of result.calls)
      if (call.body !== undefined) lines.push(`  ${call.method} ${call.path} ${JSON.stringify(call.body)}`);
  }
  if (result.createdExternalId) lines.push(`Created ${result.createdExternalId}.`);
  return `${lines.join('\n')}\n`;
}

/**
 * How a failure is printed on stderr: its message and code, and for an
 * operation that stopped part-way what it did and how to resume. With
 * `--json`, one JSON document `{ "error": { … } }` instead.
 */
export function printError(io: CliIo, error: unknown, json: boolean): void {
  const exitCode = exitCodeOf(error);
  // A database password must never reach the terminal, whatever error carried it.
  const raw = toErrorInfo(error);
  const info = { ...raw, message: redactDatabaseUrls(raw.message) };
  const partial = error instanceof IncompleteOperationError ? error.partial : undefined;
  if (json) {
    io.stderr.write(
      `${JSON.stringify({
        error: {
          code: info.code,
          exitCode,
          message: info.message,
          retryable: info.retryable,
          ...(info.upstreamCode ? { upstreamCode: info.upstreamCode } : {}),
          ...(partial
            ? {
                partial: {
                  unit: partial.unit,
                  completed: partial.completed,
                  failed: partial.failed,
                  resumeToken: partial.resumeToken ?? null,
                  createdExternalId: partial.createdExternalId ?? null,
                  calls: partial.calls.map(callJson),
                },
              }
            : {}),
        },
      })}\n`,
    );
    return;
  }
  const code = isAccessLedgerError(error) ? ` [${error.code}]` : '';
  io.stderr.write(`accessledger: ${info.message}${code}\n`);
  if (partial) {
    io.stderr.write(
      `Stopped part-way: ${partial.completed} ${partial.unit} done, ${partial.failed} failed, ${partial.calls.length} call(s) made.\n`,
    );
    if (partial.createdExternalId) io.stderr.write(`Created ${partial.createdExternalId}.\n`);
    if (partial.resumeToken)
      io.stderr.write(`To continue, run the same command again with --resume ${partial.resumeToken}\n`);
  }
}
