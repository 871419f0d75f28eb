import { describe, expect, it } from 'vitest';
import { parseJsonBytes, sliceJsonBytes, type JsonBytesOptions } from './json-bytes.js';

/** Small thresholds, so that small bodies are cut into many slices. */
const tiny = { slicedAbove: 16, sliceBytes: 40 };

const record = (index: number): unknown => ({
  attributes: { type: 'PermissionSetAssignment', url: `/services/data/v62.0/sobjects/X/0Pa${index}` },
  Id: `0Pa${index}`,
  Name: [`plain`, `Zoë "quoted", [bracketed] {braced}`, `ends in a backslash \\`, `🚀 , ] } \n\t`][index % 4],
  Count: index * 1.5,
  Flag: index % 2 === 0,
  Missing: null,
  // A child relationship: an array of records inside the record, cut nowhere.
  Children: index % 3 === 0 ? { totalSize: 2, done: true, records: [{ Id: 'a' }, { Id: 'b,c' }] } : null,
});

const page = (count: number): unknown => ({
  totalSize: count,
  done: false,
  nextRecordsUrl: '/services/data/v62.0/query/01g-2000',
  records: Array.from({ length: count }, (_, index) => record(index)),
});

const big = `"${'x'.repeat(45)}"`;

const parses = (text: string, options: JsonBytesOptions = tiny): unknown =>
  parseJsonBytes(Buffer.from(text, 'utf8'), options);

describe('parseJsonBytes', () => {
  it.each<[string, string]>([
    ['a query page', JSON.stringify(page(50))],
    ['a query page, pretty-printed', JSON.stringify(page(20), null, 2)],
    [
      'a SCIM list (Resources)',
      JSON.stringify({ schemas: ['x'], Resources: [page(3), page(4), 'x'.repeat(60)] }),
    ],
    [
      'two large arrays and scalars around them',
      JSON.stringify({ a: [1, 2, 3, 'a'.repeat(50)], b: 'x', c: Array(40).fill({ z: [1, [2]] }) }),
    ],
    ['a top-level array', JSON.stringify([page(5), page(5)])],
    ['a top-level array of strings and a large array', JSON.stringify(['a', 'k', Array(30).fill(1)])],
    ['a top-level string', JSON.stringify('x'.repeat(100))],
    [
      'a large array of arrays',
      JSON.stringify({ rows: Array.from({ length: 30 }, (_, i) => [i, `r${i}`, [i]]) }),
    ],
    [
      'escaped quotes and unicode escapes in keys and values',
      '{"re\\u0063ords":[' + Array(20).fill('"\\"\\\\\\u00e9"').join(',') + '],"k\\"":1}',
    ],
    ['a repeated key (the last one wins)', `{"records":[${Array(30).fill('1').join(',')}],"records":[2]}`],
    [
      'a repeated key whose last value is large',
      `{"records":3,"records":[${Array(30).fill('"xy"').join(',')}]}`,
    ],
    ['a __proto__ member', `{"__proto__":[${Array(30).fill('{"polluted":true}').join(',')}]}`],
    ['a large body parsed with the default thresholds', JSON.stringify(page(2000))],
  ])('gives what JSON.parse gives: %s', (_name, text) => {
    const options = text.length > 200_000 ? {} : tiny;
    const parsed = parses(text, options);
    expect(parsed).toStrictEqual(JSON.parse(text));
    if (typeof parsed === 'object' && parsed !== null) {
      expect(Object.getPrototypeOf(parsed)).toBe(Object.getPrototypeOf(JSON.parse(text)));
    }
  });

  it.each<[string, string]>([
    // Elements longer than a slice: every comma between them is a cut, so an empty slice is what fails.
    ['a trailing comma in a large array', `{"records":[${Array(5).fill(big).join(',')},]}`],
    ['a trailing comma and a space', `{"records":[${Array(5).fill(big).join(',')}, ]}`],
    ['two commas in a row', `{"records":[${Array(3).fill(big).join(',')},,${Array(3).fill(big).join(',')}]}`],
    ['a leading comma', `{"records":[,${Array(5).fill(big).join(',')}]}`],
    ['a body cut off mid-way', JSON.stringify(page(20)).slice(0, 700)],
    ['a body cut off inside a string', '{"records":["' + 'x'.repeat(100)],
    ['an array closed by a brace', `{"records":[${Array(30).fill('1').join(',')}}`],
    ['an object closed by a bracket', `{"records":[${Array(30).fill('1').join(',')}]]`],
    ['text after the body', `${JSON.stringify(page(5))} trailing`],
    ['a bad element', `{"records":[${Array(30).fill('1').join(',')},tru]}`],
    ['a control character in a string', `{"records":[${Array(30).fill('"a\nb"').join(',')}]}`],
    ['a member without a key', `{"records":[${Array(30).fill('1').join(',')}],:2}`],
    ['a missing colon', `{"records" [${Array(30).fill('1').join(',')}]}`],
  ])('fails where JSON.parse fails: %s', (_name, text) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(() => parses(text)).toThrow(SyntaxError);
  });

  it('leaves the bytes it parsed as they were', () => {
    const bytes = Buffer.from(JSON.stringify(page(30)), 'utf8');
    const copy = Buffer.from(bytes);
    parseJsonBytes(bytes, tiny);
    expect(bytes.equals(copy)).toBe(true);
  });
});

