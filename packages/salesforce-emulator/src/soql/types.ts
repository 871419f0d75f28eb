/**
 * The contract between the emulated org (which owns records and their
 * schema) and the SOQL engine (which parses and evaluates a statement).
 * The engine never mutates records and never knows about HTTP.
 */

/** Salesforce field types the emulator models (describe `type` values). */
export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'reference';

export interface FieldDescriptor {
  /** API name with Salesforce's casing, e.g. `LastLoginDate`, `Department__c`. */
  readonly name: string;
  readonly label: string;
  readonly type: FieldType;
  /** For `reference` fields: the object(s) the Id may point at, e.g. `['Profile']`. */
  readonly referenceTo?: readonly string[];
  /** For `reference` fields: the relationship name used in paths, e.g. `Profile` for `ProfileId`. */
  readonly relationshipName?: string;
  readonly nillable: boolean;
  readonly custom: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly filterable: boolean;
  readonly sortable: boolean;
  readonly length?: number;
  readonly picklistValues?: readonly string[];
}

export interface ObjectDescriptor {
  /** API name with Salesforce's casing, e.g. `PermissionSetAssignment`. */
  readonly name: string;
  readonly label: string;
  /** Three-character Id prefix, e.g. `005` for User. */
  readonly keyPrefix: string;
  readonly queryable: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly deletable: boolean;
  readonly fields: readonly FieldDescriptor[];
  readonly childRelationships: readonly ChildRelationshipDescriptor[];
}

/**
 * A stored record: field values keyed by API name, always with `Id` (18-char).
 * Values are kept in wire form: strings, numbers, booleans, null; `date` as
 * `YYYY-MM-DD`, `datetime` as `YYYY-MM-DDTHH:mm:ss.SSS+0000`.
 */
export type SObjectRecord = Readonly<Record<string, string | number | boolean | null>>;

/** What the engine reads. Object and field names are matched case-insensitively. */
export interface SoqlDataSource {
  describe(objectName: string): ObjectDescriptor | undefined;
  /** All live records of an object; with `includeDeleted` (queryAll) also deleted/archived ones. */
  scan(objectName: string, options: { includeDeleted: boolean }): Iterable<SObjectRecord>;
  /** Lookup by a 15- or 18-character Id, any object. */
  getById(id: string): SObjectRecord | undefined;
  /**
   * The live records `scan` gives (not queryAll's), in the order `ORDER BY Id` puts them (descending
   * with `descending`), only those whose Id is within `range`. Optional: without it every query scans
   * and sorts.
   */
  scanById?(objectName: string, range: IdRange, descending: boolean): Iterable<SObjectRecord>;
}

/** Bounds on a record's Id, in its comparable (18-character) form. */
export interface IdRange {
  readonly low?: { readonly id: string; readonly inclusive: boolean };
  readonly high?: { readonly id: string; readonly inclusive: boolean };
}

/** A Salesforce-shaped failure the HTTP layer turns into `[{message, errorCode}]` with `statusCode`. */
export interface SoqlErrorShape {
  readonly statusCode: number;
  readonly errorCode:
    | 'MALFORMED_QUERY'
    | 'INVALID_FIELD'
    | 'INVALID_TYPE'
    | 'INVALID_QUERY_FILTER_OPERATOR'
    /** OFFSET above 2,000 (SOQL reference, "OFFSET"). */
    | 'NUMBER_OUTSIDE_VALID_RANGE'
    /** FROM names an object whose describe says `queryable: false`. */
    | 'INVALID_TYPE_FOR_OPERATION';
  readonly message: string;
}

/** A child relationship as describe lists it: `PermissionSetAssignments` on User, from PermissionSetAssignment.AssigneeId. */
export interface ChildRelationshipDescriptor {
  readonly relationshipName: string;
  readonly childSObject: string;
  readonly field: string;
}
