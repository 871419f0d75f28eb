import { InvalidInputError, type JsonValue } from '@accessledger/core';
import type { DescribeSObjectResult } from '../http/client.js';
import type { PlanContext } from './entitlements.js';

type DescribedField = NonNullable<DescribeSObjectResult['fields']>[number];

const NUMBER_TYPES = new Set(['double', 'int', 'integer', 'long', 'currency', 'percent']);

/** A value given as text on a command line, as the field's type wants it. */
function coerce(field: DescribedField, value: JsonValue): JsonValue {
  if (typeof value !== 'string') return value;
  if (field.type === 'boolean') {
    if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
    throw new InvalidInputError(
      `User field ${field.name} is a checkbox: give true or false, not "${value}".`,
    );
  }
  if (NUMBER_TYPES.has(field.type ?? '')) {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number))
      throw new InvalidInputError(
        `User field ${field.name} is a number (${field.type}): "${value}" is not one.`,
      );
    return number;
  }
  return value;
}

/**
 * Checks attribute fields against `describe` of User before anything is
 * written (so a dry run catches them too): each must exist and be writable
 * for the purpose (createable for a new user, updateable for a change);
 * text values of checkbox and number fields become booleans and numbers.
 * (Object Reference: "User"; REST API Developer Guide: "sObject Describe".)
 */
export async function checkUserFields(
  ctx: PlanContext,
  fields: Readonly<Record<string, JsonValue>>,
  purpose: 'create' | 'update',
): Promise<Record<string, JsonValue>> {
  const names = Object.keys(fields);
  if (names.length === 0) return {};
  const described = await ctx.client.describe('User', ctx.signal);
  const byName = new Map((described.fields ?? []).map((field) => [field.name.toLowerCase(), field]));
  const checked: Record<string, JsonValue> = {};
  for (const name of names) {
    const field = byName.get(name.toLowerCase());
    if (!field) {
      const custom = [...byName.values()]
        .filter((candidate) => candidate.custom)
        .map((candidate) => candidate.name);
      throw new InvalidInputError(
        `User has no field ${name} in this org (describe): give a field API name${
          custom.length > 0 ? `; its custom fields are ${custom.join(', ')}` : ''
        }.`,
        { fields: [name] },
      );
    }
    const writable = purpose === 'create' ? field.createable : field.updateable;
    if (!writable) {
      throw new InvalidInputError(
        `User field ${field.name} cannot be ${purpose === 'create' ? 'set on a new user' : 'changed'} (describe says it is not ${purpose === 'create' ? 'createable' : 'updateable'}).`,
        { fields: [field.name] },
      );
    }
    checked[field.name] = coerce(field, fields[name] as JsonValue);
  }
  return checked;
}
