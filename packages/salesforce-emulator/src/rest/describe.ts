import type { FieldDescriptor } from '../soql/types.js';
import type { ObjectDefinition } from '../schema/index.js';

const SOAP_TYPES: Readonly<Record<string, string>> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
};

function objectUrls(version: string, name: string): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

/** The per-object entry of describeGlobal and of `/sobjects/{type}` (`objectDescribe`). */
export function basicDescribe(definition: ObjectDefinition, version: string): Record<string, unknown> {
  return {
    activateable: false,
    createable: definition.createable,
    custom: false,
    customSetting: false,
    deletable: definition.deletable,
    deprecatedAndHidden: false,
    feedEnabled: false,
    keyPrefix: definition.keyPrefix,
    label: definition.label,
    labelPlural: definition.labelPlural,
    layoutable: definition.createable,
    mergeable: false,
    mruEnabled: false,
    name: definition.name,
    queryable: definition.queryable,
    replicateable: true,
    retrieveable: true,
    searchable: definition.name !== 'PermissionSetAssignment',
    triggerable: definition.createable,
    undeletable: definition.softDelete,
    updateable: definition.updateable,
    urls: objectUrls(version, definition.name),
  };
}

function describeField(field: FieldDescriptor): Record<string, unknown> {
  return {
    name: field.name,
    label: field.label,
    type: field.type,
    soapType: SOAP_TYPES[field.type] ?? 'xsd:string',
    length: field.type === 'id' || field.type === 'reference' ? 18 : (field.length ?? 0),
    custom: field.custom,
    nillable: field.nillable,
    createable: field.createable,
    updateable: field.updateable,
    filterable: field.filterable,
    sortable: field.sortable,
    groupable: field.type !== 'textarea' && field.type !== 'double',
    unique: false,
    idLookup: field.name === 'Id' || field.name === 'Username',
    defaultedOnCreate: field.type === 'boolean' || field.name === 'Id',
    calculated: false,
    referenceTo: field.referenceTo ?? [],
    relationshipName: field.relationshipName ?? null,
    picklistValues: (field.picklistValues ?? []).map((value) => ({
      active: true,
      defaultValue: false,
      label: value,
      validFor: null,
      value,
    })),
    restrictedPicklist: field.type === 'picklist' && field.picklistValues !== undefined,
  };
}

/** `/sobjects/{type}/describe`. */
export function fullDescribe(definition: ObjectDefinition, version: string): Record<string, unknown> {
  return {
    ...basicDescribe(definition, version),
    fields: definition.fields.map(describeField),
    childRelationships: definition.childRelationships.map((child) => ({
      cascadeDelete: false,
      childSObject: child.childSObject,
      deprecatedAndHidden: false,
      field: child.field,
      relationshipName: child.relationshipName,
      restrictedDelete: false,
    })),
    recordTypeInfos: [],
    supportedScopes: [{ label: 'All', name: 'everything' }],
  };
}
