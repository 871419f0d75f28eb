import { describe, expect, it } from 'vitest';
import { account, grant, ref } from '../../test/fixtures.js';
import { canonicalJson, copyField, encodeItem, stagingLine } from './staging.js';
import type { JsonValue, SyncItem } from '@accessledger/core';

const copyLine = (item: SyncItem, seq: number) => stagingLine(encodeItem(item), seq);

describe('copyField', () => {
  it('writes NULL as \\N and escapes what COPY text format treats specially', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField('\\N')).toBe('\\\\N');
    expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyField(true)).toBe('t');
    expect(copyField(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05.678Z');
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('writes the same text whether keys come sorted or not (the fast path changes no stored hash)', () => {
    // The text the writer has always hashed: keys sorted by code unit at every depth, undefined skipped.
    const reference = (value: JsonValue | undefined): string | undefined => {
      if (value === null || typeof value !== 'object') return JSON.stringify(value);
      if (Array.isArray(value)) return `[${value.map((entry) => reference(entry)).join(',')}]`;
      const parts = Object.keys(value)
        .sort()
        .filter((key) => value[key] !== undefined)
        .map((key) => `${JSON.stringify(key)}:${reference(value[key])}`);
      return `{${parts.join(',')}}`;
    };
    const samples: JsonValue[] = [
      { a: 1, b: 'x', c: { d: true, e: [1, 'two', { f: null, g: -0 }] } },
      { b: 1, a: 2 },
      { 9: 'nine', 10: 'ten', a: 'letter' },
      { a: { z: 1, y: 2 }, b: [] },
      { A: 1, a: 2, _: 3, é: 4 },
      { skipped: undefined, kept: 'yes' } as unknown as JsonValue,
      [{ b: 2, a: 1 }, 'text', 3.5],
      'plain',
      42,
      {},
    ];
    for (const sample of samples) expect(canonicalJson(sample)).toBe(reference(sample));
  });
});

describe('stagingLine', () => {
  it('gives equal things equal hashes whatever their attribute key order, and changed things new content hashes', () => {
    const hashes = (line: string) => line.split('\t').slice(1, 3);
    const one = hashes(copyLine(account('005A', { attributes: { title: 'CFO', department: 'Finance' } }), 1));
    const reordered = hashes(
      copyLine(account('005A', { attributes: { department: 'Finance', title: 'CFO' } }), 2),
    );
    const changed = hashes(
      copyLine(account('005A', { attributes: { department: 'Finance', title: 'CEO' } }), 3),
    );
    expect(reordered).toEqual(one);
    expect(changed[0]).toBe(one[0]);
    expect(changed[1]).not.toBe(one[1]);
  });

  it('tells a direct grant from the same grant held through a group', () => {
    const permissionSet = ref('permission_set', '0PS1');
    const direct = copyLine(grant('005A', permissionSet), 1).split('\t')[1];
    const viaGroup = copyLine(grant('005A', permissionSet, ref('permission_set_group', '0PG1')), 1).split(
      '\t',
    )[1];
    expect(direct).toMatch(/^[0-9a-f]{32}$/);
    expect(viaGroup).not.toBe(direct);
  });
});
