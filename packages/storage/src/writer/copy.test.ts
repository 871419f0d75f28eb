import { describe, expect, it } from 'vitest';
import { singleBinaryCopyValue } from './copy.js';

// The layout of PostgreSQL's binary COPY output: the COPY reference page, "File Formats", "Binary Format".
const header = (extension = Buffer.alloc(0)): Buffer => {
  const fixed = Buffer.alloc(8);
  fixed.writeUInt32BE(extension.length, 4);
  return Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), fixed, extension]);
};
const int16 = (value: number): Buffer => {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
};
const int32 = (value: number): Buffer => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
};
const tuple = (value: Buffer | null): Buffer =>
  Buffer.concat([int16(1), int32(value ? value.length : -1), value ?? Buffer.alloc(0)]);
const TRAILER = int16(-1);

describe('singleBinaryCopyValue', () => {
  it('reads the one field of the one tuple, past a header extension', () => {
    const value = Buffer.from([0, 1, 2, 0xff, 10, 13]);
    expect(
      Buffer.from(singleBinaryCopyValue(Buffer.concat([header(), tuple(value), TRAILER])) ?? []),
    ).toEqual(value);
    const extended = Buffer.concat([header(Buffer.from('ext')), tuple(value), TRAILER]);
    expect(Buffer.from(singleBinaryCopyValue(extended) ?? [])).toEqual(value);
  });

  it('reads NULL as null', () => {
    expect(singleBinaryCopyValue(Buffer.concat([header(), tuple(null), TRAILER]))).toBeNull();
  });

  it('refuses output that is not exactly one tuple of one field', () => {
    const value = Buffer.from('abc');
    expect(() => singleBinaryCopyValue(Buffer.from('abc\tdef\n'))).toThrow(/no signature/);
    expect(() => singleBinaryCopyValue(Buffer.concat([header(), TRAILER]))).toThrow(/-1 fields, not 1/);
    expect(() =>
      singleBinaryCopyValue(Buffer.concat([header(), tuple(value), tuple(value), TRAILER])),
    ).toThrow(/more than one tuple/);
    expect(() =>
      singleBinaryCopyValue(Buffer.concat([header(), int16(1), int32(10), value, TRAILER])),
    ).toThrow(/truncated field/);
    expect(() =>
      singleBinaryCopyValue(Buffer.concat([header(), int16(2), int32(3), value, int32(3), value, TRAILER])),
    ).toThrow(/2 fields/);
  });
});
