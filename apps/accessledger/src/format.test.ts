import { describe, expect, it } from 'vitest';
import { neutralizeControlCharacters } from './format.js';

describe('neutralizeControlCharacters', () => {
  it('escapes what could move the cursor or reorder the line, and keeps line ends', () => {
    expect(neutralizeControlCharacters('a\u001b[2Jb\u0007c\u202ed')).toBe('a\\u001b[2Jb\\u0007c\\u202ed');
    // A lone carriage return would let a label overwrite its own line; CRLF (CSV, RFC 4180) is a line end.
    expect(neutralizeControlCharacters('safe\roverwritten')).toBe('safe\\u000doverwritten');
    expect(neutralizeControlCharacters('a,b\r\nc,d\r\n')).toBe('a,b\r\nc,d\r\n');
    expect(neutralizeControlCharacters('tab\tnewline\n')).toBe('tab\tnewline\n');
  });
});
