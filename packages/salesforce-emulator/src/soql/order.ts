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
      throw statement.error(
        'MALFORMED_QUERY',
        notSupportedMessage('functions in ORDER BY'),
        statement.kindOffset('ORDER_BY'),
      );
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

/** Compares two row positions on precomputed key columns; ties keep scan order, as a stable sort would. */
function positionComparator(
  keys: readonly SortKey[],
  columns: readonly (readonly (Comparable | null)[])[],
): (left: number, right: number) => number {
  return (left, right) => {
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      const column = columns[index];
      if (key === undefined || column === undefined) continue;
      const a = column[left] ?? null;
      const b = column[right] ?? null;
      if (a === b) continue;
      if (a === null) return key.nullsFirst ? -1 : 1;
      if (b === null) return key.nullsFirst ? 1 : -1;
      const order = a < b ? -1 : 1;
      return key.descending ? -order : order;
    }
    return left - right;
  };
}

/**
 * Sorts rows by the keys. Each key is computed once per row into a column and
 * row positions (small integers) are sorted, so a 500,000-row ORDER BY
 * allocates no object per row. With `keep` (OFFSET + LIMIT) much smaller than
 * the row count, only the first `keep` positions are selected through a
 * bounded heap: a keyset page (`WHERE Id > :last ORDER BY Id LIMIT 2000`)
 * costs one pass, not a full sort.
 */
export function sortRows(
  rows: readonly SObjectRecord[],
  keys: readonly SortKey[],
  keep?: number,
): SObjectRecord[] {
  if (keys.length === 0) return keep === undefined ? [...rows] : rows.slice(0, keep);
  const columns = keys.map((key) => rows.map((row) => key.value(row)));
  const compare = positionComparator(keys, columns);
  let positions: number[];
  if (keep === undefined || keep * 4 >= rows.length) {
    positions = Array.from({ length: rows.length }, (_, position) => position).sort(compare);
    if (keep !== undefined) positions.length = Math.min(keep, positions.length);
  } else {
    positions = selectFirst(rows.length, keep, compare);
  }
  return positions.map((position) => rows[position] as SObjectRecord);
}

/** The `keep` first positions in order, via a max-heap whose root is the worst position kept so far. */
function selectFirst(
  count: number,
  keep: number,
  compare: (left: number, right: number) => number,
): number[] {
  const heap: number[] = [];
  if (keep <= 0) return heap;
  const at = (index: number): number => heap[index] ?? 0;
  const swap = (first: number, second: number): void => {
    const held = at(first);
    heap[first] = at(second);
    heap[second] = held;
  };
  for (let position = 0; position < count; position++) {
    if (heap.length < keep) {
      heap.push(position);
      for (let index = heap.length - 1; index > 0;) {
        const parent = (index - 1) >> 1;
        if (compare(at(index), at(parent)) <= 0) break;
        swap(index, parent);
        index = parent;
      }
    } else if (compare(position, at(0)) < 0) {
      heap[0] = position;
      for (let index = 0; ;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let largest = index;
        if (left < heap.length && compare(at(left), at(largest)) > 0) largest = left;
        if (right < heap.length && compare(at(right), at(largest)) > 0) largest = right;
        if (largest === index) break;
        swap(index, largest);
        index = largest;
      }
    }
  }
  return heap.sort(compare);
}
