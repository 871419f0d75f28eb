import { InvalidInputError } from '@accessledger/core';
import { isSalesforceId, toId18 } from './salesforce-id.js';

/**
 * A SOQL builder: statements are assembled from checked names and escaped
 * literals, never by pasting strings. (SOQL and SOSL Reference: "Quoted String
 * Escape Sequences", "SOQL and SOSL Limits".)
 */

/** Salesforce's limit on one SOQL statement. */
export const MAX_SOQL_LENGTH = 100_000;
/** Salesforce's limit on one string literal in a WHERE clause. */
export const MAX_WHERE_STRING_LENGTH = 4_000;

const NAME = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*$/;

/** An object or field name (a relationship path such as `Profile.UserLicense.Name` is allowed). */
export function soqlName(name: string): string {
  if (!NAME.test(name)) {
    throw new InvalidInputError(
      `"${name}" is not a valid SOQL object or field name: use API names such as Department__c or Profile.Name.`,
    );
  }
  return name;
}

/** A literal a statement may contain; `Date` values are written as UTC datetimes. */
export type SoqlValue = string | number | boolean | null | Date | SoqlId;

/** An Id literal: checked and written in its 18-character form. */
export class SoqlId {
  readonly value: string;

  constructor(id: string) {
    this.value = toId18(id);
  }
}

export function id(value: string): SoqlId {
  return new SoqlId(value);
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

export function soqlString(value: string): string {
  if (value.length > MAX_WHERE_STRING_LENGTH) {
    throw new InvalidInputError(
      `A SOQL string literal may be at most ${MAX_WHERE_STRING_LENGTH} characters; this one has ${value.length}.`,
    );
  }
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (char) => ESCAPES[char] ?? char)}'`;
}

export function soqlLiteral(value: SoqlValue): string {
  if (value === null) return 'null';
  if (value instanceof SoqlId) return `'${value.value}'`;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime()))
      throw new InvalidInputError('A SOQL datetime literal cannot be an invalid Date.');
    return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new InvalidInputError(`A SOQL number literal must be finite, not ${value}.`);
    return String(value);
  }
  return soqlString(value);
}

/** A WHERE condition, already rendered from checked parts. */
export class Condition {
  private constructor(readonly text: string) {}

  static raw(text: string): Condition {
    return new Condition(text);
  }
}

type Comparison = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE';

export const where = {
  compare(field: string, operator: Comparison, value: SoqlValue): Condition {
    return Condition.raw(`${soqlName(field)} ${operator} ${soqlLiteral(value)}`);
  },
  eq(field: string, value: SoqlValue): Condition {
    return where.compare(field, '=', value);
  },
  ne(field: string, value: SoqlValue): Condition {
    return where.compare(field, '!=', value);
  },
  in(field: string, values: readonly SoqlValue[]): Condition {
    if (values.length === 0) throw new InvalidInputError(`An IN list on ${field} needs at least one value.`);
    return Condition.raw(`${soqlName(field)} IN (${values.map(soqlLiteral).join(', ')})`);
  },
  notIn(field: string, values: readonly SoqlValue[]): Condition {
    if (values.length === 0)
      throw new InvalidInputError(`A NOT IN list on ${field} needs at least one value.`);
    return Condition.raw(`${soqlName(field)} NOT IN (${values.map(soqlLiteral).join(', ')})`);
  },
  /** A semi-join: `field IN (SELECT Id FROM …)`, the subquery rendered by `select`. */
  inSelect(field: string, subquery: SelectQuery): Condition {
    return Condition.raw(`${soqlName(field)} IN (${select(subquery)})`);
  },
  and(...conditions: readonly Condition[]): Condition {
    return join('AND', conditions);
  },
  or(...conditions: readonly Condition[]): Condition {
    return join('OR', conditions);
  },
  not(condition: Condition): Condition {
    return Condition.raw(`NOT (${condition.text})`);
  },
};

