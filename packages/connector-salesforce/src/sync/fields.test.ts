import { describe, expect, it } from 'vitest';
import { dateTime } from './fields.js';

// REST API Developer Guide, "Valid Date and DateTime Formats": Salesforce writes
// `2026-03-01T12:00:00.000+0000`, an offset without a colon.
describe('dateTime', () => {
  const read = (value: unknown) => dateTime({ CreatedDate: value }, 'CreatedDate')?.toISOString() ?? null;

  it('reads the UTC form Salesforce writes', () => {
    expect(read('2026-03-01T12:00:00.000+0000')).toBe('2026-03-01T12:00:00.000Z');
  });

  it('reads other offsets, with or without a colon, and Z', () => {
    expect(read('2026-03-01T12:00:00.000+0530')).toBe('2026-03-01T06:30:00.000Z');
    expect(read('2026-03-01T12:00:00.000-0800')).toBe('2026-03-01T20:00:00.000Z');
    expect(read('2026-03-01T12:00:00.000+05:30')).toBe('2026-03-01T06:30:00.000Z');
    expect(read('2026-03-01T12:00:00Z')).toBe('2026-03-01T12:00:00.000Z');
  });

  it('reads nothing from an empty, missing or unparseable value', () => {
    expect(read('')).toBeNull();
    expect(read(null)).toBeNull();
    expect(read(42)).toBeNull();
    expect(read('not a date at all +0000')).toBeNull();
    expect(read('2026-13-45T99:00:00.000+0000')).toBeNull();
  });
});
