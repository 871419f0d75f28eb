import { describe, expect, it } from 'vitest';
import { isSalesforceId, keyPrefix, sameId, toId18 } from './salesforce-id.js';

describe('Salesforce Ids', () => {
  it('adds the case-checksum suffix to a 15-character Id', () => {
    expect(toId18('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(toId18('005000000000001')).toBe('005000000000001AAA');
  });

  it('accepts a correct 18-character Id and rejects a wrong suffix', () => {
    expect(toId18('001A0000006Vm9rIAC')).toBe('001A0000006Vm9rIAC');
    expect(() => toId18('001A0000006Vm9rAAA')).toThrow(/do not match the first 15/);
    expect(isSalesforceId('001A0000006Vm9rAAA')).toBe(false);
  });

  it('rejects anything that is not an Id, saying what one looks like', () => {
    expect(() => toId18("005' OR Name != '")).toThrow(/expected 15 or 18 letters and digits/);
    expect(isSalesforceId('00500000000001')).toBe(false);
  });

  it('treats the 15- and 18-character forms as the same record, case-sensitively', () => {
    expect(sameId('001A0000006Vm9r', '001A0000006Vm9rIAC')).toBe(true);
    expect(sameId('001a0000006Vm9r', '001A0000006Vm9rIAC')).toBe(false);
    expect(keyPrefix('005000000000001AAA')).toBe('005');
  });
});
