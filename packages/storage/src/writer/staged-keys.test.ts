import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StagedKeys } from './staged-keys.js';

/** Key hashes side by side, 32 bytes apart (key hash, then content hash), as the hasher hands them over. */
function pairs(count: number): DataView {
  const bytes = randomBytes(count * 32);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

describe('StagedKeys', () => {
  it('reports no repeat for distinct keys, through several growths of its table', () => {
    const keys = new StagedKeys();
    const hashes = pairs(50_000);
    for (let index = 0; index < 50_000; index += 1) keys.add(hashes, index * 32);
    expect(keys.repeats).toBe(false);
  });

  it('reports a repeat added long after the first, past growths of its table', () => {
    const keys = new StagedKeys();
    const hashes = pairs(20_000);
    for (let index = 0; index < 20_000; index += 1) keys.add(hashes, index * 32);
    expect(keys.repeats).toBe(false);
    keys.add(hashes, 3 * 32);
    expect(keys.repeats).toBe(true);
  });

  it('tells keys apart by their first 64 bits only, and keeps an all-zero key', () => {
    const keys = new StagedKeys();
    const zero = new DataView(new ArrayBuffer(32));
    keys.add(zero, 0);
    expect(keys.repeats).toBe(false);
    // Differs from the zero key only after its first 8 bytes: taken for a repeat (the safe side).
    const late = new DataView(new ArrayBuffer(32));
    late.setUint8(12, 7);
    keys.add(late, 0);
    expect(keys.repeats).toBe(true);
  });
});
