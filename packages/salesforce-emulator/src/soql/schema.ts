import { noSuchColumnMessage, unknownRelationshipMessage, unsupportedObjectMessage } from './errors.js';
import type { Statement } from './statement.js';
import type {
  ChildRelationshipDescriptor,
  FieldDescriptor,
  ObjectDescriptor,
  SObjectRecord,
  SoqlDataSource,
} from './types.js';

interface ObjectIndex {
  readonly fields: ReadonlyMap<string, FieldDescriptor>;
  readonly parents: ReadonlyMap<string, FieldDescriptor>;
  readonly children: ReadonlyMap<string, ChildRelationshipDescriptor>;
}

/** Lower-cased lookups over one descriptor, built once per descriptor object. */
const indexes = new WeakMap<ObjectDescriptor, ObjectIndex>();

function indexOf(object: ObjectDescriptor): ObjectIndex {
  let index = indexes.get(object);
  if (index === undefined) {
    const fields = new Map<string, FieldDescriptor>();
    const parents = new Map<string, FieldDescriptor>();
    for (const field of object.fields) {
      fields.set(field.name.toLowerCase(), field);
      if (field.type === 'reference' && field.relationshipName !== undefined) {
        parents.set(field.relationshipName.toLowerCase(), field);
      }
    }
    const children = new Map(
      object.childRelationships.map((child) => [child.relationshipName.toLowerCase(), child] as const),
    );
    index = { fields, parents, children };
    indexes.set(object, index);
  }
  return index;
}

/** One step up a relationship path: `Profile` in `Profile.Name`, through `User.ProfileId`. */
export interface ParentHop {
  /** The reference field, e.g. `ProfileId`. */
  readonly field: FieldDescriptor;
  /** Canonical relationship name, the key of the nested object in results. */
  readonly relationshipName: string;
  /** Objects the reference may point at; more than one for polymorphic fields such as `OwnerId`. */
  readonly targets: readonly ObjectDescriptor[];
}

/** A field path checked against the schema: `Profile.UserLicense.Name` on User. */
export interface ResolvedPath {
  readonly hops: readonly ParentHop[];
  readonly field: FieldDescriptor;
  /** Canonical spelling, e.g. `['Profile', 'UserLicense', 'Name']`. */
  readonly canonical: readonly string[];
}

/** Describe results of one statement, with case-insensitive name lookups. */
export class Schema {
  private readonly objects = new Map<string, ObjectDescriptor | undefined>();
  private readonly byKeyPrefix = new Map<string, ObjectDescriptor>();

  constructor(private readonly source: SoqlDataSource) {}

  object(name: string): ObjectDescriptor | undefined {
    const key = name.toLowerCase();
    if (!this.objects.has(key)) {
      const object = this.source.describe(name);
      this.objects.set(key, object);
      if (object !== undefined) this.byKeyPrefix.set(object.keyPrefix, object);
    }
    return this.objects.get(key);
  }

  field(object: ObjectDescriptor, name: string): FieldDescriptor | undefined {
    return indexOf(object).fields.get(name.toLowerCase());
  }

  parentRelationship(object: ObjectDescriptor, name: string): FieldDescriptor | undefined {
    return indexOf(object).parents.get(name.toLowerCase());
  }

  childRelationship(object: ObjectDescriptor, name: string): ChildRelationshipDescriptor | undefined {
    return indexOf(object).children.get(name.toLowerCase());
  }

  /** Which of `candidates` a record Id belongs to, by its three-character key prefix. */
  objectOfId(id: string, candidates: readonly ObjectDescriptor[]): ObjectDescriptor | undefined {
    const prefix = id.slice(0, 3);
    return candidates.find((candidate) => candidate.keyPrefix === prefix) ?? candidates[0];
  }

  hop(field: FieldDescriptor): ParentHop {
    const targets = (field.referenceTo ?? [])
      .map((name) => this.object(name))
      .filter((object): object is ObjectDescriptor => object !== undefined);
    return { field, relationshipName: field.relationshipName ?? field.name, targets };
  }
}

/** How a path is written in the statement, for lookups and for error positions. */
export interface PathReference {
  /** The path as typed, e.g. `u.Profile.Name`. */
  readonly raw: string;
  /** Where to start looking for it in the statement, for the error caret. */
  readonly searchFrom?: number;
}

