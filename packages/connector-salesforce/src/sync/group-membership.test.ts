import { describe, expect, it } from 'vitest';
import { GroupMembership, RoleMembers, type GroupRow } from './group-membership.js';

describe('GroupMembership', () => {
  it('stays safe on deep nesting and a deep role hierarchy, both with cycles', () => {
    const depth = 1_000;
    const groups: GroupRow[] = Array.from({ length: depth }, (_, index) => ({
      id: `G${index}`,
      type: 'Regular',
      relatedId: null,
    }));
    groups.push({ id: 'D', type: 'RoleAndSubordinatesInternal', relatedId: 'R0' });
    // G0 ⊃ G1 ⊃ … ⊃ G999 ⊃ D, and G999 ⊃ G0 closes a cycle.
    const edges = groups
      .slice(1, depth)
      .map((group, index) => ({ parentId: `G${index}`, childId: group.id }));
    edges.push({ parentId: `G${depth - 1}`, childId: 'D' }, { parentId: `G${depth - 1}`, childId: 'G0' });
    const roles = Array.from({ length: depth }, (_, index) => ({
      id: `R${index}`,
      parentRoleId: index === 0 ? null : `R${index - 1}`,
      portalType: index === depth - 1 ? 'Partner' : 'None',
    }));
    // A cycle in the role tree too (R0 under the last role) must not loop.
    roles[0] = { id: 'R0', parentRoleId: `R${depth - 1}`, portalType: 'None' };
    const membership = new GroupMembership(groups, roles, edges);
    const users = new RoleMembers();
    users.add('U-top', 'R0', true);
    users.add('U-deep', `R${depth - 2}`, true);
    users.add('U-portal', `R${depth - 1}`, false);
    const [derived] = membership.nestedDerivedGroups();
    expect(derived?.id).toBe('D');
    expect(membership.membersOf(derived ?? groups[0]!, users).sort()).toEqual(['U-deep', 'U-top']);
    expect(membership.ancestors.get('D')).toHaveLength(depth);
    expect(membership.ancestors.get('G0')).not.toContain('G0');
  });
});
