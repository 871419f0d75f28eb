import type { SObjectRecord } from '../soql/types.js';
import type { ObjectDefinition } from '../schema/index.js';
import { toSalesforceDateTime } from './datetime.js';
import { DUPLICATE_MESSAGE, SalesforceApiError, badRequest, notFound } from './errors.js';
import { coerceFieldValue } from './field-values.js';
import { toId18 } from './ids.js';
import { OBJECT_RULES } from './rules/index.js';
import type { RuleSettings, WriteContext } from './rules/types.js';
import type { OrgStore } from './store.js';
import type { FieldValue, StoredRecord } from './table.js';
import type { ValidationRule } from './validation-rules.js';

export type { RuleSettings, WriteContext } from './rules/types.js';

function methodNotAllowed(method: string, allowed: string): SalesforceApiError {
  return new SalesforceApiError(
    405,
    'METHOD_NOT_ALLOWED',
    `HTTP Method '${method}' not allowed. Allowed are ${allowed}`,
  );
}

function allowedRecordMethods(definition: ObjectDefinition): string {
  return [
    'HEAD',
    'GET',
    ...(definition.updateable ? ['PATCH'] : []),
    ...(definition.deletable ? ['DELETE'] : []),
  ].join(',');
}

/**
 * Creates, updates and deletes records the way the REST API does: field
 * checks, required fields, references, unique keys, the object's rules and the
 * org's validation rules, in that order. Every failure is a SalesforceApiError.
 */
export class OrgWriter {
  readonly validationRules: ValidationRule[] = [];

  constructor(
    readonly store: OrgStore,
    readonly settings: RuleSettings = {
      assignmentExpirationEnabled: true,
      permissionSetGroupRecalculation: 'immediate',
    },
  ) {}

  create(objectName: string, body: unknown, context: WriteContext): string {
    const definition = this.requireDefinition(objectName);
    if (!definition.createable) throw methodNotAllowed('POST', 'GET,HEAD');
    const values = this.readBody(definition, body, 'create');
    const table = this.store.table(definition.name);
    const candidate = table.blank();
    const rules = OBJECT_RULES[definition.name];
    Object.assign(candidate, rules?.defaults ?? {}, values);
    rules?.applyDefaults?.(candidate, context, this);
    const missing = definition.requiredOnCreate.filter(
      (name) => candidate[name] === null || candidate[name] === '',
    );
    if (missing.length > 0) {
      throw badRequest(
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing,
      );
    }
    this.checkReferences(definition, values);
    rules?.beforeInsert?.(candidate, context, this);
    this.checkUnique(definition, candidate, undefined);
    this.runValidationRules(definition, candidate, undefined);
    const stamp = toSalesforceDateTime(this.store.now());
    const audit: Record<string, FieldValue> = { SystemModstamp: stamp };
    if ('CreatedDate' in candidate) Object.assign(audit, { CreatedDate: stamp, LastModifiedDate: stamp });
    if ('CreatedById' in candidate) {
      Object.assign(audit, {
        CreatedById: context.sessionUserId ?? null,
        LastModifiedById: context.sessionUserId ?? null,
      });
    }
    const record = this.store.insertRaw(definition.name, { ...candidate, ...audit, Id: null });
    rules?.afterInsert?.(record, context, this);
    return record.Id as string;
  }

  update(objectName: string, id: string, body: unknown, context: WriteContext): void {
    const definition = this.requireDefinition(objectName);
    const record = this.requireRecord(definition, id);
    if (!definition.updateable) throw methodNotAllowed('PATCH', allowedRecordMethods(definition));
    const changes = this.readBody(definition, body, 'update');
    this.checkReferences(definition, changes);
    const before: SObjectRecord = { ...record };
    const rules = OBJECT_RULES[definition.name];
    rules?.beforeUpdate?.(record, changes, context, this);
    const candidate = { ...record, ...changes };
    this.checkUnique(definition, candidate, record.Id as string);
    this.runValidationRules(definition, candidate, before);
    const stamp = toSalesforceDateTime(this.store.now());
    const audit: Record<string, FieldValue> = { SystemModstamp: stamp };
    if ('LastModifiedDate' in record) audit.LastModifiedDate = stamp;
    if ('LastModifiedById' in record) audit.LastModifiedById = context.sessionUserId ?? null;
    this.store.updateRaw(record, definition.name, { ...changes, ...audit });
    rules?.afterUpdate?.(record, before, context, this);
  }

