import type { FieldType, Subquery } from 'soql-parser-js';
import type { CompileContext, QueryScope, RowPredicate } from './context.js';
import { notSupportedMessage, unknownChildRelationshipMessage } from './errors.js';
import { canonicalStoredId } from './literals.js';
import { compileOrder, sortRows } from './order.js';
import type { SortKey } from './order.js';
import { pathSegments, resolvePath } from './schema.js';
import type { ParentHop } from './schema.js';
import type { ObjectDescriptor, SObjectRecord } from './types.js';
import { compileWhere } from './where.js';

/** What one object level of the output holds, in SELECT order. */
interface ProjectionNode {
  readonly entries: ProjectionEntry[];
}

type ProjectionEntry =
  | { readonly kind: 'value'; readonly key: string }
  | { readonly kind: 'parent'; readonly key: string; readonly hop: ParentHop; readonly node: ProjectionNode }
  | { readonly kind: 'children'; readonly key: string; readonly child: ChildQuery };

/** A parent-to-child subquery: `(SELECT PermissionSetId FROM PermissionSetAssignments)`. */
interface ChildQuery {
  readonly object: ObjectDescriptor;
  /** The child's reference to the parent, e.g. `AssigneeId`. */
  readonly joinField: string;
  readonly predicate: RowPredicate | undefined;
  readonly order: readonly SortKey[];
  readonly limit: number | undefined;
  readonly node: ProjectionNode;
  /** Matching child rows by parent Id (canonical 18-character form), built on first use. */
  byParent?: Map<string, SObjectRecord[]>;
}

/** Turns a matched row into the JSON record Salesforce returns. */
export type Projector = (row: SObjectRecord) => Record<string, unknown>;

/**
 * Compiles the SELECT list of a (sub)query: every path is resolved now, so
 * INVALID_FIELD surfaces from `runSoql`, while rows are projected lazily, page
 * by page.
 */
export function compileProjection(
  fields: readonly FieldType[],
  scope: QueryScope,
  context: CompileContext,
): Projector {
  const root = buildNode(fields, scope, context);
  return (row) => projectRecord(root, scope.object.name, scope.object.name, row, context);
}

function buildNode(fields: readonly FieldType[], scope: QueryScope, context: CompileContext): ProjectionNode {
  const statement = context.statement;
  const root: ProjectionNode = { entries: [] };
  const selected = new Set<string>();
  for (const field of fields) {
    if (field.type === 'FieldSubquery') {
      const child = compileChildQuery(field.subquery, scope, context);
      root.entries.push({ kind: 'children', key: child.key, child: child.query });
      continue;
    }
    if (field.type !== 'Field' && field.type !== 'FieldRelationship') {
      throw statement.error(
        'MALFORMED_QUERY',
        notSupportedMessage(`the SELECT item ${JSON.stringify(field)}`),
      );
    }
    const written = 'rawValue' in field ? field.rawValue : undefined;
    const raw =
      written ?? (field.type === 'Field' ? field.field : [...field.relationships, field.field].join('.'));
    const segments =
      field.type === 'Field' ? pathSegments(raw, scope.alias) : [...field.relationships, field.field];
    if ('alias' in field && typeof field.alias === 'string' && field.type === 'Field') {
      // Aliases are only allowed on aggregate expressions (SOQL reference, "Alias Notation").
      const offset = statement.tokenOffset(field.alias, statement.identifierOffset(raw));
      throw statement.error('MALFORMED_QUERY', `unexpected token: '${field.alias}'`, offset);
    }
    const path = resolvePath(context.schema, statement, scope.object, segments, { raw });
    const identity = path.canonical.join('.').toLowerCase();
    if (selected.has(identity)) {
      throw statement.error(
        'MALFORMED_QUERY',
        `duplicate field selected: ${path.canonical.join('.')}`,
        statement.identifierOffset(raw),
      );
    }
    selected.add(identity);
    let node = root;
    for (const hop of path.hops) {
      let entry = node.entries.find(
        (candidate): candidate is Extract<ProjectionEntry, { kind: 'parent' }> =>
          candidate.kind === 'parent' && candidate.key === hop.relationshipName,
      );
      if (entry === undefined) {
        entry = { kind: 'parent', key: hop.relationshipName, hop, node: { entries: [] } };
        node.entries.push(entry);
      }
      node = entry.node;
    }
    node.entries.push({ kind: 'value', key: path.field.name });
  }
  return root;
}

