import type { SoqlErrorShape } from './types.js';

export type SoqlErrorCode = SoqlErrorShape['errorCode'];

/**
 * A query failure shaped like Salesforce's: the HTTP layer answers
 * `statusCode` with `[{ message, errorCode }]`.
 *
 * @example
 * try { runSoql('SELECT Foo FROM User', org, options); }
 * catch (error) { if (error instanceof SoqlError) reply(error.statusCode, [{ message: error.message, errorCode: error.errorCode }]); }
 */
export class SoqlError extends Error implements SoqlErrorShape {
  readonly statusCode: number;
  readonly errorCode: SoqlErrorCode;

  constructor(errorCode: SoqlErrorCode, message: string, statusCode = 400) {
    super(message);
    this.name = 'SoqlError';
    this.errorCode = errorCode;
    this.statusCode = statusCode;
  }
}

// The wordings below are Salesforce's own as REST clients receive them. The
// docs do not list them; they were checked against real responses quoted in
// public code and threads, e.g. "\nSELECT Id FROM Accountz LIMIT 2\n ^\nERROR at
// Row:1:Column:16\nsObject type 'Accountz' is not supported. ..." (INVALID_TYPE)
// and "\nSELECT Id,Invalid__x FROM Contact LIMIT 1\n ^\nERROR at Row:1:Column:11\n
// No such column 'Invalid__x' on entity 'Contact'. ..." (INVALID_FIELD).

export function unsupportedObjectMessage(objectName: string): string {
  return (
    `sObject type '${objectName}' is not supported. If you are attempting to use a custom object, ` +
    `be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`
  );
}

export function noSuchColumnMessage(fieldName: string, entityName: string): string {
  return (
    `No such column '${fieldName}' on entity '${entityName}'. If you are attempting to use a custom field, ` +
    `be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`
  );
}

export function unknownRelationshipMessage(relationshipName: string): string {
  return (
    `Didn't understand relationship '${relationshipName}' in field path. If you are attempting to use a custom relationship, ` +
    `be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`
  );
}

export function unknownChildRelationshipMessage(relationshipName: string): string {
  return (
    `Didn't understand relationship '${relationshipName}' in FROM part of query call. If you are attempting to use a custom relationship, ` +
    `be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`
  );
}

/** What the emulator says when a statement is valid SOQL it does not evaluate: loud, never a silent approximation. */
export function notSupportedMessage(feature: string): string {
  return (
    `The Salesforce emulator does not support ${feature}. ` +
    `Remove it from the query, or run this query against a real org.`
  );
}

/** Where a character sits in the statement, 1-based as Salesforce reports it. */
export interface StatementPosition {
  readonly row: number;
  readonly column: number;
}

export function positionOf(statement: string, offset: number): StatementPosition {
  let row = 1;
  let lineStart = 0;
  const end = Math.min(offset, statement.length);
  for (let index = 0; index < end; index++) {
    if (statement.charCodeAt(index) === 10) {
      row++;
      lineStart = index + 1;
    }
  }
  return { row, column: end - lineStart + 1 };
}

/** Lines longer than this are shown as an excerpt around the error, as Salesforce does for long statements. */
const EXCERPT_LIMIT = 100;
const EXCERPT_BEFORE = 50;
const EXCERPT_AFTER = 50;

/**
 * Salesforce prefixes errors it can place with an excerpt of the offending
 * line, a caret and `ERROR at Row:r:Column:c`, e.g.
 * `"\nSELECT Id, Foo FROM User\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo' ..."`.
 * How Salesforce cuts the excerpt from a long line is not documented; the
 * emulator shows the whole line when it is short and about fifty characters
 * either side otherwise. Clients parse the Row/Column line, not the excerpt.
 */
export function positionedMessage(statement: string, offset: number, description: string): string {
  const { row, column } = positionOf(statement, offset);
  const lineStart = offset - (column - 1);
  let lineEnd = statement.indexOf('\n', lineStart);
  if (lineEnd === -1) lineEnd = statement.length;
  let excerptStart = lineStart;
  let excerptEnd = lineEnd;
  if (lineEnd - lineStart > EXCERPT_LIMIT) {
    excerptStart = Math.max(lineStart, offset - EXCERPT_BEFORE);
    excerptEnd = Math.min(lineEnd, offset + EXCERPT_AFTER);
    while (excerptStart > lineStart && statement[excerptStart - 1] !== ' ') excerptStart--;
    while (excerptEnd < lineEnd && statement[excerptEnd] !== ' ') excerptEnd++;
  }
  const excerpt = statement.slice(excerptStart, excerptEnd).replace(/\r$/, '');
  const caret = ' '.repeat(Math.max(0, offset - excerptStart)) + '^';
  return `\n${excerpt}\n${caret}\nERROR at Row:${row}:Column:${column}\n${description}`;
}
