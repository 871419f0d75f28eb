/** Salesforce's wire form for datetimes: `2026-03-01T12:00:00.000+0000`. */
export function toSalesforceDateTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/** `YYYY-MM-DD`. */
export function toSalesforceDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Parses an ISO-8601 datetime as a client may send it (`Z`, `+00:00` or `+0000`); undefined when invalid. */
export function parseDateTime(value: string): Date | undefined {
  const normalised = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(normalised))
    return undefined;
  const date = new Date(normalised);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
