import { describe, expect, it } from 'vitest';
import { positionedMessage } from './errors.js';
import { compileLike } from './like.js';
import {
  canonicalId,
  canonicalStoredId,
  checkStringLiteral,
  dateLiteralRange,
  decodeLikePattern,
  decodeString,
  idChecksum,
  idKey,
  looksLikeId,
  parseDateLiteral,
  parseDatetimeLiteral,
  toWireDate,
  toWireDatetime,
} from './literals.js';

describe('string literals', () => {
  it('decodes every documented escape, upper-case forms included', () => {
    expect(decodeString(String.raw`'a\nb\Nc\td\Te\rf\Rg\bh\fi\"j\'k\\l'`)).toBe(
      'a\nb\nc\td\te\rf\rg\u0007h\fi"j\'k\\l',
    );
    expect(decodeString(String.raw`'caf\u00e9 \u00C9'`)).toBe('café É');
  });

  it('rejects unknown escapes and a truncated \\u', () => {
    expect(checkStringLiteral(String.raw`'\x'`, false)).toContain("Illegal character sequence '\\x'");
    expect(checkStringLiteral(String.raw`'\u12'`, false)).toContain("Illegal character sequence '\\u'");
    expect(checkStringLiteral(String.raw`'\%'`, true)).toBeUndefined();
  });

  it('splits LIKE patterns into wildcards and literal text', () => {
    expect(decodeLikePattern(String.raw`'50\%_off%'`)).toEqual([
      { literal: '50%' },
      'anyCharacter',
      { literal: 'off' },
      'anySequence',
    ]);
  });
});

describe('LIKE matching', () => {
  const like = (pattern: string, value: string): boolean =>
    compileLike(decodeLikePattern(`'${pattern}'`))(value);

  it('handles patterns that need backtracking', () => {
    expect(like('%a_c%c', 'xxabcabcc')).toBe(true);
    expect(like('a%b%c', 'aXbYbZc')).toBe(true);
    expect(like('a%b%c', 'aXbYbZ')).toBe(false);
    expect(like('%%', '')).toBe(true);
    expect(like('_', '')).toBe(false);
    expect(like('', '')).toBe(true);
  });

  it('lower-cases the pattern; values arrive lower-cased', () => {
    expect(like('ABC%', 'abcdef')).toBe(true);
  });
});

describe('Ids', () => {
  it('recognises 15- and 18-character Ids and compares on the first 15', () => {
    expect(looksLikeId('0058dA0b0000001')).toBe(true);
    expect(looksLikeId('0058dA0b0000001ABA')).toBe(true);
    expect(looksLikeId('0058dA0b000000')).toBe(false);
    expect(looksLikeId('0058dA0b00000-1')).toBe(false);
    expect(idKey('0058dA0b0000001ABA')).toBe('0058dA0b0000001');
  });

  it('derives the case-safe suffix and the canonical 18-character form', () => {
    // The example Salesforce's knowledge articles use for 15 → 18 conversion.
    expect(idChecksum('001D000000IqhSL')).toBe('IAZ');
    expect(canonicalId('001D000000IqhSL')).toBe('001D000000IqhSLIAZ');
    expect(canonicalId('001D000000IqhSLiaz')).toBe('001D000000IqhSLIAZ');
    const stored = '001D000000IqhSLIAZ';
    expect(canonicalId(stored)).toBe(stored);
    expect(canonicalId('001D000000IqhSLAAA')).toBe(stored);
    expect(canonicalStoredId('001D000000IqhSLiaz')).toBe(stored);
    expect(canonicalStoredId('001D000000IqhSL')).toBe(stored);
    expect(canonicalId('001d000000IqhSL')).not.toBe(canonicalId('001D000000IqhSL'));
  });
});

describe('dates and datetimes', () => {
  it('validates calendar dates', () => {
    expect(parseDateLiteral('2024-02-29')).toBeDefined();
    expect(parseDateLiteral('2026-02-29')).toBeUndefined();
    expect(parseDateLiteral('2026-13-01')).toBeUndefined();
  });

  it('reads every documented dateTime form into UTC', () => {
    const noonUtc = Date.UTC(2026, 2, 1, 12, 0, 0);
    expect(parseDatetimeLiteral('2026-03-01T12:00:00Z')).toBe(noonUtc);
    expect(parseDatetimeLiteral('2026-03-01T12:00:00.000+0000')).toBe(noonUtc);
    expect(parseDatetimeLiteral('2026-03-01T04:00:00-08:00')).toBe(noonUtc);
    expect(parseDatetimeLiteral('2026-03-01T12:00:00.5Z')).toBe(noonUtc + 500);
    expect(parseDatetimeLiteral('2026-03-01T25:00:00Z')).toBeUndefined();
    expect(parseDatetimeLiteral('2026-03-01T12:00:00')).toBeUndefined();
  });

  it('writes the wire forms records hold', () => {
    expect(toWireDatetime(Date.UTC(2026, 2, 1, 12))).toBe('2026-03-01T12:00:00.000+0000');
    expect(toWireDate(parseDateLiteral('2026-03-01') ?? 0)).toBe('2026-03-01');
  });

  it('computes date literal ranges in UTC (end exclusive)', () => {
    const now = new Date('2026-03-02T10:00:00Z');
    const range = (literal: string, n = 0): [string, string] => {
      const found = dateLiteralRange(literal, n, now);
      return found === undefined ? ['', ''] : [toWireDate(found.startDay), toWireDate(found.endDay)];
    };
    expect(range('THIS_QUARTER')).toEqual(['2026-01-01', '2026-04-01']);
    expect(range('LAST_QUARTER')).toEqual(['2025-10-01', '2026-01-01']);
    expect(range('NEXT_N_QUARTERS', 2)).toEqual(['2026-04-01', '2026-10-01']);
    expect(range('NEXT_N_DAYS', 3)).toEqual(['2026-03-03', '2026-03-06']);
    expect(range('NEXT_90_DAYS')).toEqual(['2026-03-03', '2026-06-01']);
    expect(range('N_WEEKS_AGO', 2)).toEqual(['2026-02-15', '2026-02-22']);
    expect(range('NEXT_N_MONTHS', 1)).toEqual(['2026-04-01', '2026-05-01']);
    expect(range('N_YEARS_AGO', 1)).toEqual(['2025-01-01', '2026-01-01']);
    expect(range('LAST_N_YEARS', 2)).toEqual(['2024-01-01', '2026-01-01']);
    expect(dateLiteralRange('THIS_FISCAL_YEAR', 0, now)).toBeUndefined();
  });
});

describe('error placement', () => {
  it('shows an excerpt around the error on long lines, with the caret under it', () => {
    const statement = `SELECT Id FROM User WHERE ${"Name = 'x' OR ".repeat(20)}Bogus = 1`;
    const offset = statement.indexOf('Bogus');
    const [, excerpt, caret, position] = positionedMessage(statement, offset, 'No such column').split('\n');
    expect(position).toBe(`ERROR at Row:1:Column:${offset + 1}`);
    expect(excerpt?.length).toBeLessThan(statement.length);
    expect(excerpt?.slice(caret?.indexOf('^'))).toMatch(/^Bogus/);
  });
});
