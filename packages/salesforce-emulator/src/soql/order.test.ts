import { describe, expect, it } from 'vitest';
import { runSoql } from './index.js';
import { sortRows } from './order.js';
import type { SortKey } from './order.js';
import { fixtureId, InMemoryOrg } from './test-fixtures.js';
import type { SObjectRecord } from './types.js';

/** Rows with many ties and nulls, from a fixed linear congruential sequence. */
function syntheticRows(count: number): SObjectRecord[] {
  let seed = 42;
  const next = (modulo: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % modulo;
  };
  return Array.from({ length: count }, (_, index) => ({
    Id: fixtureId('005', 1000 + index),
    Department: next(5) === 0 ? null : `Dept ${next(7)}`,
    Quota__c: next(4) === 0 ? null : next(50),
  }));
}

describe('sortRows', () => {
  const keys: SortKey[] = [
    {
      value: (row) => (row['Department'] as string | null)?.toLowerCase() ?? null,
      descending: false,
      nullsFirst: true,
    },
    { value: (row) => (row['Quota__c'] as number | null) ?? null, descending: true, nullsFirst: false },
  ];

  it('selects the first rows through the heap exactly as a full stable sort orders them', () => {
    const rows = syntheticRows(1000);
    const full = sortRows(rows, keys);
    for (const keep of [1, 7, 50, 249]) {
      expect(sortRows(rows, keys, keep)).toEqual(full.slice(0, keep));
    }
  });

  it('keeps scan order between equal keys', () => {
    const rows = syntheticRows(300).map((row): SObjectRecord => ({
      ...row,
      Department: 'same',
      Quota__c: 1,
    }));
    expect(sortRows(rows, keys, 10).map((row) => row['Id'])).toEqual(
      rows.slice(0, 10).map((row) => row['Id']),
    );
  });
});

describe('keyset pagination over a larger object', () => {
  it('pages through ORDER BY Id LIMIT n without losing or repeating rows', () => {
    const org = new InMemoryOrg();
    const rows = syntheticRows(500).map((row) => ({ ...row, IsDeleted: false, Name: String(row['Id']) }));
    org.insert('User', [...rows].reverse());
    const seen: unknown[] = [];
    let last: string | undefined;
    for (let page = 0; page < 20; page++) {
      const where = last === undefined ? '' : `WHERE Id > '${last}' `;
      const result = runSoql(`SELECT Id FROM User ${where}ORDER BY Id LIMIT 45`, org, {
        includeDeleted: false,
        apiVersion: '63.0',
      });
      if (result.rows.length === 0) break;
      seen.push(...result.rows.map((row) => row['Id']));
      last = String(result.rows[result.rows.length - 1]?.['Id']);
    }
    const expected = runSoql('SELECT Id FROM User ORDER BY Id', org, {
      includeDeleted: false,
      apiVersion: '63.0',
    });
    expect(seen).toEqual(expected.rows.map((row) => row['Id']));
    expect(seen.length).toBe(505);
  });
});
