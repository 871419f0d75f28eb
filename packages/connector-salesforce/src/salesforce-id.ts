import { InvalidInputError } from '@accessledger/core';

/**
 * Salesforce record Ids: 15 case-sensitive characters, or 18 with a
 * three-character suffix that encodes the case of the first 15, so that the
 * 18-character form survives case-insensitive systems. Both name the same
 * record. (Salesforce Help: "What is a Salesforce ID?"; the suffix algorithm
 * is the one documented for the CASESAFEID() function.)
 */
const ID_PATTERN = /^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$/;
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The 18-character form of a valid 15- or 18-character Id. */
export function toId18(id: string): string {
  if (!ID_PATTERN.test(id)) {
    throw new InvalidInputError(
      `"${id}" is not a Salesforce Id: expected 15 or 18 letters and digits, e.g. 005000000000001AAA.`,
    );
  }
  if (id.length === 18) {
    const canonical = id.slice(0, 15) + checksumSuffix(id.slice(0, 15));
    if (canonical !== id) {
      throw new InvalidInputError(
        `"${id}" is not a Salesforce Id: its last three characters do not match the first 15.`,
      );
    }
    return id;
  }
  return id + checksumSuffix(id);
}

export function isSalesforceId(value: string): boolean {
  if (!ID_PATTERN.test(value)) return false;
  return value.length === 15 || value.slice(15) === checksumSuffix(value.slice(0, 15));
}

/** Whether two Ids (15 or 18 characters) name the same record. */
export function sameId(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}

/** The three-character object prefix, e.g. `005` for User. */
export function keyPrefix(id: string): string {
  return id.slice(0, 3);
}

function checksumSuffix(id15: string): string {
  let suffix = '';
  for (let block = 0; block < 3; block += 1) {
    let bits = 0;
    for (let position = 0; position < 5; position += 1) {
      const char = id15.charAt(block * 5 + position);
      if (char >= 'A' && char <= 'Z') bits |= 1 << position;
    }
    suffix += SUFFIX_ALPHABET.charAt(bits);
  }
  return suffix;
}
