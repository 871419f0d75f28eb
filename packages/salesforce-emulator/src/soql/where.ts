import type { ConditionWithValueQuery, LiteralType, ValueQueryCondition, WhereClause } from 'soql-parser-js';
import type { CompileContext, QueryScope, RowPredicate } from './context.js';
import { notSupportedMessage } from './errors.js';
import { compileLike } from './like.js';
import { canonicalStoredId, decodeLikePattern } from './literals.js';
import { coerceLiteral, comparableReader, fieldKind } from './operands.js';
import type { Comparable, Operand } from './operands.js';
import { pathSegments, resolveFromObject, resolvePath } from './schema.js';
import type { ResolvedPath } from './schema.js';
import type { IdRange, SObjectRecord } from './types.js';

/**
 * soql-parser-js hands WHERE over as a right-leaning chain whose grouping is
 * only recorded as open/close parenthesis counts on each condition. The chain
 * is first flattened back into the token order of the statement, then parsed
 * into a tree (the statement check has already rejected mixed AND/OR).
 */
type Item =
  | { readonly kind: 'open' | 'close' | 'not' | 'AND' | 'OR' }
  | { readonly kind: 'condition'; readonly condition: ConditionWithValueQuery };

type ConditionTree =
  | { readonly kind: 'AND' | 'OR'; readonly terms: readonly ConditionTree[] }
  | { readonly kind: 'not'; readonly term: ConditionTree }
  | { readonly kind: 'condition'; readonly condition: ConditionWithValueQuery };

function repeat(items: Item[], kind: 'open' | 'close', count: number | undefined): void {
  for (let index = 0; index < (count ?? 0); index++) items.push({ kind });
}

function flatten(where: WhereClause): Item[] {
  const items: Item[] = [];
  let node: WhereClause | undefined = where;
  while (node !== undefined) {
    const operator = 'operator' in node ? node.operator : undefined;
    const left = node.left;
    if (operator === 'NOT') {
      if (left !== null) repeat(items, 'open', left.openParen);
      items.push({ kind: 'not' });
    } else if (left !== null) {
      repeat(items, 'open', left.openParen);
      items.push({ kind: 'condition', condition: left });
      repeat(items, 'close', 'closeParen' in left ? left.closeParen : undefined);
      if (operator === 'AND' || operator === 'OR') items.push({ kind: operator });
    }
    node = 'right' in node ? node.right : undefined;
  }
  return items;
}

class TreeBuilder {
  private index = 0;

  constructor(private readonly items: readonly Item[]) {}

  build(): ConditionTree {
    const tree = this.expression();
    if (this.index !== this.items.length) throw new Error('unbalanced WHERE clause from the parser');
    return tree;
  }

  private expression(): ConditionTree {
    const terms = [this.unary()];
    let connective: 'AND' | 'OR' | undefined;
    for (
      let next = this.items[this.index];
      next?.kind === 'AND' || next?.kind === 'OR';
      next = this.items[this.index]
    ) {
      if (connective !== undefined && connective !== next.kind)
        throw new Error('AND and OR mixed without parentheses');
      connective = next.kind;
      this.index++;
      terms.push(this.unary());
    }
    const [first] = terms;
    return connective === undefined && first !== undefined ? first : { kind: connective ?? 'AND', terms };
  }

  private unary(): ConditionTree {
    const item = this.items[this.index++];
    if (item?.kind === 'not') return { kind: 'not', term: this.unary() };
    if (item?.kind === 'open') {
      const inner = this.expression();
      if (this.items[this.index++]?.kind !== 'close')
        throw new Error('unbalanced parentheses from the parser');
      return inner;
    }
    if (item?.kind === 'condition') return { kind: 'condition', condition: item.condition };
    throw new Error('unexpected end of WHERE clause from the parser');
  }
}

/**
 * Compiles a WHERE clause once into a closure over a row. Field paths,
 * literals and operators are checked here, with Salesforce's errors;
 * semi-join subqueries are run here, once, into a set of Ids.
 */
export function compileWhere(
  where: WhereClause,
  scope: QueryScope,
  context: CompileContext,
  semiJoinsAllowed = true,
): RowPredicate {
  const tree = new TreeBuilder(flatten(where)).build();
  return compileTree(tree, scope, context, semiJoinsAllowed);
}

/**
 * A query's own WHERE clause, compiled (`compileWhere`), with the bounds it
 * sets on the queried object's own Id where it is a conjunction: `Id > '…'
 * AND Id <= '…' AND …` (the Id ranges of PK chunking). The bounds only narrow
 * what is scanned; the predicate still tests every row.
 */
