import type { LikePiece } from './literals.js';

/** Matches an already lower-cased value against a LIKE pattern. */
export type LikeMatcher = (lowerCasedValue: string) => boolean;

const ANY_SEQUENCE = 0;
const ANY_CHARACTER = 1;
type PatternUnit = string | typeof ANY_SEQUENCE | typeof ANY_CHARACTER;

/**
 * Compiles a LIKE pattern once per statement. SOQL's LIKE is case-insensitive,
 * `%` matches any run of characters and `_` exactly one ("Comparison
 * Operators"). The common shapes (`abc`, `abc%`, `%abc`, `%abc%`) become plain
 * string tests; anything else runs a small wildcard matcher, no RegExp.
 */
export function compileLike(pieces: readonly LikePiece[]): LikeMatcher {
  const lowered = pieces.map((piece) =>
    typeof piece === 'object' ? { literal: piece.literal.toLowerCase() } : piece,
  );
  const [first, second, third] = lowered;
  if (lowered.length === 0) return (value) => value === '';
  if (lowered.length === 1 && typeof first === 'object') return (value) => value === first.literal;
  if (lowered.every((piece) => piece === 'anySequence')) return () => true;
  if (lowered.length === 2 && typeof first === 'object' && second === 'anySequence') {
    return (value) => value.startsWith(first.literal);
  }
  if (lowered.length === 2 && first === 'anySequence' && typeof second === 'object') {
    return (value) => value.endsWith(second.literal);
  }
  if (
    lowered.length === 3 &&
    first === 'anySequence' &&
    typeof second === 'object' &&
    third === 'anySequence'
  ) {
    return (value) => value.includes(second.literal);
  }
  const units: PatternUnit[] = [];
  for (const piece of lowered) {
    if (piece === 'anySequence') units.push(ANY_SEQUENCE);
    else if (piece === 'anyCharacter') units.push(ANY_CHARACTER);
    else units.push(...piece.literal);
  }
  return (value) => wildcardMatch(value, units);
}

/** Greedy wildcard matching that backtracks to the last `%` seen: linear in practice. */
function wildcardMatch(text: string, units: readonly PatternUnit[]): boolean {
  let textIndex = 0;
  let unitIndex = 0;
  let lastSequence = -1;
  let resumeAt = 0;
  while (textIndex < text.length) {
    const unit = units[unitIndex];
    if (unit === ANY_CHARACTER || (typeof unit === 'string' && unit === text[textIndex])) {
      textIndex++;
      unitIndex++;
    } else if (unit === ANY_SEQUENCE) {
      lastSequence = unitIndex++;
      resumeAt = textIndex;
    } else if (lastSequence >= 0) {
      unitIndex = lastSequence + 1;
      textIndex = ++resumeAt;
    } else {
      return false;
    }
  }
  while (units[unitIndex] === ANY_SEQUENCE) unitIndex++;
  return unitIndex === units.length;
}
