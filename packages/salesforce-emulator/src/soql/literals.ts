/**
 * SOQL literal values: quoted strings with their escapes, Ids, dates and
 * datetimes. Everything here runs once per statement, never per row.
 */

/** "SOQL and SOSL Limits": each string in a WHERE clause holds at most 4,000 characters. */
export const MAX_STRING_LITERAL_LENGTH = 4000;

/**
 * Escapes of "Quoted String Escape Sequences" (SOQL reference). `\b` is
 * documented as "Bell" there, so it decodes to U+0007.
 */
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  N: '\n',
  r: '\r',
  R: '\r',
  t: '\t',
  T: '\t',
  b: '\u0007',
  B: '\u0007',
  f: '\f',
  F: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

/** A piece of a decoded LIKE pattern: literal text, or the `%` / `_` wildcards. */
export type LikePiece = { readonly literal: string } | 'anySequence' | 'anyCharacter';

function isHexDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/**
 * Walks a quoted literal (`'it\'s'`) and hands each decoded unit to `emit`.
 * Returns a description of the first problem instead of throwing, so the
 * statement check can place it.
 */
function walkStringLiteral(
  quoted: string,
  inLike: boolean,
  emit: (piece: LikePiece) => void,
): string | undefined {
  const body = quoted.slice(1, -1);
  for (let index = 0; index < body.length; index++) {
    const char = body.charAt(index);
    if (char === '%' && inLike) {
      emit('anySequence');
      continue;
    }
    if (char === '_' && inLike) {
      emit('anyCharacter');
      continue;
    }
    if (char !== '\\') {
      emit({ literal: char });
      continue;
    }
    const next = body.charAt(index + 1);
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      emit({ literal: simple });
      index++;
    } else if ((next === '%' || next === '_') && inLike) {
      emit({ literal: next });
      index++;
    } else if (next === 'u' && [2, 3, 4, 5].every((offset) => isHexDigit(body.charCodeAt(index + offset)))) {
      emit({ literal: String.fromCharCode(Number.parseInt(body.slice(index + 2, index + 6), 16)) });
      index += 5;
    } else {
      return (
        `Invalid string literal '${quoted}'. Illegal character sequence '\\${next}' in string literal. ` +
        `Valid escapes are \\n \\r \\t \\b \\f \\" \\' \\\\ and \\uXXXX (and \\% \\_ inside LIKE).`
      );
    }
  }
  return undefined;
}

/** Undefined when the literal is valid; otherwise why it is not (bad escape, over 4,000 characters). */
export function checkStringLiteral(quoted: string, inLike: boolean): string | undefined {
  let length = 0;
  const problem = walkStringLiteral(quoted, inLike, () => length++);
  if (problem !== undefined) return problem;
  if (length > MAX_STRING_LITERAL_LENGTH) {
    return (
      `String literal too long: ${length} characters. Each string in a WHERE clause is limited to ` +
      `${MAX_STRING_LITERAL_LENGTH} characters (SOQL and SOSL Limits); split the condition or use a semi-join.`
    );
  }
  return undefined;
}

/** The text of a quoted SOQL string, escapes resolved. The statement check has already validated it. */
export function decodeString(quoted: string): string {
  let text = '';
  walkStringLiteral(quoted, false, (piece) => {
    if (typeof piece === 'object') text += piece.literal;
  });
  return text;
}

/** A LIKE pattern as pieces: wildcards apart from escaped `\%` / `\_`, which stay literal. */
export function decodeLikePattern(quoted: string): LikePiece[] {
  const pieces: LikePiece[] = [];
  walkStringLiteral(quoted, true, (piece) => {
    const last = pieces[pieces.length - 1];
    if (typeof piece === 'object' && last !== undefined && typeof last === 'object') {
      pieces[pieces.length - 1] = { literal: last.literal + piece.literal };
    } else {
      pieces.push(piece);
    }
  });
  return pieces;
}

function isAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** 15 or 18 letters and digits: the shape of a record Id. */
export function looksLikeId(value: string): boolean {
  if (value.length !== 15 && value.length !== 18) return false;
  for (let index = 0; index < value.length; index++) {
    if (!isAlphanumeric(value.charCodeAt(index))) return false;
  }
  return true;
}

/**
 * The case-sensitive 15-character form Ids are compared on: an 18-character
 * Id is its 15-character form plus a case-checksum suffix ("ID Field Type").
 */
export function idKey(id: string): string {
  return id.length > 15 ? id.slice(0, 15) : id;
}

