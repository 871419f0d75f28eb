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
