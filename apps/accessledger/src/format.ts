import type { ValidationReport } from '@accessledger/core';

/** Plain aligned columns for terminal output. */
export function table(
  headers: readonly string[],
  rows: readonly (readonly (string | number | null | undefined)[])[],
): string {
  const cells = rows.map((row) =>
    row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))),
  );
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

export function isoMinute(date: Date | null | undefined): string {
  return date
    ? date
        .toISOString()
        .replace(/:\d\d\.\d{3}Z$/, 'Z')
        .replace('T', ' ')
    : '';
}

/** A validation report, one line per check with its fix, then whether the connection is ready. */
export function formatValidationReport(report: ValidationReport): string {
  const lines = report.checks.map(
    (check) =>
      `${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.message}${!check.ok && check.fix ? `\n     fix: ${check.fix}` : ''}\n`,
  );
  const identity = Object.entries(report.identity)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  return (
    lines.join('') +
    `${report.ok ? 'Connection is ready' : 'Connection is NOT ready'}${identity ? ` (${identity})` : ''}.\n`
  );
}

/**
 * C0 and C1 control characters (but newline, tab and the carriage return of a
 * CRLF line end, which CSV output needs: RFC 4180), DEL, and the Unicode
 * bidirectional overrides: what an entitlement label or a user name could use to
 * move the cursor, clear the screen or reorder what a terminal shows. A lone
 * carriage return (which would let a label overwrite its own line) is escaped.
 */
const CONTROL_CHARACTERS =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;

/** Text with control characters shown as `\u001b`-style escapes, so it prints as what it is. */
export function neutralizeControlCharacters(text: string): string {
  return text.replace(
    CONTROL_CHARACTERS,
    (character) => `\\u${(character.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * A stream that neutralises control characters in everything written to it:
 * names, labels and descriptions come from the connected application, and
 * reach the terminal only through this.
 */
export function neutralizingStream(target: NodeJS.WritableStream): NodeJS.WritableStream {
  return new Proxy(target, {
    get(stream, property, receiver) {
      if (property !== 'write') return Reflect.get(stream, property, receiver) as unknown;
      return (chunk: string | Uint8Array, ...rest: unknown[]): boolean =>
        (stream.write as (chunk: string, ...rest: unknown[]) => boolean)(
          neutralizeControlCharacters(
            typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'),
          ),
          ...rest,
        );
    },
  });
}
