/**
 * Salesforce record Ids: a 15-character case-sensitive form and an 18-character
 * case-insensitive form whose last three characters encode, five characters at
 * a time, which of the first fifteen are upper case.
 * (Object Reference guide, "ID Field Type"; the suffix algorithm is the one
 * documented for `CASESAFEID` and the SOAP API "ID" field type.)
 */

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_CHARS = /^[a-zA-Z0-9]{15}(?:[A-Za-z0-5]{3})?$/;

/** The three-character case-safety suffix of a 15-character Id. */
export function idChecksum(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let position = 0; position < 5; position++) {
      const char = id15.charCodeAt(chunk * 5 + position);
      if (char >= 65 && char <= 90) bits |= 1 << position;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return suffix;
}

/** True for a syntactically valid 15- or 18-character Id (an 18-char Id must carry its own checksum). */
export function isSalesforceId(value: string): boolean {
  if (!ID_CHARS.test(value)) return false;
  if (value.length === 15) return true;
  return idChecksum(value.slice(0, 15)) === value.slice(15).toUpperCase();
}

/**
 * The canonical 18-character form of a 15- or 18-character Id, or `undefined`
 * when the value is not an Id. An 18-character Id is re-derived from its first
 * fifteen characters so that its suffix casing never matters.
 */
export function toId18(value: string): string | undefined {
  if (!isSalesforceId(value)) return undefined;
  const id15 = value.slice(0, 15);
  return id15 + idChecksum(id15);
}

/**
 * Mints Ids for one org: key prefix + two-character instance code + a reserved
 * `0` + a nine-character base-62 counter per key prefix, then the checksum.
 */
export class IdMinter {
  private readonly counters = new Map<string, number>();

  constructor(private readonly instanceCode: string = '8d') {
    if (!/^[0-9A-Za-z]{2}$/.test(instanceCode)) {
      throw new Error(`instanceCode must be two base-62 characters, got '${instanceCode}'`);
    }
  }

  next(keyPrefix: string): string {
    const counter = (this.counters.get(keyPrefix) ?? 0) + 1;
    this.counters.set(keyPrefix, counter);
    return this.format(keyPrefix, counter);
  }

  /** An Id with a fixed counter value, e.g. the org's own `00D` Id. */
  format(keyPrefix: string, counter: number): string {
    let digits = '';
    let remaining = counter;
    for (let index = 0; index < 9; index++) {
      digits = BASE62[remaining % 62] + digits;
      remaining = Math.floor(remaining / 62);
    }
    const id15 = `${keyPrefix}${this.instanceCode}0${digits}`;
    return id15 + idChecksum(id15);
  }
}
