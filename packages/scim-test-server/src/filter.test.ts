import { describe, expect, it } from 'vitest';
import { ScimProtocolError } from './errors.js';
import { matches, parseFilter } from './filter.js';

const user = {
  id: 'A1',
  userName: 'Ada@Example.com',
  active: true,
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [
    { type: 'work', value: 'ada@example.com', primary: true },
    { type: 'home', value: 'ada@home.example' },
  ],
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Engineering' },
  meta: { lastModified: '2026-01-02T00:00:00Z' },
};

const test = (filter: string): boolean => matches(user, parseFilter(filter));

describe('filters (RFC 7644 §3.4.2.2)', () => {
  it('compares strings without case, except caseExact ids', () => {
    expect(test('userName eq "ada@example.com"')).toBe(true);
    expect(test('id eq "a1"')).toBe(false);
    expect(test('name.familyName sw "love"')).toBe(true);
    expect(test('userName ew ".COM"')).toBe(true);
    expect(test('userName co "xyz"')).toBe(false);
  });

  it('handles booleans, presence, and/or/not, grouping and value paths', () => {
    expect(test('active eq true and name.givenName pr')).toBe(true);
    expect(test('active eq false or (userName ne "x" and not (emails.type eq "other"))')).toBe(true);
    expect(test('emails[type eq "work" and value co "@example.com"]')).toBe(true);
    expect(test('emails[type eq "work" and value co "@home"]')).toBe(false);
    expect(test('emails co "home.example"')).toBe(true);
    expect(test('meta.lastModified gt "2026-01-01T00:00:00Z"')).toBe(true);
    expect(
      test('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "engineering"'),
    ).toBe(true);
    expect(test('title pr')).toBe(false);
  });

  it('reads string literals as JSON strings', () => {
    expect(matches({ userName: 'a"b' }, parseFilter('userName eq "a\\"b"'))).toBe(true);
  });

  it('refuses what the grammar does not allow with 400 invalidFilter', () => {
    for (const bad of [
      'userName',
      'userName eq',
      'userName eq "x" junk',
      'userName lk "x"',
      '(userName eq "x"',
      'userName eq "x',
    ]) {
      const error = (() => {
        try {
          parseFilter(bad);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error, bad).toBeInstanceOf(ScimProtocolError);
      expect((error as ScimProtocolError).scimType).toBe('invalidFilter');
    }
  });
});
