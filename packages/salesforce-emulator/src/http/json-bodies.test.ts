import { describe, expect, it } from 'vitest';
import { JsonBodies } from './json-bodies.js';

const record = (index: number): Record<string, unknown> => ({
  attributes: { type: 'User', url: `/services/data/v62.0/sobjects/User/005${index}` },
  Id: `005${index}`,
  Name: index % 3 === 0 ? `Zoë Ångström ${index} 🚀` : `User "${index}" \\ \n`,
  IsActive: index % 2 === 0,
  LastLoginDate: index % 5 === 0 ? null : new Date(Date.UTC(2026, 0, 1, 0, 0, index)),
  Profile: { Name: 'Standard User' },
  Unset: undefined,
});

const bodies: [string, unknown][] = [
  [
    'a query page (records a chunk at a time)',
    {
      totalSize: 2500,
      done: false,
      nextRecordsUrl: '/services/data/v62.0/query/01g-2000',
      records: Array.from({ length: 2000 }, (_, index) => record(index)),
    },
  ],
  ['a short array member', { records: [record(1), record(2)], done: true }],
  [
    'large arrays that end on a chunk of 64 and one past it',
    {
      records: Array.from({ length: 128 }, (_, index) => record(index)),
      numbers: Array.from({ length: 65 }, (_, index) => index),
    },
  ],
  [
    'elements JSON.stringify writes as null, and one with toJSON',
    {
      items: [
        ...Array.from({ length: 70 }, (_, index) => index),
        undefined,
        () => 1,
        Symbol('s'),
        new Date(0),
      ],
    },
  ],
  [
    'members JSON.stringify leaves out',
    { kept: 1, gone: undefined, fn: () => 1, sym: Symbol('s'), last: 'x' },
  ],
  ['integer-like keys (ordered first by JavaScript)', { b: 1, 2: 'two', a: [3], 1: 'one' }],
  [
    'an object without a prototype',
    Object.assign(Object.create(null) as object, { a: 1, list: Array(100).fill('é') }),
  ],
  ['a top-level array (an error body)', [{ errorCode: 'INVALID_FIELD', message: 'No such column' }]],
  ['an object with toJSON', { toJSON: () => ({ replaced: true }) }],
  ['an array member with toJSON', { list: Object.assign(Array(80).fill(1), { toJSON: () => 'custom' }) }],
  ['a string', 'plain "text"'],
  ['a number', 42],
  ['null', null],
  ['an empty object', {}],
];

describe('JsonBodies', () => {
  it.each(bodies)('writes exactly the bytes of JSON.stringify: %s', (_name, value) => {
    const encoded = new JsonBodies().encode(value);
    expect(encoded.bytes.equals(Buffer.from(JSON.stringify(value) ?? 'null', 'utf8'))).toBe(true);
  });

  it('reuses a buffer only once it is released, and grows one for a larger body', () => {
    const pool = new JsonBodies();
    const large = { records: Array.from({ length: 2000 }, (_, index) => record(index)) };
    const first = pool.encode(large);
    const firstCopy = Buffer.from(first.bytes);
    // Not released: a second body gets other memory, and the first stays as it was.
    const second = pool.encode({ records: ['x'] });
    expect(first.bytes.equals(firstCopy)).toBe(true);
    expect(second.bytes.buffer).not.toBe(first.bytes.buffer);
    first.release();
    first.release();
    const third = pool.encode({ small: true });
    expect(third.bytes.buffer).toBe(first.bytes.buffer);
    expect(third.bytes.toString('utf8')).toBe('{"small":true}');
    // The second release did not put the buffer back twice: the next body gets other memory.
    expect(pool.encode({ other: 1 }).bytes.buffer).not.toBe(first.bytes.buffer);
  });
});