const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** Code of the suffix character for chunk 0-2 of an Id: a bit per upper-case letter among its five characters. */
function checksumCode(id: string, chunk: number): number {
  let bits = 0;
  for (let position = 0; position < 5; position++) {
    const code = id.charCodeAt(chunk * 5 + position);
    if (code >= 65 && code <= 90) bits |= 1 << position;
  }
  return CHECKSUM_ALPHABET.charCodeAt(bits);
}

/** The three-character case-safety suffix of a 15-character Id ("ID Field Type"). */
export function idChecksum(id15: string): string {
  return String.fromCharCode(checksumCode(id15, 0), checksumCode(id15, 1), checksumCode(id15, 2));
}

/**
 * The canonical 18-character form: the first 15 characters (case-sensitive)
 * plus their checksum. Two Ids are the same record exactly when their
 * canonical forms are equal, and canonical forms sort as their 15-character
 * forms do. Used for literals of the statement, whatever suffix they carry.
 */
export function canonicalId(id: string): string {
  if (id.length < 15) return id;
  const id15 = id.length === 15 ? id : id.slice(0, 15);
  const canonical = id15 + idChecksum(id15);
  return canonical === id ? id : canonical;
}

function isChecksumCharacter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 48 && code <= 53);
}

/**
 * `canonicalId` for values read from records, on the hot path of every row:
 * an 18-character Id whose suffix is made of checksum characters (A-Z, 0-5)
 * is taken as canonical and returned as is, so comparing 500,000 rows
 * allocates nothing and hits strings whose hash V8 has already cached. The
 * store writes canonical Ids, as Salesforce does; a 15-character Id or a
 * suffix in the wrong case (`...iaz`) is still converted.
 */
export function canonicalStoredId(id: string): string {
  if (
    id.length === 18 &&
    isChecksumCharacter(id.charCodeAt(15)) &&
    isChecksumCharacter(id.charCodeAt(16)) &&
    isChecksumCharacter(id.charCodeAt(17))
  ) {
    return id;
  }
  return canonicalId(id);
}

const MILLIS_PER_DAY = 86_400_000;

function digits(text: string, start: number, count: number): number | undefined {
  let value = 0;
  for (let index = start; index < start + count; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return undefined;
    value = value * 10 + (code - 48);
  }
  return value;
}

/** Days since 1970-01-01 for a valid `YYYY-MM-DD`, else undefined. */
export function parseDateLiteral(text: string): number | undefined {
  if (text.length !== 10 || text[4] !== '-' || text[7] !== '-') return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (year === undefined || month === undefined || day === undefined) return undefined;
  const millis = Date.UTC(year, month - 1, day);
  const check = new Date(millis);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return millis / MILLIS_PER_DAY;
}

/**
 * Milliseconds for a SOQL dateTime literal: `YYYY-MM-DDThh:mm:ss` with an
 * optional `.SSS` fraction, then `Z`, `±hh:mm` or `±hhmm` ("Date Formats and
 * Date Literals in WHERE").
 */