function join(operator: 'AND' | 'OR', conditions: readonly Condition[]): Condition {
  if (conditions.length === 0) throw new InvalidInputError(`${operator} needs at least one condition.`);
  if (conditions.length === 1) return conditions[0] as Condition;
  return Condition.raw(conditions.map((condition) => `(${condition.text})`).join(` ${operator} `));
}

export interface SelectQuery {
  readonly fields: readonly string[];
  readonly from: string;
  readonly where?: Condition;
  readonly orderBy?: readonly { readonly field: string; readonly direction?: 'ASC' | 'DESC' }[];
  readonly limit?: number;
}

/**
 * Renders a SELECT statement.
 *
 * @example
 * ```ts
 * select({ fields: ['Id', 'Username'], from: 'User', where: where.eq('IsActive', true) });
 * // SELECT Id, Username FROM User WHERE IsActive = true
 * ```
 */
export function select(query: SelectQuery): string {
  if (query.fields.length === 0)
    throw new InvalidInputError(`A SOQL query on ${query.from} needs at least one field.`);
  let text = `SELECT ${query.fields.map(soqlName).join(', ')} FROM ${soqlName(query.from)}`;
  if (query.where) text += ` WHERE ${query.where.text}`;
  if (query.orderBy && query.orderBy.length > 0) {
    text += ` ORDER BY ${query.orderBy.map((order) => `${soqlName(order.field)} ${order.direction ?? 'ASC'}`).join(', ')}`;
  }
  if (query.limit !== undefined) {
    if (!Number.isInteger(query.limit) || query.limit < 1) {
      throw new InvalidInputError(`LIMIT must be a positive whole number, not ${query.limit}.`);
    }
    text += ` LIMIT ${query.limit}`;
  }
  if (text.length > MAX_SOQL_LENGTH) {
    throw new InvalidInputError(
      `The SOQL statement is ${text.length} characters; Salesforce allows ${MAX_SOQL_LENGTH}.`,
    );
  }
  return text;
}

/**
 * Splits a long IN list over several statements so that each, URL-encoded
 * into `GET /query?q=`, stays under `maxEncodedLength` (Salesforce answers 414
 * past 16,384 bytes of URI and headers together; the default leaves room for
 * headers). Ids are checked and written in 18-character form.
 */
export function selectInChunks(
  query: Omit<SelectQuery, 'where'> & { readonly where?: Condition },
  field: string,
  values: readonly SoqlValue[],
  maxEncodedLength = 12_000,
): string[] {
  if (values.length === 0) return [];
  const render = (list: readonly SoqlValue[]): string => {
    const inList = where.in(field, list);
    return select({ ...query, where: query.where ? where.and(query.where, inList) : inList });
  };
  // URL-encoding is per character, so a statement's encoded length is the
  // encoded length of everything around the list plus that of each literal.
  const literals = values.map(soqlLiteral);
  const encodedLength = (text: string): number => encodeURIComponent(text).length;
  const first = literals[0] as string;
  const overhead = encodedLength(render([values[0] as SoqlValue])) - encodedLength(first);
  const separator = encodedLength(', ');
  const statements: string[] = [];
  let start = 0;
  let length = overhead;
  for (let index = 0; index < literals.length; index += 1) {
    const added = encodedLength(literals[index] as string) + (index > start ? separator : 0);
    if (length + added > maxEncodedLength) {
      if (index === start) {
        throw new InvalidInputError(
          `One value of the IN list on ${field} does not fit in a query URL on its own.`,
        );
      }
      statements.push(render(values.slice(start, index)));
      start = index;
      length = overhead + encodedLength(literals[index] as string);
    } else {
      length += added;
    }
  }
  statements.push(render(values.slice(start)));
  return statements;
}

/** Ids as SOQL literals, refusing anything that is not one. */
export function ids(values: readonly string[]): SoqlId[] {
  return values.map((value) => {
    if (!isSalesforceId(value)) throw new InvalidInputError(`"${value}" is not a Salesforce Id.`);
    return new SoqlId(value);
  });
}
