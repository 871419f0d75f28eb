import { InvalidInputError } from '@accessledger/core';
import { toId18 } from '../salesforce-id.js';

/**
 * Salesforce record Ids as numbers, to split an object's Id space into
 * ranges. An Id is a three-character key prefix followed by base-62 digits
 * in the order 0–9, A–Z, a–z; Salesforce's own primary-key chunking splits a
 * table on exactly such "base-62 ID boundaries" (`Id >= 001300000000000 AND
 * Id < 00130000000132G`, Bulk API 2.0 and Bulk API Developer Guide: "PK
 * Chunking"). Boundaries need not be Ids of existing records.
 */
const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE = 62n;
/** Characters after the key prefix in a 15-character Id. */
const BODY_LENGTH = 12;

function bodyValue(id15: string): bigint {
  let value = 0n;
  for (const char of id15.slice(3)) {
    const digit = DIGITS.indexOf(char);
    if (digit < 0) throw new InvalidInputError(`"${id15}" is not a Salesforce Id: "${char}" is not base 62.`);
    value = value * BASE + BigInt(digit);
  }
  return value;
}

function bodyText(value: bigint): string {
  let text = '';
  let rest = value;
  for (let position = 0; position < BODY_LENGTH; position += 1) {
    text = DIGITS.charAt(Number(rest % BASE)) + text;
    rest /= BASE;
  }
  return text;
}

/**
 * `parts - 1` Ids strictly between `low` and `high` (same key prefix) that cut
 * the Id space between them into `parts` equal spans, in ascending order, as
 * 18-character Ids. Fewer when the span is too narrow to cut that often.
 *
 * @example
 * ```ts
 * splitIdSpan('0Pa000000000000', '0Pa0000000000zz', 2); // one Id, 0Pa0000000000Uz plus its suffix: half-way
 * ```
 */
export function splitIdSpan(low: string, high: string, parts: number): string[] {
  const low15 = toId18(low).slice(0, 15);
  const high15 = toId18(high).slice(0, 15);
  if (low15.slice(0, 3) !== high15.slice(0, 3)) {
    throw new InvalidInputError(
      `Ids ${low} and ${high} belong to different objects; an Id span has one key prefix.`,
    );
  }
  const from = bodyValue(low15);
  const to = bodyValue(high15);
  const cuts: string[] = [];
  if (to <= from || parts < 2) return cuts;
  const span = to - from;
  let previous = from;
  for (let part = 1; part < parts; part += 1) {
    const cut = from + (span * BigInt(part)) / BigInt(parts);
    if (cut <= previous || cut >= to) continue;
    cuts.push(toId18(low15.slice(0, 3) + bodyText(cut)));
    previous = cut;
  }
  return cuts;
}