function compileChildQuery(
  subquery: Subquery,
  parent: QueryScope,
  context: CompileContext,
): { key: string; query: ChildQuery } {
  const statement = context.statement;
  const relationshipName = subquery.relationshipName;
  const offset = statement.identifierOffset(relationshipName);
  const relationship = context.schema.childRelationship(parent.object, relationshipName);
  const object = relationship === undefined ? undefined : context.schema.object(relationship.childSObject);
  if (relationship === undefined || object === undefined) {
    throw statement.error('INVALID_TYPE', unknownChildRelationshipMessage(relationshipName), offset);
  }
  if (subquery.offset !== undefined) {
    throw statement.error(
      'MALFORMED_QUERY',
      notSupportedMessage('OFFSET in a parent-to-child subquery'),
      offset,
    );
  }
  const scope: QueryScope =
    subquery.sObjectAlias === undefined ? { object } : { object, alias: subquery.sObjectAlias };
  const query: ChildQuery = {
    object,
    joinField: context.schema.field(object, relationship.field)?.name ?? relationship.field,
    predicate: subquery.where === undefined ? undefined : compileWhere(subquery.where, scope, context),
    order: compileOrder(subquery.orderBy, scope, context),
    limit: subquery.limit,
    node: buildNode(subquery.fields ?? [], scope, context),
  };
  return { key: relationship.relationshipName, query };
}

/** Salesforce reports parents reached through a polymorphic reference (Owner, What) with type `Name`. */
const POLYMORPHIC_TYPE = 'Name';

function projectRecord(
  node: ProjectionNode,
  typeName: string,
  objectName: string,
  record: SObjectRecord,
  context: CompileContext,
): Record<string, unknown> {
  const id = record['Id'];
  const output: Record<string, unknown> = {
    attributes: {
      type: typeName,
      url: `/services/data/v${context.apiVersion}/sobjects/${objectName}/${typeof id === 'string' ? id : ''}`,
    },
  };
  for (const entry of node.entries) {
    if (entry.kind === 'value') {
      output[entry.key] = record[entry.key] ?? null;
    } else if (entry.kind === 'parent') {
      const parent = context.graph.parent(record, entry.hop);
      const type = entry.hop.targets.length > 1 ? POLYMORPHIC_TYPE : (parent?.object.name ?? '');
      output[entry.key] =
        parent === null ? null : projectRecord(entry.node, type, parent.object.name, parent.record, context);
    } else {
      output[entry.key] = projectChildren(entry.child, record, context);
    }
  }
  return output;
}

/** A child relationship as Salesforce nests it: a query result, or null when the parent has no matching child. */
function projectChildren(child: ChildQuery, parent: SObjectRecord, context: CompileContext): unknown {
  const parentId = parent['Id'];
  if (typeof parentId !== 'string') return null;
  child.byParent ??= indexChildren(child, context);
  const matching = child.byParent.get(canonicalStoredId(parentId));
  if (matching === undefined || matching.length === 0) return null;
  const ordered = sortRows(matching, child.order);
  const limited = child.limit === undefined ? ordered : ordered.slice(0, child.limit);
  if (limited.length === 0) return null;
  return {
    totalSize: limited.length,
    done: true,
    records: limited.map((row) =>
      projectRecord(child.node, child.object.name, child.object.name, row, context),
    ),
  };
}

function indexChildren(child: ChildQuery, context: CompileContext): Map<string, SObjectRecord[]> {
  const byParent = new Map<string, SObjectRecord[]>();
  for (const row of context.source.scan(child.object.name, { includeDeleted: context.includeDeleted })) {
    const parentId = row[child.joinField];
    if (typeof parentId !== 'string' || parentId === '') continue;
    if (child.predicate !== undefined && !child.predicate(row)) continue;
    const key = canonicalStoredId(parentId);
    const siblings = byParent.get(key);
    if (siblings === undefined) byParent.set(key, [row]);
    else siblings.push(row);
  }
  return byParent;
}
