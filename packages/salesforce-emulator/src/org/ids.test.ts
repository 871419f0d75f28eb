import { describe, expect, it } from 'vitest';
import { IdMinter, idChecksum, isSalesforceId, toId18 } from './ids.js';

describe('Salesforce Ids', () => {
  it('computes the documented case-safety suffix', () => {
    // The REST API guide's sample Account Id in both forms.
    expect(idChecksum('001D000000K0fXO')).toBe('IAZ');
    expect(toId18('001D000000K0fXO')).toBe('001D000000K0fXOIAZ');
  });

  it('accepts an 18-character Id whatever the casing of its suffix and rejects a wrong suffix', () => {
    expect(toId18('001D000000K0fXOiaz')).toBe('001D000000K0fXOIAZ');
    expect(isSalesforceId('001D000000K0fXOAAA')).toBe(false);
    expect(isSalesforceId('not-an-id')).toBe(false);
  });

  it('mints distinct, valid Ids with the key prefix', () => {
    const minter = new IdMinter('8d');
    const first = minter.next('005');
    const second = minter.next('005');
    expect(first).not.toBe(second);
    expect(first.startsWith('0058d0')).toBe(true);
    expect(isSalesforceId(first)).toBe(true);
    expect(toId18(first.slice(0, 15))).toBe(first);
  });
});
