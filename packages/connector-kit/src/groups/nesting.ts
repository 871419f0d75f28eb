/** A group that is a member of another. */
export interface GroupNestingEdge {
  readonly parentId: string;
  readonly childId: string;
}

/**
 * For every nested group, the groups it belongs to directly or through
 * further nesting: a member of group C is effectively a member of each of
 * C's ancestors. A cycle only stops the walk: each group is visited once per
 * start, and a group is never its own ancestor.
 *
 * @example
 * ```ts
 * expandGroupNesting([{ parentId: 'A', childId: 'B' }, { parentId: 'B', childId: 'C' }]);
 * // Map { 'B' => ['A'], 'C' => ['A', 'B'] }
 * ```
 */
export function expandGroupNesting(edges: readonly GroupNestingEdge[]): Map<string, readonly string[]> {
  const parentsOf = new Map<string, string[]>();
  for (const edge of edges) {
    const parents = parentsOf.get(edge.childId) ?? [];
    parents.push(edge.parentId);
    parentsOf.set(edge.childId, parents);
  }
  const ancestors = new Map<string, readonly string[]>();
  for (const start of parentsOf.keys()) {
    const seen = new Set<string>([start]);
    const stack = [...(parentsOf.get(start) ?? [])];
    while (stack.length > 0) {
      const group = stack.pop() as string;
      if (seen.has(group)) continue;
      seen.add(group);
      for (const parent of parentsOf.get(group) ?? []) if (!seen.has(parent)) stack.push(parent);
    }
    seen.delete(start);
    ancestors.set(start, [...seen].sort());
  }
  return ancestors;
}
