import { InvalidInputError } from '@accessledger/core';
import { describe, expect, it } from 'vitest';
import { toId18 } from '../salesforce-id.js';
import { splitIdSpan } from './id-ranges.js';

// Salesforce's PK chunking cuts Id spans on base-62 boundaries, digits 0-9 < A-Z < a-z
// (Bulk API Developer Guide: "PK Chunking").
describe('splitIdSpan', () => {
  it('cuts a span into equal ascending base-62 parts strictly inside it, as 18-character Ids', () => {
    const cuts = splitIdSpan('0Pa000000000000', '0Pa000000000100', 4);
    expect(cuts.map((cut) => cut.slice(0, 15))).toEqual([
      '0Pa0000000000FV',
      '0Pa0000000000V0',
      '0Pa0000000000kV',
    ]);
    expect(cuts.every((cut) => cut === toId18(cut))).toBe(true);
    const sorted = [...cuts].sort();
    expect(sorted).toEqual(cuts);
    expect(cuts[0]! > '0Pa000000000000' && cuts[2]! < '0Pa000000000100').toBe(true);
  });

  it('orders digits before upper case before lower case, as Salesforce Ids sort', () => {
    const [middle] = splitIdSpan('005000000000009', '00500000000000b', 2);
    expect(middle?.slice(0, 15)).toBe('00500000000000N');
  });

  it('accepts 18-character bounds and cuts fewer times when the span is too narrow', () => {
    expect(
      splitIdSpan(toId18('005000000000001'), toId18('005000000000003'), 8).map((id) => id.slice(0, 15)),
    ).toEqual(['005000000000002']);
    expect(splitIdSpan('005000000000001', '005000000000001', 4)).toEqual([]);
    expect(splitIdSpan('005000000000009', '005000000000001', 4)).toEqual([]);
  });

  it('refuses bounds of two objects', () => {
    expect(() => splitIdSpan('005000000000001', '0Pa000000000009', 2)).toThrow(InvalidInputError);
  });
});
