import { describe, expect, it } from 'vitest';
import { median, percentile } from './statistics.js';

describe('statistics', () => {
  it('takes the median of values in any order, the mean of the middle two for an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBe(0);
  });

  it('takes a percentile of sorted values at the nearest rank at or below it', () => {
    const sorted = [10, 20, 30, 40];
    expect(percentile(sorted, 0.5)).toBe(30);
    expect(percentile(sorted, 0.99)).toBe(40);
    expect(percentile(sorted, 0)).toBe(10);
    expect(percentile([], 0.5)).toBe(0);
  });
});