export function parseDatetimeLiteral(text: string): number | undefined {
  const day = parseDateLiteral(text.slice(0, 10));
  if (day === undefined || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return undefined;
  const hours = digits(text, 11, 2);
  const minutes = digits(text, 14, 2);
  const seconds = digits(text, 17, 2);
  if (hours === undefined || minutes === undefined || seconds === undefined) return undefined;
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  let cursor = 19;
  let millis = 0;
  if (text[cursor] === '.') {
    let end = cursor + 1;
    while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
    const fraction = text.slice(cursor + 1, end);
    if (fraction.length === 0) return undefined;
    millis = Math.floor(Number(`0.${fraction}`) * 1000);
    cursor = end;
  }
  let offsetMinutes = 0;
  const zone = text.slice(cursor);
  if (zone !== 'Z') {
    const sign = zone[0] === '+' ? 1 : zone[0] === '-' ? -1 : 0;
    const compact = zone.length === 5;
    const zoneHours = digits(zone, 1, 2);
    const zoneMinutes = digits(zone, compact ? 3 : 4, 2);
    if (sign === 0 || zoneHours === undefined || zoneMinutes === undefined) return undefined;
    if (!compact && (zone.length !== 6 || zone[3] !== ':')) return undefined;
    offsetMinutes = sign * (zoneHours * 60 + zoneMinutes);
  }
  return day * MILLIS_PER_DAY + ((hours * 60 + minutes - offsetMinutes) * 60 + seconds) * 1000 + millis;
}

/** The wire form records hold: `YYYY-MM-DDTHH:mm:ss.SSS+0000`. Lexical order is chronological order. */
export function toWireDatetime(millis: number): string {
  return `${new Date(millis).toISOString().slice(0, 23)}+0000`;
}

/** `YYYY-MM-DD` of a day number. */
export function toWireDate(day: number): string {
  return new Date(day * MILLIS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * A stored datetime in wire form as-is; anything else the store may hold
 * (`Z`, no millis) normalised so string comparison stays chronological.
 */
export function canonicalDatetime(value: string): string {
  if (value.length === 28 && value.endsWith('+0000') && value[19] === '.') return value;
  const millis = parseDatetimeLiteral(value);
  return millis === undefined ? value : toWireDatetime(millis);
}

/** A date literal's range in days since the epoch, end exclusive. */
export interface DayRange {
  readonly startDay: number;
  readonly endDay: number;
}

function monthStartDay(year: number, monthIndex: number): number {
  return Date.UTC(year, monthIndex, 1) / MILLIS_PER_DAY;
}

/**
 * The range a date literal stands for, evaluated in UTC with weeks starting on
 * Sunday (the en_US locale), as listed in "Date Formats and Date Literals in
 * WHERE". `LAST_N_DAYS:n` and `LAST_90_DAYS` include today; `NEXT_N_DAYS:n`
 * starts tomorrow. Fiscal literals are not handled (undefined).
 */
export function dateLiteralRange(literal: string, n: number, now: Date): DayRange | undefined {
  const today = Math.floor(now.getTime() / MILLIS_PER_DAY);
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const weekStart = today - now.getUTCDay();
  const quarterMonth = month - (month % 3);
  const months = (offset: number, count: number): DayRange => ({
    startDay: monthStartDay(year, month + offset),
    endDay: monthStartDay(year, month + offset + count),
  });
  const quarters = (offset: number, count: number): DayRange => ({
    startDay: monthStartDay(year, quarterMonth + 3 * offset),
    endDay: monthStartDay(year, quarterMonth + 3 * (offset + count)),
  });
  const years = (offset: number, count: number): DayRange => ({
    startDay: monthStartDay(year + offset, 0),
    endDay: monthStartDay(year + offset + count, 0),
  });
  const days = (startDay: number, count: number): DayRange => ({ startDay, endDay: startDay + count });
  const weeks = (offset: number, count: number): DayRange => days(weekStart + 7 * offset, 7 * count);
  switch (literal) {
    case 'YESTERDAY':
      return days(today - 1, 1);
    case 'TODAY':
      return days(today, 1);
    case 'TOMORROW':
      return days(today + 1, 1);
    case 'LAST_WEEK':
      return weeks(-1, 1);
    case 'THIS_WEEK':
      return weeks(0, 1);
    case 'NEXT_WEEK':
      return weeks(1, 1);
    case 'LAST_MONTH':
      return months(-1, 1);
    case 'THIS_MONTH':
      return months(0, 1);
    case 'NEXT_MONTH':
      return months(1, 1);
    case 'LAST_90_DAYS':
      return days(today - 90, 91);
    case 'NEXT_90_DAYS':
      return days(today + 1, 90);
    case 'THIS_QUARTER':
      return quarters(0, 1);
    case 'LAST_QUARTER':
      return quarters(-1, 1);
    case 'NEXT_QUARTER':
      return quarters(1, 1);
    case 'THIS_YEAR':
      return years(0, 1);
    case 'LAST_YEAR':
      return years(-1, 1);
    case 'NEXT_YEAR':
      return years(1, 1);
    case 'LAST_N_DAYS':
      return days(today - n, n + 1);
    case 'NEXT_N_DAYS':
      return days(today + 1, n);
    case 'N_DAYS_AGO':
      return days(today - n, 1);
    case 'LAST_N_WEEKS':
      return weeks(-n, n);
    case 'NEXT_N_WEEKS':
      return weeks(1, n);
    case 'N_WEEKS_AGO':
      return weeks(-n, 1);
    case 'LAST_N_MONTHS':
      return months(-n, n);
    case 'NEXT_N_MONTHS':
      return months(1, n);
    case 'N_MONTHS_AGO':
      return months(-n, 1);
    case 'LAST_N_QUARTERS':
      return quarters(-n, n);
    case 'NEXT_N_QUARTERS':
      return quarters(1, n);
    case 'N_QUARTERS_AGO':
      return quarters(-n, 1);
    case 'LAST_N_YEARS':
      return years(-n, n);
    case 'NEXT_N_YEARS':
      return years(1, n);
    case 'N_YEARS_AGO':
      return years(-n, 1);
    default:
      return undefined;
  }
}

export const MILLIS_IN_DAY = MILLIS_PER_DAY;
