import { InvalidArgumentError } from 'commander';

/**
 * Parsers for option values: a value that does not parse is a usage error
 * (exit code 2), never ignored or turned into NaN.
 */

export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1)
    throw new InvalidArgumentError(`expected a whole number of 1 or more, not "${value}".`);
  return number;
}

export function port(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number > 65_535)
    throw new InvalidArgumentError(`expected a port number 0..65535 (0: any free port), not "${value}".`);
  return number;
}

/** A date or date-time: `2026-11-30` (midnight UTC) or ISO 8601 `2026-11-30T12:00:00Z`. */
export function dateTime(value: string): Date {
  const text = value.trim();
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(date.getTime()))
    throw new InvalidArgumentError(
      `expected a date such as 2026-11-30 or 2026-11-30T12:00:00Z, not "${value}".`,
    );
  return date;
}

/** One of a fixed list of words. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    const found = choices.find((choice) => choice === value);
    if (!found) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, not "${value}".`);
    return found;
  };
}

/** `Field=value`, repeatable: custom fields by API name. */
export function fieldAssignment(
  value: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const match = /^([A-Za-z][A-Za-z0-9_]*)=(.*)$/s.exec(value);
  if (!match)
    throw new InvalidArgumentError(
      `expected Field=value with a field API name, e.g. Department=Finance or Cost_Center__c=42, not "${value}".`,
    );
  const [, field, text] = match as unknown as [string, string, string];
  return { ...previous, [field]: text };
}
