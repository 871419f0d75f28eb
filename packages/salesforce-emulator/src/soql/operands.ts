import type { LiteralType } from 'soql-parser-js';
import type { CompileContext } from './context.js';
import { notSupportedMessage } from './errors.js';
import {
  canonicalDatetime,
  canonicalId,
  canonicalStoredId,
  dateLiteralRange,
  decodeString,
  looksLikeId,
  MILLIS_IN_DAY,
  parseDateLiteral,
  parseDatetimeLiteral,
  toWireDate,
  toWireDatetime,
} from './literals.js';
import type { FieldDescriptor, FieldType } from './types.js';

/** How values of a field compare. */
export type FieldKind = 'text' | 'id' | 'boolean' | 'number' | 'date' | 'datetime';

export function fieldKind(type: FieldType): FieldKind {
  switch (type) {
    case 'id':
    case 'reference':
      return 'id';
    case 'boolean':
      return 'boolean';
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
      return 'number';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    default:
      return 'text';
  }
}

/**
 * A value in the form comparisons use: text lower-cased (SOQL compares text
 * case-insensitively), Ids in canonical 18-character form (equal exactly when
 * their case-sensitive first 15 characters are), dates
 * and datetimes in wire form (their lexical order is chronological).
 */
export type Comparable = string | number | boolean;

/** Turns a stored value into its comparable form for a field kind; null for null or a value of the wrong type. */
export function comparableReader(
  kind: FieldKind,
): (value: string | number | boolean | null) => Comparable | null {
  switch (kind) {
    case 'text':
      return (value) => (value === null ? null : String(value).toLowerCase());
    case 'id':
      return (value) => (typeof value === 'string' && value !== '' ? canonicalStoredId(value) : null);
    case 'number':
      return (value) => (typeof value === 'number' ? value : null);
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? value : null);
    case 'date':
      return (value) => (typeof value === 'string' && value !== '' ? value : null);
    case 'datetime':
      return (value) => (typeof value === 'string' && value !== '' ? canonicalDatetime(value) : null);
  }
}

/** A literal of the WHERE clause, coerced for the field it is compared with. */
export type Operand =
  | { readonly type: 'null' }
  | { readonly type: 'value'; readonly value: Comparable }
  /** A date literal such as THIS_MONTH: start inclusive, end exclusive, in the field's comparable form. */
  | { readonly type: 'range'; readonly start: string; readonly end: string };

/** One literal as soql-parser-js hands it over. */
export interface LiteralInput {
  readonly literalType: LiteralType | undefined;
  /** Raw text: `'quoted'`, `42`, `TRUE`, `2026-03-01`, `LAST_N_DAYS:3`. */
  readonly text: string;
  /** `n` of an N-date literal. */
  readonly dateVariable?: number;
}

const FISCAL = 'FISCAL';

/** Salesforce's name of a field type in filter errors ("must be of type dateTime"). */
function typeNameInErrors(field: FieldDescriptor): string {
  switch (field.type) {
    case 'datetime':
      return 'dateTime';
    case 'int':
      return 'integer';
    case 'currency':
    case 'percent':
    case 'double':
      return 'double';
    case 'reference':
      return 'id';
    case 'date':
    case 'boolean':
    case 'id':
      return field.type;
    default:
      return 'string';
  }
}

/**
 * Coerces a literal for a field, with Salesforce's errors for a literal of
 * the wrong kind: e.g. "value of filter criterion for field 'CreatedDate'
 * must be of type dateTime and should not be enclosed in quotes" (quoted in
 * many public integrations; INVALID_FIELD for dates, MALFORMED_QUERY for
 * numbers as the captured responses show) and "invalid ID field: 7075A0000BiWZjxx"
 * (forcedotcom/salesforcedx-apex#153, INVALID_QUERY_FILTER_OPERATOR).
 */
export function coerceLiteral(
  literal: LiteralInput,
  field: FieldDescriptor,
  pathText: string,
  context: CompileContext,
  offset: number | undefined,
): Operand {
  const { literalType, text } = literal;
  const statement = context.statement;
  if (literalType === 'NULL') return { type: 'null' };
  if (
    literalType === 'INTEGER_WITH_CURRENCY_PREFIX' ||
    literalType === 'DECIMAL_WITH_CURRENCY_PREFIX' ||
    literalType === 'APEX_BIND_VARIABLE'
  ) {
    throw statement.error('MALFORMED_QUERY', notSupportedMessage(`the literal ${text}`), offset);
  }
  const kind = fieldKind(field.type);
  const quoted = literalType === 'STRING';
  const mismatch = (): never => {
    const shouldBeQuoted = kind === 'text' || kind === 'id';
    const description =
      `value of filter criterion for field '${pathText}' must be of type ${typeNameInErrors(field)} and ` +
      (shouldBeQuoted ? 'should be enclosed in quotes' : 'should not be enclosed in quotes');
    throw statement.error(
      kind === 'date' || kind === 'datetime' ? 'INVALID_FIELD' : 'MALFORMED_QUERY',
      description,
      offset,
    );
  };
  switch (kind) {
    case 'text':
      return quoted ? { type: 'value', value: decodeString(text).toLowerCase() } : mismatch();
    case 'id': {
      if (!quoted) return mismatch();
      const id = decodeString(text);
      if (!looksLikeId(id))
        throw statement.error('INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${id}`, offset);
      return { type: 'value', value: canonicalId(id) };
    }
    case 'boolean':
      return literalType === 'BOOLEAN' ? { type: 'value', value: text.toUpperCase() === 'TRUE' } : mismatch();
    case 'number':
      return literalType === 'INTEGER' || literalType === 'DECIMAL'
        ? { type: 'value', value: Number(text) }
        : mismatch();
    case 'date':
    case 'datetime':
      return coerceTemporal(literal, kind, context, offset) ?? mismatch();
  }
}

function coerceTemporal(
  literal: LiteralInput,
  kind: 'date' | 'datetime',
  context: CompileContext,
  offset: number | undefined,
): Operand | undefined {
  const { literalType, text } = literal;
  const statement = context.statement;
  if (literalType === 'DATE' && kind === 'date') {
    if (parseDateLiteral(text) === undefined)
      throw statement.error('MALFORMED_QUERY', `invalid date: ${text}`, offset);
    return { type: 'value', value: text };
  }
  if (literalType === 'DATETIME' && kind === 'datetime') {
    const millis = parseDatetimeLiteral(text);
    if (millis === undefined) throw statement.error('MALFORMED_QUERY', `invalid dateTime: ${text}`, offset);
    return { type: 'value', value: toWireDatetime(millis) };
  }
  if (literalType !== 'DATE_LITERAL' && literalType !== 'DATE_N_LITERAL') return undefined;
  const name =
    literalType === 'DATE_N_LITERAL' ? (text.split(':')[0] ?? text).toUpperCase() : text.toUpperCase();
  if (name.includes(FISCAL)) {
    throw statement.error('MALFORMED_QUERY', notSupportedMessage(`fiscal date literals (${text})`), offset);
  }
  const range = dateLiteralRange(name, literal.dateVariable ?? 0, context.now);
  if (range === undefined)
    throw statement.error('MALFORMED_QUERY', notSupportedMessage(`the date literal ${text}`), offset);
  return kind === 'date'
    ? { type: 'range', start: toWireDate(range.startDay), end: toWireDate(range.endDay) }
    : {
        type: 'range',
        start: toWireDatetime(range.startDay * MILLIS_IN_DAY),
        end: toWireDatetime(range.endDay * MILLIS_IN_DAY),
      };
}
