import { describe, expect, it } from 'vitest';
import { id, ids, select, selectInChunks, soqlLiteral, where } from './soql.js';

describe('SOQL builder', () => {
  it('renders a select with escaped literals', () => {
    expect(
      select({
        fields: ['Id', 'Username', 'Profile.Name'],
        from: 'User',
        where: where.and(where.eq('IsActive', true), where.ne('Email', "o'brien@example.com")),
        orderBy: [{ field: 'Username' }],
        limit: 10,
      }),
    ).toBe(
      "SELECT Id, Username, Profile.Name FROM User WHERE (IsActive = true) AND (Email != 'o\\'brien@example.com') ORDER BY Username ASC LIMIT 10",
    );
  });

  it('escapes every SOQL escape sequence and refuses injection through names', () => {
    expect(soqlLiteral('a\\b\'c"d\ne\tf')).toBe("'a\\\\b\\'c\\\"d\\ne\\tf'");
    expect(() => select({ fields: ['Id'], from: 'User WHERE 1=1' })).toThrow(
      /not a valid SOQL object or field name/,
    );
    expect(() => where.eq("Name' OR '1'='1", 'x')).toThrow(/not a valid SOQL/);
  });

  it('writes datetimes in UTC and Ids in their checked 18-character form', () => {
    expect(soqlLiteral(new Date('2026-03-01T12:00:00.000Z'))).toBe('2026-03-01T12:00:00Z');
    expect(where.eq('ProfileId', id('00e000000000001')).text).toBe("ProfileId = '00e000000000001AAA'");
    expect(() => ids(['not-an-id'])).toThrow(/is not a Salesforce Id/);
  });

  it('refuses string literals longer than Salesforce allows in WHERE', () => {
    expect(() => soqlLiteral('x'.repeat(4001))).toThrow(/at most 4000 characters/);
  });

  it('splits a long IN list so that every encoded query stays under the URL budget', () => {
    const userIds = Array.from({ length: 2000 }, (_, index) => `005${String(index).padStart(12, '0')}`);
    const statements = selectInChunks(
      { fields: ['Id', 'LastLoginDate'], from: 'User', where: where.eq('IsActive', true) },
      'Id',
      ids(userIds),
      4000,
    );
    expect(statements.length).toBeGreaterThan(1);
    for (const statement of statements)
      expect(encodeURIComponent(statement).length).toBeLessThanOrEqual(4000);
    const emitted = statements.flatMap((statement) =>
      [...statement.matchAll(/'(005\w{15})'/g)].map((m) => m[1]),
    );
    expect(emitted).toHaveLength(2000);
    expect(new Set(emitted).size).toBe(2000);
    expect(statements[0]).toMatch(
      /^SELECT Id, LastLoginDate FROM User WHERE \(IsActive = true\) AND \(Id IN \('/,
    );
  });
});
