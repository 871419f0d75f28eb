import type { OrderByClause } from 'soql-parser-js';
import type { CompileContext, QueryScope } from './context.js';
import { notSupportedMessage } from './errors.js';
import { comparableReader, fieldKind } from './operands.js';
import type { Comparable } from './operands.js';
import { pathSegments, resolvePath } from './schema.js';
import type { SObjectRecord } from './types.js';

/** One ORDER BY key, compiled. */
export interface SortKey {
  readonly value: (row: SObjectRecord) => Comparable | null;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

/**
 * Compiles ORDER BY. Defaults as the SOQL reference ("ORDER BY") states them:
 * ascending, and nulls first when ascending, last when descending. Text sorts
 * case-insensitively, Ids on their 15-character form, dates chronologically.
 */
export function compileOrder(
  orderBy: OrderByClause | OrderByClause[] | undefined,
  scope: QueryScope,
  context: CompileContext,
): SortKey[] {
  if (orderBy === undefined) return [];
  const statement = context.statement;
  const clauses = Array.isArray(orderBy) ? orderBy : [orderBy];
  return clauses.map((clause) => {
    if (!('field' in clause)) {
      throw statement.error('MALFORMED_QUERY', notSupportedMessage('functions in ORDER BY'), statement.kindOffset('ORDER_BY'));
    }
    const raw = clause.field;
    const path = resolvePath(context.schema, statement, scope.object, pathSegments(raw, scope.alias), {
      raw,
      searchFrom: statement.kindOffset('ORDER_BY'),
    });
    if (!path.field.sortable) {
      throw statement.error(
        'MALFORMED_QUERY',
        `field '${path.field.name}' can not be sorted in a query call`,
        statement.identifierOffset(raw, statement.kindOffset('ORDER_BY')),
      );
    }
    const read = context.graph.reader(path);
    const comparable = comparableReader(fieldKind(path.field.type));
    const descending = clause.order === 'DESC';
    const nullsFirst = clause.nulls === undefined ? !descending : clause.nulls === 'FIRST';
    return { value: (row: SObjectRecord) => comparable(read(row)), descending, nullsFirst };
  });
}

/**
 * Sorts rows by the keys, computing each key once per row (not once per
 * comparison) so a 500,000-row ORDER BY stays a plain array sort. Stable:
 * ties keep scan order.
 */
export function sortRows(rows: readonly SObjectRecord[], keys: readonly SortKey[]): SObjectRecord[] {
  if (keys.length === 0) return [...rows];
  const decorated = rows.map((row) => ({ row, values: keys.map((key) => key.value(row)) }));
  decorated.sort((left, right) => {
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      const a = left.values[index] ?? null;
      const b = right.values[index] ?? null;
      if (key === undefined || a === b) continue;
      if (a === null) return key.nullsFirst ? -1 : 1;
      if (b === null) return key.nullsFirst ? 1 : -1;
      const order = a < b ? -1 : 1;
      return key.descending ? -order : order;
    }
    return 0;
  });
  return decorated.map((entry) => entry.row);
}
