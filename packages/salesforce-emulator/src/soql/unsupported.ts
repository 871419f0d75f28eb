import type { FieldType, Query, Subquery, WhereClause } from 'soql-parser-js';
import { notSupportedMessage } from './errors.js';
import type { Statement } from './statement.js';

/** True for the `COUNT()` (no argument) form, the only aggregate the emulator evaluates. */
export function isCountAll(field: FieldType): boolean {
  return (
    field.type === 'FieldFunctionExpression' &&
    field.functionName.toUpperCase() === 'COUNT' &&
    field.parameters.length === 0
  );
}

/**
 * Valid SOQL the emulator does not evaluate fails loudly with MALFORMED_QUERY
 * instead of being ignored: a connector must never pass against the emulator
 * because a clause it relies on was silently dropped.
 */
export function rejectUnsupported(query: Query | Subquery, statement: Statement, topLevel: boolean): void {
  const fail = (feature: string, tokenKind?: string): never => {
    const offset = tokenKind === undefined ? undefined : statement.kindOffset(tokenKind);
    throw statement.error('MALFORMED_QUERY', notSupportedMessage(feature), offset);
  };
  if (query.groupBy !== undefined) fail('GROUP BY', 'GROUP_BY');
  if (query.having !== undefined) fail('HAVING', 'HAVING');
  if (query.withDataCategory !== undefined) fail('WITH DATA CATEGORY', 'WITH');
  if (query.withSecurityEnforced === true) fail('WITH SECURITY_ENFORCED', 'WITH');
  if (query.withAccessLevel !== undefined) fail(`WITH ${query.withAccessLevel}`, 'WITH');
  if (query.for !== undefined) fail(`FOR ${query.for}`, 'FOR');
  if (query.update !== undefined) fail(`UPDATE ${query.update}`, 'UPDATE');
  if (query.usingScope !== undefined) fail('USING SCOPE', 'USING');
  for (const field of query.fields ?? []) {
    if (field.type === 'FieldTypeof') fail('TYPEOF', 'TYPEOF');
    if (field.type === 'FieldSubquery') {
      if (!topLevel) fail('subqueries nested inside a subquery');
      rejectUnsupported(field.subquery, statement, false);
    }
    if (field.type === 'FieldFunctionExpression') {
      const name = field.functionName.toUpperCase();
      if (name === 'FIELDS') fail(`${field.rawValue ?? 'FIELDS()'} in the SELECT list`);
      if (isCountAll(field) && topLevel) continue;
      if (field.isAggregateFn === true) {
        fail(`aggregate functions such as ${field.rawValue ?? name} (only SELECT COUNT() is evaluated)`);
      }
      fail(`the function ${field.rawValue ?? name} in the SELECT list`);
    }
  }
  if (query.where !== undefined) rejectUnsupportedInWhere(query.where, statement);
}

function rejectUnsupportedInWhere(where: WhereClause, statement: Statement): void {
  let node: WhereClause | undefined = where;
  while (node !== undefined) {
    const left = node.left;
    if (left !== null && 'valueQuery' in left && left.valueQuery !== undefined) {
      rejectUnsupported(left.valueQuery, statement, false);
    }
    node = 'right' in node ? node.right : undefined;
  }
}