export function compileFilter(
  where: WhereClause,
  scope: QueryScope,
  context: CompileContext,
): { readonly predicate: RowPredicate; readonly idRange: IdRange } {
  const tree = new TreeBuilder(flatten(where)).build();
  // Compiled first: it reports anything wrong in the clause, so the bounds read a valid one.
  const predicate = compileTree(tree, scope, context, true);
  return { predicate, idRange: idBounds(tree, scope, context) };
}

function idBounds(tree: ConditionTree, scope: QueryScope, context: CompileContext): IdRange {
  const terms = tree.kind === 'AND' ? tree.terms : [tree];
  let range: IdRange = {};
  for (const term of terms) {
    if (term.kind !== 'condition' || !('field' in term.condition)) continue;
    const { condition } = term;
    const operator: string = condition.operator;
    if (!['<', '<=', '>', '>='].includes(operator) || !('value' in condition)) continue;
    const text = condition.value;
    if (condition.literalType !== 'STRING' || typeof text !== 'string') continue;
    const path = ownIdPath(condition.field, scope, context);
    if (path === undefined) continue;
    const operand = coerceLiteral(
      { literalType: 'STRING', text, dateVariable: 0 },
      path.field,
      path.canonical.join('.'),
      context,
      undefined,
    );
    if (operand.type !== 'value' || typeof operand.value !== 'string') continue;
    // Each bound is a condition every row must meet, so any one per side is a correct start or end.
    const bound = { id: operand.value, inclusive: operator.endsWith('=') };
    range = operator.startsWith('>') ? { ...range, low: bound } : { ...range, high: bound };
  }
  return range;
}

/** The resolved path of `field` when it names the queried object's own Id (not a parent's, not a reference). */
export function ownIdPath(
  field: string,
  scope: QueryScope,
  context: CompileContext,
): ResolvedPath | undefined {
  const path = resolvePath(
    context.schema,
    context.statement,
    scope.object,
    pathSegments(field, scope.alias),
    {
      raw: field,
    },
  );
  return path.hops.length === 0 && path.field.type === 'id' ? path : undefined;
}

function compileTree(
  tree: ConditionTree,
  scope: QueryScope,
  context: CompileContext,
  semiJoins: boolean,
): RowPredicate {
  if (tree.kind === 'condition') return compileCondition(tree.condition, scope, context, semiJoins);
  if (tree.kind === 'not') {
    const term = compileTree(tree.term, scope, context, semiJoins);
    return (row) => !term(row);
  }
  // Compiled in statement order, so that the first invalid condition is the one reported; evaluated
  // cheapest first (a row's own fields before relationship paths): the predicates have no side
  // effects, so the order changes how fast a large object is scanned, never which rows match.
  const terms = tree.terms
    .map((term) => ({ cost: evaluationCost(term), predicate: compileTree(term, scope, context, semiJoins) }))
    .sort((left, right) => left.cost - right.cost)
    .map((term) => term.predicate);
  const [first, second] = terms;
  if (terms.length === 2 && first !== undefined && second !== undefined) {
    return tree.kind === 'AND' ? (row) => first(row) && second(row) : (row) => first(row) || second(row);
  }
  return tree.kind === 'AND'
    ? (row) => terms.every((term) => term(row))
    : (row) => terms.some((term) => term(row));
}

/** Relative cost of evaluating a condition on one row: the relationship hops of its field path. */
function evaluationCost(tree: ConditionTree): number {
  if (tree.kind === 'condition') {
    return 'field' in tree.condition ? tree.condition.field.split('.').length : UNKNOWN_COST;
  }
  if (tree.kind === 'not') return evaluationCost(tree.term);
  return tree.terms.reduce((total, term) => total + evaluationCost(term), 0);
}

const UNKNOWN_COST = 8;

