import { randomUUID } from 'node:crypto';
import { ScimProtocolError } from './errors.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export type ResourceKind = 'User' | 'Group';

/** A resource's client-visible attributes, without `id`, `meta` and computed ones (a user's `groups`). */
export type Attributes = Record<string, unknown>;

export interface StoredResource {
  readonly id: string;
  readonly kind: ResourceKind;
  attributes: Attributes;
  /** Bumped by every change; `meta.version` and the ETag are `W/"<version>"` (RFC 7644 §3.14). */
  version: number;
  readonly created: string;
  lastModified: string;
}

export interface GroupMember {
  readonly value: string;
  readonly type?: string;
  readonly display?: string;
}

/** Attributes the service provider assigns: a client's values are ignored on PUT and refused on PATCH (RFC 7643 §2.2 readOnly). */
export const READ_ONLY = new Set(['id', 'meta', 'groups', 'schemas']);

/**
 * What the service provider holds. Users' `userName` is unique without case
 * (RFC 7643 §4.1.1: "uniqueness" server, caseExact false); a group's members
 * are users or groups (RFC 7643 §4.2), so groups nest.
 */
export class ScimStore {
  readonly users = new Map<string, StoredResource>();
  readonly groups = new Map<string, StoredResource>();
  private clock = Date.UTC(2026, 0, 1);
  /** Member id → ids of the groups it is directly in; rebuilt after any change. */
  private parents: Map<string, string[]> | null = null;

  constructor(private readonly uniqueGroupNames: boolean = false) {}

  private now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  table(kind: ResourceKind): Map<string, StoredResource> {
    return kind === 'User' ? this.users : this.groups;
  }

  get(kind: ResourceKind, id: string): StoredResource {
    const resource = this.table(kind).get(id);
    if (!resource) throw new ScimProtocolError(404, `${kind} ${id} not found`);
    return resource;
  }

  create(kind: ResourceKind, attributes: Attributes): StoredResource {
    const clean = withoutReadOnly(attributes);
    this.check(kind, clean, undefined);
    const at = this.now();
    const resource: StoredResource = {
      id: randomUUID(),
      kind,
      attributes: clean,
      version: 1,
      created: at,
      lastModified: at,
    };
    this.table(kind).set(resource.id, resource);
    this.parents = null;
    return resource;
  }

  replace(kind: ResourceKind, id: string, attributes: Attributes): StoredResource {
    const resource = this.get(kind, id);
    const clean = withoutReadOnly(attributes);
    this.check(kind, clean, id);
    resource.attributes = clean;
    this.touch(resource);
    return resource;
  }

  /** Applies a change made in place by PATCH, after checking the result like a PUT. */
  commit(resource: StoredResource, attributes: Attributes): void {
    this.check(resource.kind, attributes, resource.id);
    resource.attributes = attributes;
    this.touch(resource);
  }

  delete(kind: ResourceKind, id: string): void {
    this.get(kind, id);
    this.table(kind).delete(id);
    this.parents = null;
    // A deleted user or group stops being a member anywhere.
    for (const group of this.groups.values()) {
      const members = membersOf(group);
      const kept = members.filter((member) => member.value !== id);
      if (kept.length !== members.length) {
        group.attributes = { ...group.attributes, members: kept };
        this.touch(group);
      }
    }
  }

  private touch(resource: StoredResource): void {
    this.parents = null;
    resource.version += 1;
    resource.lastModified = this.now();
  }

  private check(kind: ResourceKind, attributes: Attributes, selfId: string | undefined): void {
    if (kind === 'User') {
      const userName = attributes['userName'];
      if (typeof userName !== 'string' || userName.trim() === '') {
        throw new ScimProtocolError(400, 'userName is required (RFC 7643 §4.1.1).', 'invalidValue');
      }
      for (const other of this.users.values()) {
        const name = other.attributes['userName'];
        if (
          other.id !== selfId &&
          typeof name === 'string' &&
          name.toLowerCase() === userName.toLowerCase()
        ) {
          throw new ScimProtocolError(409, `userName "${userName}" is already taken.`, 'uniqueness');
        }
      }
      return;
    }
    const displayName = attributes['displayName'];
    if (typeof displayName !== 'string' || displayName.trim() === '') {
      throw new ScimProtocolError(
        400,
        'displayName is required for a Group (RFC 7643 §4.2).',
        'invalidValue',
      );
    }
    if (this.uniqueGroupNames) {
      for (const other of this.groups.values()) {
        if (other.id !== selfId && other.attributes['displayName'] === displayName) {
          throw new ScimProtocolError(409, `A group named "${displayName}" exists.`, 'uniqueness');
        }
      }
    }
    const members: GroupMember[] = [];
    for (const raw of asArray(attributes['members'])) {
      const value = raw && typeof raw === 'object' ? (raw as Record<string, unknown>)['value'] : undefined;
      if (typeof value !== 'string')
        throw new ScimProtocolError(400, 'A member needs a value (an id).', 'invalidValue');
      const type = this.users.has(value) ? 'User' : this.groups.has(value) ? 'Group' : undefined;
      if (type === undefined)
        throw new ScimProtocolError(400, `Member ${value} is neither a user nor a group.`, 'invalidValue');
      if (type === 'Group' && (value === selfId || (selfId !== undefined && this.contains(value, selfId)))) {
        throw new ScimProtocolError(
          400,
          `Adding group ${value} would make a membership cycle.`,
          'invalidValue',
        );
      }
      if (!members.some((member) => member.value === value)) members.push({ value, type });
    }
    attributes['members'] = members;
  }

  /** Whether `groupId` contains `targetId`, directly or through nested groups. */
  private contains(groupId: string, targetId: string, seen = new Set<string>()): boolean {
    if (seen.has(groupId)) return false;
    seen.add(groupId);
    const group = this.groups.get(groupId);
    if (!group) return false;
    return membersOf(group).some(
      (member) =>
        member.value === targetId || (member.type === 'Group' && this.contains(member.value, targetId, seen)),
    );
  }

  private parentsOf(memberId: string): readonly string[] {
    if (this.parents === null) {
      const parents = new Map<string, string[]>();
      for (const group of this.groups.values()) {
        for (const member of membersOf(group)) {
          const list = parents.get(member.value) ?? [];
          list.push(group.id);
          parents.set(member.value, list);
        }
      }
      this.parents = parents;
    }
    return this.parents.get(memberId) ?? [];
  }

  /** A user's groups: direct ones and those reached through nesting, `type` saying which (RFC 7643 §4.1.2). */
  groupsOfUser(userId: string): { value: string; display: string; type: 'direct' | 'indirect' }[] {
    const found = new Map<string, 'direct' | 'indirect'>();
    const queue: { id: string; type: 'direct' | 'indirect' }[] = this.parentsOf(userId).map((id) => ({
      id,
      type: 'direct',
    }));
    while (queue.length > 0) {
      const next = queue.shift();
      if (!next || found.has(next.id)) continue;
      found.set(next.id, next.type);
      for (const parent of this.parentsOf(next.id)) queue.push({ id: parent, type: 'indirect' });
    }
    return [...found].map(([id, type]) => ({
      value: id,
      display: String(this.groups.get(id)?.attributes['displayName'] ?? ''),
      type,
    }));
  }
}

export function membersOf(group: StoredResource): GroupMember[] {
  return asArray(group.attributes['members']) as GroupMember[];
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

function withoutReadOnly(attributes: Attributes): Attributes {
  const clean: Attributes = {};
  for (const [key, value] of Object.entries(attributes))
    if (!READ_ONLY.has(key)) clean[key] = structuredClone(value);
  return clean;
}
