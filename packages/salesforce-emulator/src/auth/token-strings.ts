import { randomBytes } from 'node:crypto';

// Salesforce's opaque credentials share an alphabet of letters, digits, `.` and `_`;
// the shapes below mirror the prefixes a real org hands out so that clients that
// sniff them (e.g. "an access token starts with the 15-character org Id and `!`") work.
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._';

function randomTokenText(length: number): string {
  const bytes = randomBytes(length);
  let text = '';
  for (const byte of bytes) text += TOKEN_ALPHABET[byte % TOKEN_ALPHABET.length];
  return text;
}

/** `00Dxx0000001gPL!AQ…`: the org's 15-character Id, `!`, then an opaque session part. */
export function newAccessToken(orgId: string): string {
  return `${orgId.slice(0, 15)}!AQ${randomTokenText(110)}`;
}

/** `5Aep861…`, as Salesforce's refresh tokens begin. */
export function newRefreshToken(): string {
  return `5Aep861${randomTokenText(80)}`;
}

/** `aPrx…==`: authorization codes are base64 with padding, so they must be URL-encoded in the callback. */
export function newAuthorizationCode(): string {
  return `aPrx${randomBytes(48).toString('base64')}==`;
}

/** Consumer keys start with `3MVG9`. */
export function newConsumerKey(): string {
  return `3MVG9${randomTokenText(80)}`;
}

/** Consumer secrets are long upper-case hex strings. */
export function newConsumerSecret(): string {
  return randomBytes(32).toString('hex').toUpperCase();
}
