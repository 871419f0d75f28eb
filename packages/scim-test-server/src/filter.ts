import { ScimProtocolError } from './errors.js';

/**
 * The filter grammar of RFC 7644 §3.4.2.2 (ABNF in Figure 1): attribute
 * paths with `eq ne co sw ew gt ge lt le pr`, `and`, `or`, `not (…)`,
 * grouping parentheses and value paths `emails[type eq "work"]`. Strings
 * compare without case unless the attribute is caseExact.
 */
export type FilterNode =
  | { readonly kind: 'compare'; readonly path: string; readonly op: string; readonly value: unknown }
  | { readonly kind: 'present'; readonly path: string }
  | { readonly kind: 'and' | 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'not'; readonly inner: FilterNode }
  | { readonly kind: 'valuePath'; readonly path: string; readonly inner: FilterNode };

type Token =
  | { readonly type: 'word'; readonly text: string }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'punct'; readonly text: '(' | ')' | '[' | ']' };

const OPERATORS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

function invalid(detail: string): ScimProtocolError {
  return new ScimProtocolError(400, detail, 'invalidFilter');
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index] ?? '';
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === '(' || char === ')' || char === '[' || char === ']') {
      tokens.push({ type: 'punct', text: char });
      index += 1;
    } else if (char === '"') {
      // A JSON string literal (RFC 7644 §3.4.2.2: "compValue = … string", JSON syntax).
      let end = index + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length) throw invalid(`Unterminated string in filter at ${index}.`);
      try {
        tokens.push({ type: 'string', value: JSON.parse(text.slice(index, end + 1)) as string });
      } catch {
        throw invalid(`Invalid string literal in filter at ${index}.`);
      }
      index = end + 1;
    } else {
      const match = /^[^\s()[\]"]+/.exec(text.slice(index));
      if (!match) throw invalid(`Unexpected character '${char}' in filter.`);
      tokens.push({ type: 'word', text: match[0] });
      index += match[0].length;
    }
  }
  return tokens;
}

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = this.or();
    if (this.position !== this.tokens.length) throw invalid('Unexpected text after the filter expression.');
    return node;
  }

  private peekWord(): string | undefined {
    const token = this.tokens[this.position];
    return token?.type === 'word' ? token.text.toLowerCase() : undefined;
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.peekWord() === 'or') {
      this.position += 1;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): FilterNode {
    let left = this.unary();
    while (this.peekWord() === 'and') {
      this.position += 1;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private expect(text: '(' | ')' | ']'): void {
    const token = this.tokens[this.position];
    if (token?.type !== 'punct' || token.text !== text) throw invalid(`Expected '${text}' in filter.`);
    this.position += 1;
  }

  private unary(): FilterNode {
    if (this.peekWord() === 'not') {
      this.position += 1;
      this.expect('(');
      const inner = this.or();
      this.expect(')');
      return { kind: 'not', inner };
    }
    const token = this.tokens[this.position];
    if (token?.type === 'punct' && token.text === '(') {
      this.position += 1;
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    return this.comparison();
  }

  private comparison(): FilterNode {
    const token = this.tokens[this.position];
    if (token?.type !== 'word') throw invalid('Expected an attribute path in filter.');
    this.position += 1;
    const path = token.text;
    const next = this.tokens[this.position];
    if (next?.type === 'punct' && next.text === '[') {
      this.position += 1;
      const inner = this.or();
      this.expect(']');
      return { kind: 'valuePath', path, inner };
    }
    const op = this.peekWord();
    if (op === 'pr') {
      this.position += 1;
      return { kind: 'present', path };
    }
    if (op === undefined || !OPERATORS.has(op)) throw invalid(`Unknown operator after '${path}' in filter.`);
    this.position += 1;
    const valueToken = this.tokens[this.position];
    this.position += 1;
    if (valueToken?.type === 'string') return { kind: 'compare', path, op, value: valueToken.value };
    if (valueToken?.type !== 'word') throw invalid(`Expected a value after '${path} ${op}' in filter.`);
    const text = valueToken.text;
    if (text === 'true' || text === 'false') return { kind: 'compare', path, op, value: text === 'true' };
    if (text === 'null') return { kind: 'compare', path, op, value: null };
    const number = Number(text);
    if (!Number.isFinite(number)) throw invalid(`'${text}' is not a valid filter value.`);
    return { kind: 'compare', path, op, value: number };
  }
}

export function parseFilter(text: string): FilterNode {
  return new Parser(tokenize(text)).parse();
}

const CASE_EXACT = new Set(['id', 'externalid', 'value', '$ref']);

/** Values at a path (`name.givenName`, `emails.value`, an extension URN prefix), flattening multi-valued ones. */
export function valuesAt(resource: unknown, path: string): unknown[] {
  const { container, rest } = splitUrn(resource, path);
  let current: unknown[] = [container];
  for (const part of rest.split('.')) {
    const next: unknown[] = [];
    for (const value of current) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item && typeof item === 'object') {
          const found = getCaseInsensitive(item as Record<string, unknown>, part);
          if (found !== undefined) next.push(found);
        }
      }
    }
    current = next;
  }
  return current.flatMap((value) => (Array.isArray(value) ? value : [value]));
}

