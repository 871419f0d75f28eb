import { createRequire } from 'node:module';
import soqlParser from 'soql-parser-js';
import type { Query } from 'soql-parser-js';
import soqlLexer from 'soql-parser-js/dist/src/parser/lexer.js';
import type * as SoqlParserModule from 'soql-parser-js/dist/src/parser/parser.js';
import { positionedMessage, SoqlError } from './errors.js';
import type { SoqlErrorCode } from './errors.js';
import { checkStringLiteral } from './literals.js';

type LexerToken = ReturnType<typeof soqlLexer.lex>['tokens'][number];

/** One token of the statement as soql-parser-js's own lexer cut it, with its offset. */
export interface StatementToken {
  /** The lexer's token type name, e.g. `Identifier`, `StringIdentifier`, `WHERE`, `L_PAREN`. */
  readonly kind: string;
  readonly image: string;
  readonly offset: number;
}

/** "SOQL and SOSL Limits": statements are capped at 100,000 characters (Limits Quick Reference). */
export const MAX_STATEMENT_LENGTH = 100_000;

/**
 * The statement text and its tokens, kept to place errors the way Salesforce
 * does (`ERROR at Row:1:Column:12`). The tokens come from soql-parser-js's
 * lexer, so they are the very tokens its parser read.
 */
export class Statement {
  constructor(
    readonly text: string,
    readonly tokens: readonly StatementToken[],
  ) {}

  /** A Salesforce-shaped error, prefixed with the excerpt/caret/Row:Column lines when `offset` is known. */
  error(errorCode: SoqlErrorCode, description: string, offset?: number): SoqlError {
    const message = offset === undefined ? description : positionedMessage(this.text, offset, description);
    return new SoqlError(errorCode, message);
  }

  /**
   * Offset of the first identifier token spelled `raw` (case-insensitively) at
   * or after `from`; used to point errors at a field path or object name.
   */
  identifierOffset(raw: string, from = 0): number | undefined {
    const wanted = raw.toLowerCase();
    for (const token of this.tokens) {
      if (token.offset < from) continue;
      if (token.image.toLowerCase() === wanted && !token.kind.startsWith('String')) return token.offset;
    }
    return undefined;
  }

  /** Offset of the first token spelled exactly `image` at or after `from` (literals keep their case). */
  tokenOffset(image: string, from = 0): number | undefined {
    return this.tokens.find((token) => token.offset >= from && token.image === image)?.offset;
  }

  /** Offset of the first token of a kind (e.g. `GROUP_BY`), to point at a clause. */
  kindOffset(kind: string): number | undefined {
    return this.tokens.find((token) => token.kind === kind)?.offset;
  }
}

export interface ParsedStatement {
  readonly statement: Statement;
  readonly query: Query;
}

/**
 * Lexes and parses a statement with soql-parser-js, then applies the parts of
 * Salesforce's grammar that parser is lenient about: the 100,000-character and
 * 4,000-character limits, string escapes, and the rule that AND and OR cannot be
 * mixed at one level without parentheses and NOT only opens a condition.
 * Throws MALFORMED_QUERY with the offending position.
 */
export function parseStatement(soql: string): ParsedStatement {
  if (soql.length > MAX_STATEMENT_LENGTH) {
    // Wording as returned by the REST API (django-salesforce issue #164 quotes it).
    throw new SoqlError(
      'MALFORMED_QUERY',
      `SOQL statements can not be longer than ${MAX_STATEMENT_LENGTH} characters`,
    );
  }
  const lexed = soqlLexer.lex(soql);
  const lexError = lexed.errors[0];
  if (lexError !== undefined) {
    const text = new Statement(soql, []);
    throw text.error(
      'MALFORMED_QUERY',
      `unexpected token: '${soql.charAt(lexError.offset)}'`,
      lexError.offset,
    );
  }
  const statement = new Statement(
    soql,
    lexed.tokens.map((token) => ({
      kind: token.tokenType.name,
      image: token.image,
      offset: token.startOffset,
    })),
  );
  let query: Query;
  try {
    query = soqlParser.parseQuery(soql);
  } catch {
    throw syntaxError(statement, lexed.tokens);
  }
  checkLogicalOperators(statement);
  checkStringLiterals(statement);
  return { statement, query };
}