/** The entity name Salesforce reports for fields reached through a polymorphic reference. */
const POLYMORPHIC_ENTITY = 'Name';

/**
 * Resolves `segments` (alias already stripped) from `object`: every segment but
 * the last must be a parent relationship name, the last a field. Fails with
 * Salesforce's INVALID_FIELD wordings, placed at the path in the statement.
 */
export function resolvePath(
  schema: Schema,
  statement: Statement,
  object: ObjectDescriptor,
  segments: readonly string[],
  reference: PathReference,
): ResolvedPath {
  const offset = statement.identifierOffset(reference.raw, reference.searchFrom);
  const hops: ParentHop[] = [];
  const canonical: string[] = [];
  let owners: readonly ObjectDescriptor[] = [object];
  for (let index = 0; index < segments.length - 1; index++) {
    const name = segments[index] ?? '';
    const relationship =
      owners.length === 1 && owners[0] ? schema.parentRelationship(owners[0], name) : undefined;
    if (relationship === undefined) {
      throw statement.error('INVALID_FIELD', unknownRelationshipMessage(name), offset);
    }
    const hop = schema.hop(relationship);
    hops.push(hop);
    canonical.push(hop.relationshipName);
    owners = hop.targets;
  }
  const fieldName = segments[segments.length - 1] ?? '';
  const field = owners.map((owner) => schema.field(owner, fieldName)).find((found) => found !== undefined);
  if (field === undefined) {
    const entity = owners.length === 1 && owners[0] ? owners[0].name : POLYMORPHIC_ENTITY;
    throw statement.error('INVALID_FIELD', noSuchColumnMessage(fieldName, entity), offset);
  }
  canonical.push(field.name);
  return { hops, field, canonical };
}

/** A parent record reached through a hop, with the object it belongs to. */
export interface ParentRecord {
  readonly record: SObjectRecord;
  readonly object: ObjectDescriptor;
}

/**
 * Follows reference fields from rows to their parents through
 * `SoqlDataSource.getById`, remembering each lookup for the statement.
 */
export class RecordGraph {
  private readonly parents = new Map<string, SObjectRecord | null>();

  constructor(
    private readonly source: SoqlDataSource,
    private readonly schema: Schema,
  ) {}

  parent(row: SObjectRecord, hop: ParentHop): ParentRecord | null {
    const id = row[hop.field.name];
    if (typeof id !== 'string' || id === '') return null;
    let record = this.parents.get(id);
    if (record === undefined) {
      record = this.source.getById(id) ?? null;
      this.parents.set(id, record);
    }
    if (record === null) return null;
    const object = hop.targets.length === 1 ? hop.targets[0] : this.schema.objectOfId(id, hop.targets);
    return object === undefined ? null : { record, object };
  }

  /** A reader for a resolved path: the field's value on the row or on its ancestor, null when a parent is missing. */
  reader(path: ResolvedPath): (row: SObjectRecord) => string | number | boolean | null {
    const name = path.field.name;
    const hops = path.hops;
    if (hops.length === 0) return (row) => row[name] ?? null;
    return (row) => {
      let current: SObjectRecord = row;
      for (const hop of hops) {
        const parent = this.parent(current, hop);
        if (parent === null) return null;
        current = parent.record;
      }
      return current[name] ?? null;
    };
  }
}

/** Splits a dotted path and drops a leading object alias (`u.Profile.Name` with `FROM User u`). */
export function pathSegments(raw: string, alias: string | undefined): string[] {
  const segments = raw.split('.');
  if (alias !== undefined && segments.length > 1 && segments[0]?.toLowerCase() === alias.toLowerCase()) {
    segments.shift();
  }
  return segments;
}

/**
 * The object a FROM clause names, or INVALID_TYPE in Salesforce's words. An
 * object describe marks `queryable: false` fails as Salesforce does for such
 * entities ("entity type X does not support query").
 */
export function resolveFromObject(
  schema: Schema,
  statement: Statement,
  name: string,
  searchFrom = 0,
): ObjectDescriptor {
  const object = schema.object(name);
  const offset = statement.identifierOffset(name, searchFrom);
  if (object === undefined) throw statement.error('INVALID_TYPE', unsupportedObjectMessage(name), offset);
  if (!object.queryable) {
    throw statement.error(
      'INVALID_TYPE_FOR_OPERATION',
      `entity type ${object.name} does not support query`,
      offset,
    );
  }
  return object;
}
