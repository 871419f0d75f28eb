import type {
  ChildRelationshipDescriptor,
  FieldDescriptor,
  FieldType,
  ObjectDescriptor,
} from '../soql/types.js';

/** Extra facts the emulator keeps about an object beyond what describe shows. */
export interface ObjectDefinition extends ObjectDescriptor {
  /** Fields the API requires on create (beyond what `nillable: false` implies for createable fields). */
  readonly requiredOnCreate: readonly string[];
  /** Deleted rows stay visible to queryAll (recycle bin) instead of vanishing. */
  readonly softDelete: boolean;
  /** Field groups that must be unique together, e.g. `[['AssigneeId', 'PermissionSetId']]`. */
  readonly uniqueKeys: readonly (readonly string[])[];
  /** Fields indexed for lookups by value (foreign keys the rules need). */
  readonly indexedFields: readonly string[];
  readonly labelPlural: string;
}

type FieldOptions = Partial<Omit<FieldDescriptor, 'name' | 'type'>>;

function labelOf(name: string): string {
  return name
    .replace(/__c$/, '')
    .replace(/Id$/, ' ID')
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2');
}

export function field(name: string, type: FieldType, options: FieldOptions = {}): FieldDescriptor {
  const custom = name.endsWith('__c');
  return {
    name,
    label: options.label ?? labelOf(name),
    type,
    nillable: options.nillable ?? (type !== 'boolean' && type !== 'id'),
    custom,
    createable: options.createable ?? type !== 'id',
    updateable: options.updateable ?? type !== 'id',
    filterable: options.filterable ?? type !== 'textarea',
    sortable: options.sortable ?? type !== 'textarea',
    ...(options.length !== undefined ? { length: options.length } : type === 'string' ? { length: 255 } : {}),
    ...(options.referenceTo !== undefined ? { referenceTo: options.referenceTo } : {}),
    ...(options.relationshipName !== undefined ? { relationshipName: options.relationshipName } : {}),
    ...(options.picklistValues !== undefined ? { picklistValues: options.picklistValues } : {}),
  };
}

export function reference(
  name: string,
  referenceTo: readonly string[],
  relationshipName: string | undefined,
  options: FieldOptions = {},
): FieldDescriptor {
  return field(name, 'reference', {
    ...options,
    length: 18,
    referenceTo,
    ...(relationshipName !== undefined ? { relationshipName } : {}),
  });
}

/** A read-only system field (Id, audit fields, formula-like fields such as User.Name). */
export function systemField(name: string, type: FieldType, options: FieldOptions = {}): FieldDescriptor {
  return field(name, type, { createable: false, updateable: false, ...options });
}

export const AUDIT_FIELDS: readonly FieldDescriptor[] = [
  systemField('CreatedDate', 'datetime', { nillable: false }),
  reference('CreatedById', ['User'], 'CreatedBy', { createable: false, updateable: false }),
  systemField('LastModifiedDate', 'datetime', { nillable: false }),
  reference('LastModifiedById', ['User'], 'LastModifiedBy', { createable: false, updateable: false }),
  systemField('SystemModstamp', 'datetime', { nillable: false }),
];

export const MODSTAMP_ONLY: readonly FieldDescriptor[] = [
  systemField('SystemModstamp', 'datetime', { nillable: false }),
];

interface DefineOptions {
  readonly name: string;
  readonly label?: string;
  readonly labelPlural?: string;
  readonly keyPrefix: string;
  readonly createable?: boolean;
  readonly updateable?: boolean;
  readonly deletable?: boolean;
  readonly softDelete?: boolean;
  readonly fields: readonly FieldDescriptor[];
  readonly childRelationships?: readonly ChildRelationshipDescriptor[];
  readonly requiredOnCreate?: readonly string[];
  readonly uniqueKeys?: readonly (readonly string[])[];
  readonly indexedFields?: readonly string[];
}

export function defineObject(options: DefineOptions): ObjectDefinition {
  const idField = systemField('Id', 'id', {
    nillable: false,
    label: `${options.label ?? options.name} ID`,
    length: 18,
  });
  const softDelete = options.softDelete ?? false;
  const deletedField = softDelete
    ? [systemField('IsDeleted', 'boolean', { nillable: false, label: 'Deleted' })]
    : [];
  return {
    name: options.name,
    label: options.label ?? labelOf(options.name),
    labelPlural: options.labelPlural ?? `${options.label ?? labelOf(options.name)}s`,
    keyPrefix: options.keyPrefix,
    queryable: true,
    createable: options.createable ?? false,
    updateable: options.updateable ?? false,
    deletable: options.deletable ?? false,
    softDelete,
    fields: [idField, ...deletedField, ...options.fields],
    childRelationships: options.childRelationships ?? [],
    requiredOnCreate: options.requiredOnCreate ?? [],
    uniqueKeys: options.uniqueKeys ?? [],
    indexedFields: options.indexedFields ?? [],
  };
}
