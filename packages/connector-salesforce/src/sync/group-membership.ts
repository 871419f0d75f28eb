import { expandGroupNesting, type GroupNestingEdge } from '@accessledger/connector-kit';

/**
 * Group types whose membership is listed in GroupMember and that accessledger
 * reports as entitlements: public groups (Type 'Regular') and queues.
 */
export const MEMBER_LISTED_GROUP_TYPES = ['Regular', 'Queue'] as const;

/**
 * Group types whose members Salesforce derives from the role hierarchy or the
 * whole org (Object Reference "Group": Role, RoleAndSubordinates,
 * RoleAndSubordinatesInternal, Organization; Group.RelatedId is the UserRole).
 */
export const DERIVED_GROUP_TYPES = [
  'Role',
  'RoleAndSubordinates',
  'RoleAndSubordinatesInternal',
  'Organization',
] as const;

export interface GroupRow {
  readonly id: string;
  readonly type: string;
  /** The UserRole of a role group. */
  readonly relatedId: string | null;
}

export interface RoleRow {
  readonly id: string;
  readonly parentRoleId: string | null;
  /** UserRole.PortalType: 'None' (or null) for internal roles; Partner, CustomerPortal… for portal roles. */
  readonly portalType: string | null;
}

/** The users Salesforce counts in derived groups, gathered while users stream by. */
export class RoleMembers {
  private readonly usersByRole = new Map<string, string[]>();
  private readonly internalUsers: string[] = [];

  /** `internal`: the user is not a portal, community or guest user (they are outside Organization groups). */
  add(userId: string, roleId: string | null, internal: boolean): void {
    if (roleId) {
      const users = this.usersByRole.get(roleId) ?? [];
      users.push(userId);
      this.usersByRole.set(roleId, users);
    }
    if (internal) this.internalUsers.push(userId);
  }

  usersInRole(roleId: string): readonly string[] {
    return this.usersByRole.get(roleId) ?? [];
  }

  allInternalUsers(): readonly string[] {
    return this.internalUsers;
  }
}

const isPortalRole = (role: RoleRow | undefined): boolean =>
  role !== undefined && role.portalType !== null && role.portalType !== 'None';

/**
 * Which groups hold which, and who is in a derived group. Public groups and
 * queues nest (a member may be another public group, a role group or the
 * organization group); a user in a nested group is effectively a member of
 * every group above it. Cycles and deep nesting are safe: each walk visits a
 * group or a role once.
 */
export class GroupMembership {
  readonly groups: ReadonlyMap<string, GroupRow>;
  /** Group Id → every member-listed group (public group or queue) it is nested in, directly or not. */
  readonly ancestors: ReadonlyMap<string, readonly string[]>;
  private readonly childRoles = new Map<string, string[]>();
  private readonly roles: ReadonlyMap<string, RoleRow>;

  constructor(groups: readonly GroupRow[], roles: readonly RoleRow[], edges: readonly GroupNestingEdge[]) {
    this.groups = new Map(groups.map((group) => [group.id, group]));
    this.roles = new Map(roles.map((role) => [role.id, role]));
    for (const role of roles) {
      if (!role.parentRoleId) continue;
      const children = this.childRoles.get(role.parentRoleId) ?? [];
      children.push(role.id);
      this.childRoles.set(role.parentRoleId, children);
    }
    const listed = new Set<string>(MEMBER_LISTED_GROUP_TYPES);
    const known = edges.filter(
      (edge) => listed.has(this.groups.get(edge.parentId)?.type ?? '') && this.groups.has(edge.childId),
    );
    this.ancestors = expandGroupNesting(known);
  }

  /** Derived groups that sit (directly or not) in a public group or queue: the ones whose users are expanded. */
  nestedDerivedGroups(): GroupRow[] {
    const derived = new Set<string>(DERIVED_GROUP_TYPES);
    return [...this.ancestors.keys()]
      .map((id) => this.groups.get(id))
      .filter((group): group is GroupRow => group !== undefined && derived.has(group.type));
  }

  /** The users of a derived group (Object Reference "Group", "UserRole"). */
  membersOf(group: GroupRow, users: RoleMembers): string[] {
    switch (group.type) {
      case 'Organization':
        return [...users.allInternalUsers()];
      case 'Role':
        return group.relatedId ? [...users.usersInRole(group.relatedId)] : [];
      case 'RoleAndSubordinates':
        return this.subtreeUsers(group.relatedId, users, false);
      case 'RoleAndSubordinatesInternal':
        return this.subtreeUsers(group.relatedId, users, true);
      default:
        return [];
    }
  }

  private subtreeUsers(roleId: string | null, users: RoleMembers, internalOnly: boolean): string[] {
    if (!roleId) return [];
    const members: string[] = [];
    const seen = new Set<string>();
    const stack = [roleId];
    while (stack.length > 0) {
      const current = stack.pop() as string;
      if (seen.has(current)) continue;
      seen.add(current);
      // The Internal variant leaves out portal roles (and the portal roles below them).
      if (internalOnly && isPortalRole(this.roles.get(current))) continue;
      members.push(...users.usersInRole(current));
      for (const child of this.childRoles.get(current) ?? []) if (!seen.has(child)) stack.push(child);
    }
    return members;
  }
}