  delete(objectName: string, id: string, context: WriteContext): void {
    const definition = this.requireDefinition(objectName);
    const record = this.requireRecord(definition, id);
    if (!definition.deletable) throw methodNotAllowed('DELETE', allowedRecordMethods(definition));
    const rules = OBJECT_RULES[definition.name];
    rules?.beforeDelete?.(record, context, this);
    this.store.deleteRaw(definition.name, record.Id as string);
    rules?.afterDelete?.(record, context, this);
  }

  requireDefinition(objectName: string): ObjectDefinition {
    const definition = this.store.definition(objectName);
    if (definition === undefined) throw notFound();
    return definition;
  }

  /** The live record, or the error Salesforce gives for a missing, deleted or mistyped Id. */
  requireRecord(definition: ObjectDefinition, id: string): StoredRecord {
    const id18 = toId18(id);
    if (id18 !== undefined && id18.startsWith(definition.keyPrefix)) {
      const record = this.store.table(definition.name).live.get(id18);
      if (record !== undefined) return record;
      if (this.store.table(definition.name).deleted.has(id18)) {
        throw badRequest('ENTITY_IS_DELETED', 'entity is deleted');
      }
    }
    throw notFound(`Provided external ID field does not exist or is not accessible: ${id}`);
  }

  private readBody(
    definition: ObjectDefinition,
    body: unknown,
    operation: 'create' | 'update',
  ): Record<string, FieldValue> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw badRequest(
        'JSON_PARSER_ERROR',
        'The request body must be a JSON object of field names and values.',
      );
    }
    const table = this.store.table(definition.name);
    const values: Record<string, FieldValue> = {};
    const readOnly: string[] = [];
    for (const [key, raw] of Object.entries(body)) {
      if (key === 'attributes') continue;
      const fieldDescriptor = table.field(key);
      if (fieldDescriptor === undefined) {
        throw badRequest('INVALID_FIELD', `No such column '${key}' on sobject of type ${definition.name}`);
      }
      if (fieldDescriptor.name === 'Id' && operation === 'update') continue;
      const writable = operation === 'create' ? fieldDescriptor.createable : fieldDescriptor.updateable;
      if (!writable) {
        readOnly.push(fieldDescriptor.name);
        continue;
      }
      values[fieldDescriptor.name] = coerceFieldValue(fieldDescriptor, raw);
    }
    if (readOnly.length > 0) {
      throw badRequest(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        readOnly,
      );
    }
    return values;
  }

  private checkReferences(definition: ObjectDefinition, values: Readonly<Record<string, FieldValue>>): void {
    const table = this.store.table(definition.name);
    for (const [name, value] of Object.entries(values)) {
      const fieldDescriptor = table.field(name);
      if (fieldDescriptor?.type !== 'reference' || typeof value !== 'string') continue;
      const targets = fieldDescriptor.referenceTo ?? [];
      const target = this.store.tableForPrefix(value.slice(0, 3));
      if (target === undefined || !targets.includes(target.name)) {
        throw badRequest(
          'FIELD_INTEGRITY_EXCEPTION',
          `${fieldDescriptor.label}: id value of incorrect type: ${value}`,
          [fieldDescriptor.name],
        );
      }
      if (!target.live.has(value)) {
        throw badRequest('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [fieldDescriptor.name]);
      }
    }
  }

  private checkUnique(
    definition: ObjectDefinition,
    candidate: SObjectRecord,
    ignoreId: string | undefined,
  ): void {
    const conflict = this.store.table(definition.name).conflicts(candidate, ignoreId);
    if (conflict !== undefined) throw badRequest('DUPLICATE_VALUE', DUPLICATE_MESSAGE, conflict);
  }

  private runValidationRules(
    definition: ObjectDefinition,
    candidate: SObjectRecord,
    previous: SObjectRecord | undefined,
  ): void {
    for (const rule of this.validationRules) {
      if (rule.objectName.toLowerCase() !== definition.name.toLowerCase()) continue;
      if (!rule.condition(candidate, previous)) continue;
      throw badRequest(
        'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        rule.errorMessage,
        rule.errorField === undefined ? [] : [rule.errorField],
      );
    }
  }
}
