import { describe, expect, it } from 'vitest';
import { expandGroupNesting } from './nesting.js';

describe('expandGroupNesting', () => {
  it('gives every nested group its ancestors through any depth', () => {
    const ancestors = expandGroupNesting([
      { parentId: 'A', childId: 'B' },
      { parentId: 'B', childId: 'C' },
      { parentId: 'D', childId: 'C' },
    ]);
    expect(ancestors.get('C')).toEqual(['A', 'B', 'D']);
    expect(ancestors.get('B')).toEqual(['A']);
    expect(ancestors.has('A')).toBe(false);
  });

  it('survives a cycle and never makes a group its own ancestor', () => {
    const ancestors = expandGroupNesting([
      { parentId: 'A', childId: 'B' },
      { parentId: 'B', childId: 'A' },
    ]);
    expect(ancestors.get('A')).toEqual(['B']);
    expect(ancestors.get('B')).toEqual(['A']);
  });
});