function compileCondition(
  condition: ConditionWithValueQuery,
  scope: QueryScope,
  context: CompileContext,
  semiJoins: boolean,
): RowPredicate {
  const statement = context.statement;
  if (!('field' in condition)) {
    const name = 'fn' in condition ? (condition.fn.functionName ?? 'a function') : 'a function';
    throw statement.error(
      'MALFORMED_QUERY',
      notSupportedMessage(`functions in WHERE such as ${name}()`),
      statement.identifierOffset(name),
    );
  }
  const raw = condition.field;
  // Point errors at the field inside a WHERE clause, not at the same name in the SELECT list.
  const searchFrom = statement.kindOffset('WHERE');
  const offset = statement.identifierOffset(raw, searchFrom);
  const path = resolvePath(context.schema, statement, scope.object, pathSegments(raw, scope.alias), {
    raw,
    ...(searchFrom === undefined ? {} : { searchFrom }),
  });
  const shownPath = path.canonical.join('.');
  if (!path.field.filterable) {
    // Wording of the long-text-area refusal, as quoted from live orgs in public code.
    throw statement.error(
      'INVALID_FIELD',
      `field '${path.field.name}' can not be filtered in query call`,
      offset,
    );
  }
  if ('valueQuery' in condition && condition.valueQuery !== undefined) {
    return compileSemiJoin(condition, path, raw, scope, context, semiJoins, offset);
  }
  if (condition.operator === 'INCLUDES' || condition.operator === 'EXCLUDES') {
    throw statement.error(
      'MALFORMED_QUERY',
      notSupportedMessage('INCLUDES/EXCLUDES (multi-select picklists)'),
      offset,
    );
  }
  const kind = fieldKind(path.field.type);
  // soql-parser-js keeps `<>` as written; SOQL documents it as a synonym of `!=`.
  const written: string = condition.operator;
  const operator = written === '<>' ? '!=' : written;
  const ordering = operator === '<' || operator === '<=' || operator === '>' || operator === '>=';
  if ((operator === 'LIKE' && kind !== 'text') || (ordering && kind === 'boolean')) {
    const typeName = kind === 'id' ? 'id' : path.field.type;
    throw statement.error('INVALID_QUERY_FILTER_OPERATOR', `invalid operator on ${typeName} field`, offset);
  }
  const values = 'value' in condition ? condition.value : [];
  const texts = Array.isArray(values) ? values : [values];
  const literalTypes: readonly (LiteralType | undefined)[] = Array.isArray(condition.literalType)
    ? condition.literalType
    : texts.map(() => condition.literalType as LiteralType | undefined);
  const read = context.graph.reader(path);
  const comparable = comparableReader(kind);
  const value = (row: SObjectRecord): Comparable | null => comparable(read(row));
  if (operator === 'LIKE') {
    const text = texts[0] ?? "''";
    if (literalTypes[0] === 'NULL') return () => false;
    if (literalTypes[0] !== 'STRING') {
      throw statement.error(
        'MALFORMED_QUERY',
        `value of filter criterion for field '${shownPath}' must be of type string and should be enclosed in quotes`,
        offset,
      );
    }
    const matches = compileLike(decodeLikePattern(text));
    return (row) => {
      const current = value(row);
      return typeof current === 'string' && matches(current);
    };
  }
  const operands = texts.map((text, index) =>
    coerceLiteral(
      { literalType: literalTypes[index], text, dateVariable: Number(text.split(':')[1] ?? 0) },
      path.field,
      shownPath,
      context,
      statement.tokenOffset(text, offset) ?? offset,
    ),
  );
  if (operator === 'IN' || operator === 'NOT IN') return membership(operands, value, operator === 'NOT IN');
  const [operand] = operands;
  if (operand === undefined)
    throw statement.error('MALFORMED_QUERY', `missing value for field '${shownPath}'`, offset);
  return comparison(operator, operand, value);
}

/**
 * One comparison. Null is a value in SOQL: `= null` / `!= null` test for it,
 * `!=` and `NOT IN` include rows whose field is null, ordering operators never
 * match null. A date literal (a range) compares by its start or end.
 */
function comparison(
  operator: string,
  operand: Operand,
  value: (row: SObjectRecord) => Comparable | null,
): RowPredicate {
  if (operand.type === 'null') {
    if (operator === '=') return (row) => value(row) === null;
    if (operator === '!=') return (row) => value(row) !== null;
    return () => false;
  }
  if (operand.type === 'range') {
    const { start, end } = operand;
    const inRange = (row: SObjectRecord): boolean => {
      const current = value(row);
      return current !== null && current >= start && current < end;
    };
    switch (operator) {
      case '=':
        return inRange;
      case '!=':
        return (row) => !inRange(row);
      case '<':
        return (row) => ordered(value(row), (current) => current < start);
      case '<=':
        return (row) => ordered(value(row), (current) => current < end);
      case '>':
        return (row) => ordered(value(row), (current) => current >= end);
      case '>=':
        return (row) => ordered(value(row), (current) => current >= start);
    }
    throw new Error(`comparison operator ${operator} reached the evaluator`);
  }
  const literal = operand.value;
  switch (operator) {
    case '=':
      return (row) => value(row) === literal;
    case '!=':
      return (row) => value(row) !== literal;
    case '<':
      return (row) => ordered(value(row), (current) => current < literal);
    case '<=':
      return (row) => ordered(value(row), (current) => current <= literal);
    case '>':
      return (row) => ordered(value(row), (current) => current > literal);
    case '>=':
      return (row) => ordered(value(row), (current) => current >= literal);
  }
  throw new Error(`comparison operator ${operator} reached the evaluator`);
}