/** A path may start with a schema URN (`urn:…:enterprise:2.0:User:department`): its attributes live under the URN key. */
export function splitUrn(resource: unknown, path: string): { container: unknown; rest: string } {
  if (!path.toLowerCase().startsWith('urn:') || !resource || typeof resource !== 'object') {
    return { container: resource, rest: path };
  }
  const record = resource as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key.toLowerCase().startsWith('urn:') && path.toLowerCase().startsWith(`${key.toLowerCase()}:`)) {
      return { container: record[key], rest: path.slice(key.length + 1) };
    }
  }
  return { container: undefined, rest: path.split(':').at(-1) ?? path };
}

export function getCaseInsensitive(record: Record<string, unknown>, name: string): unknown {
  if (name in record) return record[name];
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(record)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function compare(actual: unknown, op: string, expected: unknown, caseExact: boolean): boolean {
  if (typeof actual === 'string' && typeof expected === 'string') {
    const a = caseExact ? actual : actual.toLowerCase();
    const e = caseExact ? expected : expected.toLowerCase();
    switch (op) {
      case 'eq':
        return a === e;
      case 'ne':
        return a !== e;
      case 'co':
        return a.includes(e);
      case 'sw':
        return a.startsWith(e);
      case 'ew':
        return a.endsWith(e);
      case 'gt':
        return a > e;
      case 'ge':
        return a >= e;
      case 'lt':
        return a < e;
      case 'le':
        return a <= e;
    }
  }
  if (op === 'eq') return actual === expected;
  if (op === 'ne') return actual !== expected;
  if (typeof actual === 'number' && typeof expected === 'number') {
    if (op === 'gt') return actual > expected;
    if (op === 'ge') return actual >= expected;
    if (op === 'lt') return actual < expected;
    if (op === 'le') return actual <= expected;
  }
  if (typeof actual === 'boolean' && op !== 'eq' && op !== 'ne') {
    throw invalid(`Operator '${op}' cannot compare a boolean.`);
  }
  return false;
}

export function matches(resource: unknown, node: FilterNode): boolean {
  switch (node.kind) {
    case 'and':
      return matches(resource, node.left) && matches(resource, node.right);
    case 'or':
      return matches(resource, node.left) || matches(resource, node.right);
    case 'not':
      return !matches(resource, node.inner);
    case 'present':
      return valuesAt(resource, node.path).some(
        (value) => value !== null && value !== '' && !(Array.isArray(value) && value.length === 0),
      );
    case 'valuePath':
      return valuesAt(resource, node.path).some((item) => matches(item, node.inner));
    case 'compare': {
      const last = node.path.split(/[.:]/).at(-1)?.toLowerCase() ?? '';
      const values = valuesAt(resource, node.path);
      // A complex multi-valued attribute compared directly means its `value` (RFC 7644 §3.4.2.2: "emails co …").
      const flattened = values.map((value) =>
        value && typeof value === 'object' ? (value as Record<string, unknown>)['value'] : value,
      );
      if (node.op === 'ne')
        return !flattened.some((value) => compare(value, 'eq', node.value, CASE_EXACT.has(last)));
      return flattened.some((value) => compare(value, node.op, node.value, CASE_EXACT.has(last)));
    }
  }
}
