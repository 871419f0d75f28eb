import type { FieldDescriptor } from '../soql/types.js';
import { parseDateTime, toSalesforceDate, toSalesforceDateTime } from './datetime.js';
import type { SalesforceApiError } from './errors.js';
import { badRequest } from './errors.js';
import { isSalesforceId, toId18 } from './ids.js';
import type { FieldValue } from './table.js';

function parserError(fieldDescriptor: FieldDescriptor, value: unknown, expected: string): SalesforceApiError {
  return badRequest(
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${expected} from ${JSON.stringify(value)} value for field ${fieldDescriptor.name}`,
  );
}

/**
 * Turns a JSON value a client sent for `fieldDescriptor` into the stored wire
 * form, or throws the error Salesforce gives for that kind of mistake.
 */
export function coerceFieldValue(fieldDescriptor: FieldDescriptor, value: unknown): FieldValue {
  if (value === null) return fieldDescriptor.type === 'boolean' ? false : null;
  switch (fieldDescriptor.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw parserError(fieldDescriptor, value, 'boolean');
    case 'int':
    case 'double':
    case 'currency':
    case 'percent': {
      const number =
        typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
      if (!Number.isFinite(number)) throw parserError(fieldDescriptor, value, 'double');
      return fieldDescriptor.type === 'int' ? Math.trunc(number) : number;
    }
    case 'date': {
      const parsed = typeof value === 'string' ? new Date(`${value.slice(0, 10)}T00:00:00Z`) : undefined;
      if (parsed === undefined || Number.isNaN(parsed.getTime()))
        throw parserError(fieldDescriptor, value, 'date');
      return toSalesforceDate(parsed);
    }
    case 'datetime': {
      const parsed = typeof value === 'string' ? parseDateTime(value) : undefined;
      if (parsed === undefined) throw parserError(fieldDescriptor, value, 'datetime');
      return toSalesforceDateTime(parsed);
    }
    case 'reference':
    case 'id': {
      if (typeof value !== 'string' || !isSalesforceId(value)) {
        throw badRequest(
          'MALFORMED_ID',
          `${fieldDescriptor.label}: id value of incorrect type: ${String(value)}`,
          [fieldDescriptor.name],
        );
      }
      return toId18(value) ?? value;
    }
    default: {
      if (typeof value === 'object') throw parserError(fieldDescriptor, value, 'string');
      const text = String(value);
      if (fieldDescriptor.length !== undefined && text.length > fieldDescriptor.length) {
        throw badRequest(
          'STRING_TOO_LONG',
          `${fieldDescriptor.label}: data value too large: ${text} (max length=${fieldDescriptor.length})`,
          [fieldDescriptor.name],
        );
      }
      return text;
    }
  }
}
