import type { Query } from 'soql-parser-js';
import type { CompileContext, QueryScope, RowPredicate } from './context.js';
import { SoqlError } from './errors.js';
import { compileOrder, sortRows } from './order.js';
import { compileProjection } from './projection.js';
import { RecordGraph, resolveFromObject, Schema } from './schema.js';
import { parseStatement } from './statement.js';
import type { SObjectRecord, SoqlDataSource } from './types.js';
import { isCountAll, rejectUnsupported } from './unsupported.js';
import { compileFilter, ownIdPath } from './where.js';

export { SoqlError } from './errors.js';
export type { SoqlErrorCode } from './errors.js';
export type * from './types.js';

/** The outcome of one SOQL statement, before pagination. */
export interface SoqlQueryResult {
  /** Canonical API name of the queried object, e.g. `User`. */
  readonly objectName: string;
  /** `SELECT COUNT() ...`: only `totalSize` is meaningful, `rows` is empty. */
  readonly isCount: boolean;
  /** Rows matched after LIMIT/OFFSET: what Salesforce reports as `totalSize`. */
  readonly totalSize: number;
  /** Matched base records: filtered, sorted, OFFSET/LIMIT applied. */
  readonly rows: readonly SObjectRecord[];
  /**
   * Turns one matched row into the JSON record Salesforce returns: `attributes {type,url}`,
   * selected fields in canonical casing, parent relationships nested (or null), child
   * subqueries as nested query results (or null when there is no child).
   */
  project(row: SObjectRecord): Record<string, unknown>;
}

export interface RunSoqlOptions {
  /** `queryAll`: also read deleted/archived rows. */
  readonly includeDeleted: boolean;
  /** Without the `v`, e.g. `'63.0'`; used in `attributes.url`. */
  readonly apiVersion: string;
  /** The instant date literals are evaluated against (UTC); defaults to the current time. */
  readonly now?: Date;
}

/** "The maximum offset is 2,000 rows. Requesting an offset greater than 2,000 results in a NUMBER_OUTSIDE_VALID_RANGE error." (SOQL reference, "OFFSET") */
export const MAX_OFFSET = 2000;

/**
 * Parses and evaluates one SOQL statement against an org's records.
 * Throws {@link SoqlError} shaped like Salesforce's errors (HTTP 400).
 *
 * Cheap on large objects: WHERE is compiled once into a closure, rows are
 * collected by reference, and nothing is projected until the caller asks for
 * a page via `project`.
 *
 * @example
 * const result = runSoql("SELECT Id, Profile.Name FROM User WHERE IsActive = true", org, { includeDeleted: false, apiVersion: '63.0' });
 * const firstPage = result.rows.slice(0, 2000).map((row) => result.project(row));
 * // → [{ attributes: { type: 'User', url: '/services/data/v63.0/sobjects/User/005…' }, Id: '005…', Profile: { attributes: …, Name: 'Standard User' } }]
 */
export function runSoql(soql: string, source: SoqlDataSource, options: RunSoqlOptions): SoqlQueryResult {
  const { statement, query } = parseStatement(soql);
  rejectUnsupported(query, statement, true);
  const schema = new Schema(source);
  const context: CompileContext = {
    schema,
    statement,
    graph: new RecordGraph(source, schema),
    source,
    includeDeleted: options.includeDeleted,
    apiVersion: options.apiVersion,
    now: options.now ?? new Date(),
  };
  const object = resolveFromObject(schema, statement, query.sObject ?? '', statement.kindOffset('FROM'));
  const scope: QueryScope =
    query.sObjectAlias === undefined ? { object } : { object, alias: query.sObjectAlias };
  const fields = query.fields ?? [];
  const isCount = fields.some(isCountAll);
  if (isCount && fields.length > 1) {
    throw statement.error(
      'MALFORMED_QUERY',
      'COUNT() must be the only item of the SELECT list; select fields in a separate query',
      statement.kindOffset('COUNT'),
    );
  }
  const filter = query.where === undefined ? undefined : compileFilter(query.where, scope, context);
  const order = compileOrder(query.orderBy, scope, context);
  const project = isCount ? countRecord(object.name) : compileProjection(fields, scope, context);
  const offset = query.offset ?? 0;
  if (offset > MAX_OFFSET) {
    // The code is documented; the wording is the one integrations match on ("Maximum SOQL offset allowed is 2000").
    throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is ${MAX_OFFSET}`);
  }
  const limit = query.limit;
  // Rows in Id order where the source keeps it (not for queryAll): ORDER BY Id needs no sort, and an
  // Id range (PK chunking's `Id > a AND Id <= b`) reads only its rows. Without ORDER BY "there's no
  // guarantee of the order of results" (SOQL and SOSL Reference, "ORDER BY"); an emulated org's rows
  // were created in Id order, so Id order is the scan's order too.
  const byId = idOrder(query.orderBy, scope, context);
  const range = filter?.idRange ?? {};
  const readById = byId !== undefined || (order.length === 0 && (range.low ?? range.high) !== undefined);
  const idOrdered =
    source.scanById && !options.includeDeleted && readById
      ? source.scanById(object.name, range, byId === 'DESC')
      : undefined;
  const inIdOrder = idOrdered !== undefined;
  // Without ORDER BY, or in the order rows are read, scanning can stop once OFFSET + LIMIT rows matched.
  const enough =
    (order.length === 0 || inIdOrder) && limit !== undefined ? offset + limit : Number.POSITIVE_INFINITY;
  const matched = collect(
    idOrdered ?? source.scan(object.name, { includeDeleted: options.includeDeleted }),
    filter?.predicate,
    enough,
  );
  const sorted =
    order.length === 0 || inIdOrder
      ? matched
      : sortRows(matched, order, limit === undefined ? undefined : offset + limit);
  const end = limit === undefined ? sorted.length : offset + limit;
  const rows = offset === 0 && end >= sorted.length ? sorted : sorted.slice(offset, end);
  return {
    objectName: object.name,
    isCount,
    totalSize: rows.length,
    rows: isCount ? [] : rows,
    project,
  };
}

/** 'ASC' or 'DESC' when ORDER BY is the queried object's own Id alone (it is never null: NULLS FIRST/LAST change nothing). */
function idOrder(
  orderBy: Query['orderBy'],
  scope: QueryScope,
  context: CompileContext,
): 'ASC' | 'DESC' | undefined {
  const clauses = orderBy === undefined ? [] : Array.isArray(orderBy) ? orderBy : [orderBy];
  const [clause] = clauses;
  if (clauses.length !== 1 || clause === undefined || !('field' in clause)) return undefined;
  if (ownIdPath(clause.field, scope, context) === undefined) return undefined;
  return clause.order === 'DESC' ? 'DESC' : 'ASC';
}

function collect(
  records: Iterable<SObjectRecord>,
  predicate: RowPredicate | undefined,
  enough: number,
): SObjectRecord[] {
  const matched: SObjectRecord[] = [];
  if (enough <= 0) return matched;
  for (const record of records) {
    if (predicate !== undefined && !predicate(record)) continue;
    matched.push(record);
    if (matched.length >= enough) break;
  }
  return matched;
}

/** COUNT() results carry no records; a projection is still offered so callers need no special case. */
function countRecord(objectName: string): (row: SObjectRecord) => Record<string, unknown> {
  return () => ({ attributes: { type: objectName } });
}