const require = createRequire(import.meta.url);
let diagnosticParser: SoqlParserModule.SoqlParser | undefined;

/**
 * soql-parser-js's `parseQuery` drops the failing token's position, so on a
 * syntax error the same grammar is run again on the same tokens with a parser
 * instance of our own, which keeps it. Built on first use only (~70 ms).
 */
function syntaxError(statement: Statement, tokens: LexerToken[]): SoqlError {
  if (diagnosticParser === undefined) {
    const parserModule = require('soql-parser-js/dist/src/parser/parser.js') as typeof SoqlParserModule;
    diagnosticParser = new parserModule.SoqlParser();
  }
  diagnosticParser.input = tokens;
  diagnosticParser.selectStatement();
  const token = diagnosticParser.errors[0]?.token;
  if (token === undefined || Number.isNaN(token.startOffset) || token.image === '') {
    return statement.error('MALFORMED_QUERY', `unexpected token: '<EOF>'`, statement.text.trimEnd().length);
  }
  return statement.error('MALFORMED_QUERY', `unexpected token: '${token.image}'`, token.startOffset);
}

/** Tokens that end a WHERE clause at the same nesting level. */
const CLAUSE_KINDS = new Set([
  'SELECT',
  'ORDER_BY',
  'LIMIT',
  'OFFSET',
  'GROUP_BY',
  'HAVING',
  'WITH',
  'FOR',
  'UPDATE',
  'USING',
]);

interface ConditionFrame {
  inWhere: boolean;
  connective: 'AND' | 'OR' | undefined;
  empty: boolean;
}

/**
 * "Client applications must specify parentheses when nesting operators.
 * However, multiple operators of the same type do not need to be nested."
 * (SOQL reference, "Condition Expression Syntax"). Salesforce answers
 * `A AND B OR C` with `unexpected token: OR` at the OR (a captured response is
 * quoted on Salesforce StackExchange, "Unexpected token OR"), and rejects NOT
 * anywhere but at the start of a condition: `A AND NOT (B)` fails with
 * `unexpected token: 'NOT'` while `A AND (NOT B)` runs (soql-parser-js
 * issue #201 reports both against a live org).
 */
function checkLogicalOperators(statement: Statement): void {
  const frames: ConditionFrame[] = [{ inWhere: false, connective: undefined, empty: true }];
  const tokens = statement.tokens;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    const frame = frames[frames.length - 1];
    if (token === undefined || frame === undefined) break;
    const kind = token.kind;
    if (kind === 'L_PAREN') {
      frame.empty = false;
      frames.push({ inWhere: frame.inWhere, connective: undefined, empty: true });
    } else if (kind === 'R_PAREN') {
      if (frames.length > 1) frames.pop();
    } else if (kind === 'WHERE') {
      frame.inWhere = true;
      frame.connective = undefined;
      frame.empty = true;
    } else if (CLAUSE_KINDS.has(kind)) {
      frame.inWhere = false;
    } else if (frame.inWhere && (kind === 'AND' || kind === 'OR')) {
      if (frame.connective !== undefined && frame.connective !== kind) {
        throw statement.error('MALFORMED_QUERY', `unexpected token: '${token.image}'`, token.offset);
      }
      frame.connective = kind;
    } else if (frame.inWhere && kind === 'NOT' && tokens[index + 1]?.kind !== 'IN') {
      if (!frame.empty)
        throw statement.error('MALFORMED_QUERY', `unexpected token: '${token.image}'`, token.offset);
      frame.empty = false;
    } else {
      frame.empty = false;
    }
  }
}

function checkStringLiterals(statement: Statement): void {
  const tokens = statement.tokens;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (token?.kind !== 'StringIdentifier') continue;
    const problem = checkStringLiteral(token.image, tokens[index - 1]?.kind === 'LIKE');
    if (problem !== undefined) throw statement.error('MALFORMED_QUERY', problem, token.offset);
  }
}