function ordered(current: Comparable | null, test: (current: Comparable) => boolean): boolean {
  return current !== null && test(current);
}

function membership(
  operands: readonly Operand[],
  value: (row: SObjectRecord) => Comparable | null,
  negated: boolean,
): RowPredicate {
  const members = new Set<Comparable>();
  const ranges: { start: string; end: string }[] = [];
  let includesNull = false;
  for (const operand of operands) {
    if (operand.type === 'null') includesNull = true;
    else if (operand.type === 'value') members.add(operand.value);
    else ranges.push(operand);
  }
  const contains = (current: Comparable): boolean =>
    members.has(current) ||
    (ranges.length > 0 &&
      typeof current === 'string' &&
      ranges.some((range) => current >= range.start && current < range.end));
  return (row) => {
    const current = value(row);
    const found = current === null ? includesNull : contains(current);
    return negated ? !found : found;
  };
}

/** The objects an Id-valued field can hold Ids of. */
function idTargets(path: ResolvedPath, owner: string): string[] {
  const targets = path.field.type === 'id' ? [owner] : [...(path.field.referenceTo ?? [])];
  return targets.map((name) => name.toLowerCase());
}

/**
 * `Id IN (SELECT AssigneeId FROM PermissionSetAssignment WHERE ...)` and its
 * NOT IN anti-join ("Semi-Joins with IN and Anti-Joins with NOT IN"). The
 * subquery runs once; rows are then tested against the set of its Ids.
 */
function compileSemiJoin(
  condition: ValueQueryCondition,
  left: ResolvedPath,
  raw: string,
  scope: QueryScope,
  context: CompileContext,
  allowed: boolean,
  offset: number | undefined,
): RowPredicate {
  const statement = context.statement;
  const subquery = condition.valueQuery;
  if (!allowed)
    throw statement.error('MALFORMED_QUERY', 'Nesting of semi join sub-selects is not supported', offset);
  if (condition.operator !== 'IN' && condition.operator !== 'NOT IN') {
    throw statement.error('MALFORMED_QUERY', `unexpected token: '${condition.operator}'`, offset);
  }
  if (fieldKind(left.field.type) !== 'id' || left.hops.length > 0) {
    throw statement.error(
      'MALFORMED_QUERY',
      `semi join sub-selects are only supported on Id and reference fields of the queried object, not '${raw}'`,
      offset,
    );
  }
  if (subquery.orderBy !== undefined || subquery.limit !== undefined || subquery.offset !== undefined) {
    throw statement.error(
      'MALFORMED_QUERY',
      notSupportedMessage('ORDER BY, LIMIT or OFFSET in a semi-join subquery'),
      offset,
    );
  }
  const object = resolveFromObject(context.schema, statement, subquery.sObject ?? '', offset);
  if (object.name === scope.object.name) {
    // Salesforce's wording, as integrations that hit it quote it.
    throw statement.error(
      'MALFORMED_QUERY',
      'The inner and outer selects should not be on the same object type',
      offset,
    );
  }
  const fields = subquery.fields ?? [];
  const [selected] = fields;
  if (fields.length !== 1 || selected?.type !== 'Field') {
    throw statement.error(
      'MALFORMED_QUERY',
      'semi join sub-selects must select exactly one Id or reference field',
      offset,
    );
  }
  const inner = resolvePath(context.schema, statement, object, [selected.field], {
    raw: selected.field,
    searchFrom: offset,
  });
  if (fieldKind(inner.field.type) !== 'id') {
    throw statement.error(
      'MALFORMED_QUERY',
      'semi join sub-selects must select exactly one Id or reference field',
      offset,
    );
  }
  const leftTargets = idTargets(left, scope.object.name);
  if (!idTargets(inner, object.name).some((target) => leftTargets.includes(target))) {
    throw statement.error(
      'MALFORMED_QUERY',
      `The selected field '${inner.field.name}' in the subquery and the left operand field in the where expression ` +
        `in the outer query '${left.field.name}' should point to the same object type`,
      offset,
    );
  }
  const predicate =
    subquery.where === undefined ? undefined : compileWhere(subquery.where, { object }, context, false);
  const ids = new Set<string>();
  for (const row of context.source.scan(object.name, { includeDeleted: context.includeDeleted })) {
    if (predicate !== undefined && !predicate(row)) continue;
    const id = row[inner.field.name];
    if (typeof id === 'string' && id !== '') ids.add(canonicalStoredId(id));
  }
  const read = context.graph.reader(left);
  const anti = condition.operator === 'NOT IN';
  return (row) => {
    const id = read(row);
    const found = typeof id === 'string' && id !== '' && ids.has(canonicalStoredId(id));
    return anti ? !found : found;
  };
}
