import { SalesforceApiError, badRequest, notFound } from '../org/errors.js';
import { isSalesforceId, toId18 } from '../org/ids.js';
import type { SObjectRecord } from '../soql/types.js';
import type { ObjectDefinition } from '../schema/index.js';
import type { ApiCall, ApiHandler } from './api-call.js';
import { checkRowLock, json, noContent, readJson } from './api-call.js';
import { basicDescribe, fullDescribe } from './describe.js';

function definitionOf(call: ApiCall): ObjectDefinition {
  const definition = call.org.store.definition(call.params.type ?? '');
  if (definition === undefined) throw notFound();
  return definition;
}

function context(call: ApiCall): { sessionUserId: string } {
  return { sessionUserId: call.session.userId };
}

/** The record JSON Salesforce returns: attributes first, then fields in describe order. */
export function recordJson(
  definition: ObjectDefinition,
  record: SObjectRecord,
  version: string,
  fields?: readonly string[],
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    attributes: {
      type: definition.name,
      url: `/services/data/v${version}/sobjects/${definition.name}/${String(record.Id)}`,
    },
  };
  for (const name of fields ?? definition.fields.map((field) => field.name))
    body[name] = record[name] ?? null;
  return body;
}

export const describeGlobal: ApiHandler = (call) =>
  json(200, {
    encoding: 'UTF-8',
    maxBatchSize: 200,
    sobjects: call.org.store
      .objectNames()
      .map((name) => basicDescribe(call.org.store.definition(name) as ObjectDefinition, call.apiVersion)),
  });

export const sobjectBasicInfo: ApiHandler = (call) =>
  json(200, { objectDescribe: basicDescribe(definitionOf(call), call.apiVersion), recentItems: [] });

export const sobjectDescribe: ApiHandler = (call) =>
  json(200, fullDescribe(definitionOf(call), call.apiVersion));

export const createRecord: ApiHandler = (call) => {
  const definition = definitionOf(call);
  const body = readJson(call.request);
  checkRowLock(call, undefined);
  const id = call.org.writer.create(definition.name, body, context(call));
  return json(201, { id, success: true, errors: [] });
};

function liveRecord(call: ApiCall, definition: ObjectDefinition): SObjectRecord {
  const rawId = call.params.id ?? '';
  if (!isSalesforceId(rawId)) {
    throw notFound(`Provided external ID field does not exist or is not accessible: ${rawId}`);
  }
  const id18 = toId18(rawId) as string;
  const table = call.org.store.table(definition.name);
  const record = id18.startsWith(definition.keyPrefix) ? table.live.get(id18) : undefined;
  if (record !== undefined) return record;
  if (table.deleted.has(id18)) throw new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
  throw notFound();
}

export const getRecord: ApiHandler = (call) => {
  const definition = definitionOf(call);
  const record = liveRecord(call, definition);
  const requested = call.request.query.get('fields');
  let fields: string[] | undefined;
  if (requested !== null) {
    const table = call.org.store.table(definition.name);
    fields = requested
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '')
      .map((name) => {
        const field = table.field(name);
        if (field === undefined) {
          throw badRequest(
            'INVALID_FIELD',
            `No such column '${name}' on entity '${definition.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
          );
        }
        return field.name;
      });
    if (!fields.includes('Id')) fields.push('Id');
  }
  return json(200, recordJson(definition, record, call.apiVersion, fields));
};

export const updateRecord: ApiHandler = (call) => {
  const definition = definitionOf(call);
  const record = liveRecord(call, definition);
  const body = readJson(call.request);
  checkRowLock(call, String(record.Id));
  call.org.writer.update(definition.name, String(record.Id), body, context(call));
  return noContent();
};

export const deleteRecord: ApiHandler = (call) => {
  const definition = definitionOf(call);
  const record = liveRecord(call, definition);
  checkRowLock(call, String(record.Id));
  call.org.writer.delete(definition.name, String(record.Id), context(call));
  return noContent();
};