describe('parseJsonBytes on a large page', () => {
  it('never hands JSON.parse a string of more than a slice and its last element', () => {
    const text = JSON.stringify(page(2000));
    expect(text.length).toBeGreaterThan(400_000);
    const lengths: number[] = [];
    const parse = JSON.parse;
    JSON.parse = ((source: string, reviver?: Parameters<typeof parse>[1]) => {
      lengths.push(source.length);
      return parse(source, reviver) as unknown;
    }) as typeof JSON.parse;
    try {
      expect(parseJsonBytes(Buffer.from(text, 'utf8'))).toStrictEqual(parse(text));
    } finally {
      JSON.parse = parse;
    }
    expect(lengths.length).toBeGreaterThan(8);
    expect(Math.max(...lengths)).toBeLessThan(48 * 1024 + 1024);
  });
});

describe('sliceJsonBytes', () => {
  it('parses a slice only when the reading reaches it', () => {
    const text = `{"records":[${Array(10).fill(big).join(',')},tru],"done":true}`;
    const { value, runs } = sliceJsonBytes(Buffer.from(text, 'utf8'), 'records', tiny);
    expect(value).toEqual({ records: [], done: true });
    const elements = (function* () {
      for (const run of runs?.() ?? []) yield* run;
    })();
    expect(elements?.next()).toEqual({ done: false, value: 'x'.repeat(45) });
    expect(() => [...(elements ?? [])]).toThrow(SyntaxError);
  });
});

describe('sliceJsonBytes cutting at element starts (a Salesforce query page)', () => {
  const salesforce = { slicedAbove: 16, sliceBytes: 120, elementStart: '{"attributes":' };
  /** Records whose child records also begin with `{"attributes":`: some searched cuts fall inside them. */
  const nested = (index: number): unknown => ({
    attributes: { type: 'User', url: `/services/data/v62.0/sobjects/User/005${index}` },
    Id: `005${index}`,
    Name: [`plain`, `a "},{"attributes":" in a string`, `ends in a backslash \\`][index % 3],
    Assignments:
      index % 2 === 0
        ? {
            totalSize: 3,
            done: true,
            records: [0, 1, 2].map((child) => ({
              attributes: { type: 'PermissionSetAssignment', url: `/x/0Pa${index}-${child}` },
              Id: `0Pa${index}-${child}`,
            })),
          }
        : null,
  });
  const read = (text: string): unknown => {
    const { value, runs } = sliceJsonBytes(Buffer.from(text, 'utf8'), 'records', salesforce);
    if (!runs) return value;
    return { ...(value as object), records: [...runs()].flat() };
  };

  it.each<[string, string]>([
    ['a query page', JSON.stringify(page(60))],
    [
      'records with child records that begin the same way',
      JSON.stringify({ done: true, records: Array.from({ length: 40 }, (_, i) => nested(i)) }),
    ],
    [
      'members after the records',
      JSON.stringify({
        totalSize: 2,
        records: Array.from({ length: 40 }, (_, i) => record(i)),
        done: false,
        nextRecordsUrl: '/x',
      }),
    ],
    ['a pretty-printed page (no cut found: read byte by byte)', JSON.stringify(page(30), null, 2)],
    [
      'a repeated key after the records',
      `{"records":[${Array.from({ length: 30 }, (_, i) => JSON.stringify(record(i))).join(',')}],"records":[1]}`,
    ],
    [
      'a __proto__ member',
      `{"__proto__":[${Array(30)
        .fill('{"attributes":1,"a":"' + 'x'.repeat(30) + '"}')
        .join(',')}]}`,
    ],
    [
      'elements that do not begin that way',
      JSON.stringify({ records: Array.from({ length: 40 }, (_, i) => ({ Id: i, pad: 'y'.repeat(30) })) }),
    ],
  ])('gives what JSON.parse gives: %s', (_name, text) => {
    expect(read(text)).toStrictEqual(JSON.parse(text));
  });

  it('parses the array a slice at a time and its last elements with the rest of the body', () => {
    const text = JSON.stringify(page(2000));
    const sources: string[] = [];
    const parse = JSON.parse;
    JSON.parse = ((source: string, reviver?: Parameters<typeof parse>[1]) => {
      sources.push(source);
      return parse(source, reviver) as unknown;
    }) as typeof JSON.parse;
    let records: unknown[];
    try {
      const { value, runs } = sliceJsonBytes(Buffer.from(text, 'utf8'), 'records', {
        elementStart: '{"attributes":',
      });
      expect(value).toMatchObject({ totalSize: 2000, done: false, records: [] });
      records = [...(runs?.() ?? [])].flat();
    } finally {
      JSON.parse = parse;
    }
    expect(records).toStrictEqual((parse(text) as { records: unknown[] }).records);
    const rest = sources.find((source) => source.startsWith('{"totalSize"'));
    expect(rest?.endsWith(']}')).toBe(true);
    expect(rest).toContain('"Id":"0Pa1999"');
    expect(Math.max(...sources.map((source) => source.length))).toBeLessThan(2 * 48 * 1024);
  });

  it.each<[string, string]>([
    [
      'a bad element among the cut slices',
      `{"records":[${Array.from({ length: 30 }, (_, i) => JSON.stringify(record(i))).join(',')},{"attributes":tru}, ${JSON.stringify(record(1))}]}`,
    ],
    ['a body cut off mid-way', JSON.stringify(page(40)).slice(0, 2000)],
    ['text after the body', `${JSON.stringify(page(40))} trailing`],
    [
      'an unclosed element before a cut',
      `{"records":[${JSON.stringify(record(0)).slice(0, -1)},${Array.from({ length: 30 }, (_, i) => JSON.stringify(record(i))).join(',')}]}`,
    ],
    [
      'a bracket that closes nothing after child records made the first cut fail',
      `{"done":true,"records":[${JSON.stringify(nested(0))},${JSON.stringify(nested(2))}],${Array.from({ length: 30 }, (_, i) => JSON.stringify(record(i))).join(',')}]}`,
    ],
  ])('fails where JSON.parse fails: %s', (_name, text) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(() => read(text)).toThrow(SyntaxError);
  });
});
