import { ScimError } from './scim-errors.js';

export interface FilterClause {
  readonly attribute: string;
  readonly operator: 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'pr';
  readonly value: string | boolean | null;
}

const CLAUSE = /^\s*([A-Za-z][\w.:]*)\s+(eq|ne|co|sw|ew|pr)(?:\s+("(?:[^"\\]|\\.)*"|true|false|null))?\s*$/i;

/**
 * Parses the filter subset the emulator supports: clauses `attr op value`
 * joined by `and` (RFC 7644 §3.4.2.2). Anything else is answered with
 * 400 invalidFilter rather than silently ignored.
 */
export function parseFilter(filter: string): FilterClause[] {
  return filter.split(/\s+and\s+/i).map((part) => {
    const match = CLAUSE.exec(part);
    if (match === null) {
      throw new ScimError(
        400,
        `Unsupported filter '${part.trim()}': the emulator supports 'attribute op "value"' clauses (eq, ne, co, sw, ew, pr) joined by 'and'.`,
        'invalidFilter',
      );
    }
    const operator = (match[2] as string).toLowerCase() as FilterClause['operator'];
    const raw = match[3];
    const value =
      raw === undefined || raw === 'null'
        ? null
        : raw === 'true' || raw === 'false'
          ? raw === 'true'
          : (JSON.parse(raw) as string);
    if (operator !== 'pr' && raw === undefined) {
      throw new ScimError(400, `Filter clause '${part.trim()}' needs a value.`, 'invalidFilter');
    }
    return { attribute: match[1] as string, operator, value };
  });
}

export function matchesClause(actual: unknown, clause: FilterClause): boolean {
  if (clause.operator === 'pr') return actual !== null && actual !== undefined && actual !== '';
  if (typeof clause.value === 'boolean' || clause.value === null) {
    return clause.operator === 'ne' ? actual !== clause.value : actual === clause.value;
  }
  const left = String(actual ?? '').toLowerCase();
  const right = clause.value.toLowerCase();
  switch (clause.operator) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'co':
      return left.includes(right);
    case 'sw':
      return left.startsWith(right);
    case 'ew':
      return left.endsWith(right);
  }
}
