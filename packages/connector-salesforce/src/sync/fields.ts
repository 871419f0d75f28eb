import type { JsonValue } from '@accessledger/core';

/**
 * Readers for fields of a queried record. Records are JSON objects whose
 * values Salesforce types loosely (a relationship is a nested record or
 * null); these narrow one field at a time instead of trusting a cast.
 */
export type QueriedRecord = Readonly<Record<string, unknown>>;

export function text(record: QueriedRecord, field: string): string | null {
  const value = record[field];
  return typeof value === 'string' ? value : null;
}

export function requiredText(record: QueriedRecord, field: string): string {
  const value = record[field];
  if (typeof value !== 'string') {
    const type = typeof record['attributes'] === 'object' ? describeType(record) : 'record';
    throw new TypeError(`Salesforce returned a ${type} without a text ${field}.`);
  }
  return value;
}

export function flag(record: QueriedRecord, field: string): boolean {
  return record[field] === true;
}

/**
 * A checkbox the answer must carry: SOQL returns checkbox fields as true or
 * false, never null (SOQL and SOSL Reference: "Field Types" — checkbox), so a
 * missing one is a malformed answer, never read as false (an active user must
 * not become inactive because a proxy cut a field).
 */
export function requiredFlag(record: QueriedRecord, field: string): boolean {
  const value = record[field];
  if (typeof value !== 'boolean') {
    const type = typeof record['attributes'] === 'object' ? describeType(record) : 'record';
    throw new TypeError(`Salesforce returned a ${type} without a true/false ${field}.`);
  }
  return value;
}

export function count(record: QueriedRecord, field: string): number | null {
  const value = record[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Salesforce writes datetimes as `2026-03-01T12:00:00.000+0000` (REST API
 * Developer Guide: "Valid Date and DateTime Formats"); the offset without a
 * colon is not ISO 8601, so it is normalised before parsing.
 */
export function dateTime(record: QueriedRecord, field: string): Date | null {
  const value = record[field];
  if (typeof value !== 'string' || value === '') return null;
  // The common case, UTC, without a regular expression: every record of a sync has dates.
  const iso =
    value.length === 28 && value.endsWith('+0000')
      ? `${value.slice(0, 23)}Z`
      : value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const parsed = new Date(iso);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

/** A field's value as it can be kept in jsonb: scalars only; nested records are dropped. */
export function jsonScalar(record: QueriedRecord, field: string): JsonValue | undefined {
  const value = record[field];
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return undefined;
}

function describeType(record: QueriedRecord): string {
  const attributes = record['attributes'] as { type?: unknown } | null;
  return typeof attributes?.type === 'string' ? attributes.type : 'record';
}
