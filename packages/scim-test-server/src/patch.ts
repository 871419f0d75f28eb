import { ScimProtocolError } from './errors.js';
import { matches, parseFilter, type FilterNode } from './filter.js';
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, READ_ONLY, USER_SCHEMA, type Attributes } from './store.js';

/**
 * Applies PATCH operations (RFC 7644 §3.5.2) to a copy of a resource's
 * attributes: `add`, `replace` and `remove`, with no path (the value is a
 * set of attributes), an attribute path (`name.givenName`, a schema URN
 * prefix), or a value path (`members[value eq "…"]`, optionally `.sub`).
 */
export function applyPatch(current: Attributes, body: unknown): Attributes {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const schemas = Array.isArray(record['schemas']) ? record['schemas'] : [];
  if (!schemas.includes('urn:ietf:params:scim:api:messages:2.0:PatchOp')) {
    throw new ScimProtocolError(400, 'A PATCH body must list the PatchOp schema.', 'invalidSyntax');
  }
  const operations = record['Operations'];
  if (!Array.isArray(operations) || operations.length === 0) {
    throw new ScimProtocolError(400, 'A PATCH body needs Operations.', 'invalidSyntax');
  }
  const next = structuredClone(current);
  for (const raw of operations) {
    const operation = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
    const op = typeof operation['op'] === 'string' ? operation['op'].toLowerCase() : '';
    const path = typeof operation['path'] === 'string' ? operation['path'] : undefined;
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw new ScimProtocolError(400, `Unknown PATCH op '${String(operation['op'])}'.`, 'invalidSyntax');
    }
    if (path === undefined) {
      if (op === 'remove') throw new ScimProtocolError(400, 'remove needs a path.', 'noTarget');
      const value = operation['value'];
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        throw new ScimProtocolError(400, `${op} without a path needs an object value.`, 'invalidValue');
      }
      for (const [key, item] of Object.entries(value as Record<string, unknown>))
        apply(next, op, parsePath(key), item);
    } else {
      apply(next, op, parsePath(path), operation['value']);
    }
  }
  return next;
}

interface Path {
  /** Object holding the attribute: the resource, or an extension's object. */
  readonly urn?: string;
  readonly attribute: string;
  readonly filter?: FilterNode;
  readonly subAttribute?: string;
}

const CORE_SCHEMAS = [USER_SCHEMA, GROUP_SCHEMA];
const EXTENSION_SCHEMAS = [ENTERPRISE_SCHEMA];

function parsePath(text: string): Path {
  let urn: string | undefined;
  let rest = text;
  const lower = text.toLowerCase();
  for (const schema of [...CORE_SCHEMAS, ...EXTENSION_SCHEMAS]) {
    const prefix = schema.toLowerCase();
    // A bare extension URN: the value is that extension's whole object.
    if (lower === prefix) return { attribute: schema };
    if (lower.startsWith(`${prefix}:`)) {
      rest = text.slice(schema.length + 1);
      if (EXTENSION_SCHEMAS.includes(schema)) urn = schema;
      break;
    }
  }
  const match = /^([A-Za-z$][\w$-]*)(?:\[(.*)\])?(?:\.([A-Za-z$][\w$-]*))?$/.exec(rest);
  if (!match) throw new ScimProtocolError(400, `'${text}' is not a valid path.`, 'invalidPath');
  const [, attribute = '', filter, subAttribute] = match;
  return {
    ...(urn !== undefined ? { urn } : {}),
    attribute,
    ...(filter !== undefined ? { filter: parseFilter(filter) } : {}),
    ...(subAttribute !== undefined ? { subAttribute } : {}),
  };
}

function containerOf(resource: Attributes, path: Path, create: boolean): Attributes | undefined {
  if (path.urn === undefined) return resource;
  const key =
    Object.keys(resource).find((name) => name.toLowerCase() === path.urn?.toLowerCase()) ?? path.urn;
  const existing = resource[key];
  if (existing && typeof existing === 'object') return existing as Attributes;
  if (!create) return undefined;
  const made: Attributes = {};
  resource[key] = made;
  return made;
}

function keyIn(container: Attributes, name: string): string {
  return Object.keys(container).find((key) => key.toLowerCase() === name.toLowerCase()) ?? name;
}

function sameValue(left: unknown, right: unknown): boolean {
  const l = left && typeof left === 'object' ? (left as Record<string, unknown>)['value'] : left;
  const r = right && typeof right === 'object' ? (right as Record<string, unknown>)['value'] : right;
  return l !== undefined && JSON.stringify(l) === JSON.stringify(r);
}

function apply(resource: Attributes, op: 'add' | 'replace' | 'remove', path: Path, value: unknown): void {
  if (READ_ONLY.has(path.attribute) && path.urn === undefined) {
    throw new ScimProtocolError(400, `'${path.attribute}' is readOnly.`, 'mutability');
  }
  const container = containerOf(resource, path, op !== 'remove');
  if (!container) return;
  const key = keyIn(container, path.attribute);
  const current = container[key];

  if (path.filter) {
    const filter = path.filter;
    const list = Array.isArray(current) ? current : [];
    const selected = list.filter((item) => matches(item, filter));
    if (op === 'remove') {
      if (path.subAttribute) {
        for (const item of selected)
          if (item && typeof item === 'object') delete (item as Attributes)[path.subAttribute];
      } else {
        container[key] = list.filter((item) => !selected.includes(item));
      }
      return;
    }
    if (selected.length === 0) {
      // RFC 7644 §3.5.2.3: a value filter that matches nothing is "noTarget".
      throw new ScimProtocolError(400, `No value of '${path.attribute}' matches the filter.`, 'noTarget');
    }
    for (const item of selected) {
      const index = list.indexOf(item);
      if (path.subAttribute && item && typeof item === 'object')
        (item as Attributes)[path.subAttribute] = value;
      else
        list[index] =
          value && typeof value === 'object' && item && typeof item === 'object'
            ? { ...item, ...value }
            : value;
    }
    return;
  }

  if (path.subAttribute !== undefined) {
    const object =
      current && typeof current === 'object' && !Array.isArray(current) ? (current as Attributes) : {};
    if (op === 'remove') delete object[keyIn(object, path.subAttribute)];
    else object[keyIn(object, path.subAttribute)] = value;
    container[key] = object;
    return;
  }
  if (op === 'remove') {
    delete container[key];
    return;
  }
  const existing = current;
  if (op === 'add' && Array.isArray(existing)) {
    // add to a multi-valued attribute appends the values not already there (RFC 7644 §3.5.2.1).
    const additions = Array.isArray(value) ? value : [value];
    for (const item of additions) if (!existing.some((held) => sameValue(held, item))) existing.push(item);
    return;
  }
  if (
    op === 'add' &&
    existing &&
    typeof existing === 'object' &&
    value &&
    typeof value === 'object' &&
    !Array.isArray(value)
  ) {
    container[key] = { ...(existing as Attributes), ...(value as Attributes) };
    return;
  }
  container[key] = value;
}
