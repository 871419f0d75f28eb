import { expandGroupNesting, type GroupNestingEdge } from '@accessledger/connector-kit';
import { entitlementKey, throwIfAborted, type RunContext, type SyncItem } from '@accessledger/core';
import type { ScimClient } from '../http/client.js';
import type { MultiValue, ScimGroup, ScimUser } from '../http/resources.js';
import { ScimEntitlementTypes } from '../manifest.js';
import type { ProviderCapabilities } from './discovery.js';
import {
  accountFromUser,
  directGrant,
  groupEntitlement,
  keyOf,
  valueEntitlement,
  valuesOf,
} from './mapping.js';

/** Page size: what the connection asks for, never more than the provider said it sends. */
export function pageSizeFor(configured: number, capabilities: ProviderCapabilities): number {
  return Math.max(1, Math.min(configured, capabilities.maxResults ?? configured));
}

interface GroupMembers {
  readonly users: Set<string>;
  readonly groups: Set<string>;
}

/**
 * Users stream page by page: each becomes an account, and its `roles` and
 * `entitlements` values entitlements and direct grants. Then groups: every
 * group is an entitlement, each user member a direct grant, and each group
 * above a nested group a grant `via` the group the user is directly in.
 * Memory holds the user ids (to emit only grants whose account was emitted)
 * and the group memberships, never the user resources.
 */
export async function* syncProvider(
  client: ScimClient,
  capabilities: ProviderCapabilities,
  configuredPageSize: number,
  ctx: RunContext,
): AsyncGenerator<SyncItem, void, undefined> {
  const pageSize = pageSizeFor(configuredPageSize, capabilities);
  const userIds = new Set<string>();
  const emitted = new Set<string>();
  let total: number | undefined;
  for await (const users of client.listAll<ScimUser>(capabilities.usersEndpoint, {
    pageSize,
    cursor: capabilities.cursor,
    signal: ctx.signal,
    onTotal: (value) => (total = value),
  })) {
    for (const user of users) {
      if (typeof user.id !== 'string' || user.id === '' || userIds.has(user.id)) continue;
      userIds.add(user.id);
      throwIfAborted(ctx.signal);
      yield { kind: 'account', account: accountFromUser(user) };
      for (const kind of ['role', 'entitlement'] as const) {
        for (const item of valuesOf(kind === 'role' ? user.roles : user.entitlements)) {
          const entitlement = valueEntitlement(kind, item);
          const key = entitlementKey(entitlement);
          if (!emitted.has(key)) {
            emitted.add(key);
            throwIfAborted(ctx.signal);
            yield { kind: 'entitlement', entitlement };
          }
          throwIfAborted(ctx.signal);
          yield {
            kind: 'grant',
            grant: directGrant(
              user.id,
              entitlement.type,
              entitlement.externalId,
              item.primary === true ? { primary: true } : {},
            ),
          };
        }
      }
      if (capabilities.groupsEndpoint === null) yield* groupsFromUser(user, emitted, ctx.signal);
    }
    ctx.progress.report({
      phase: 'users',
      done: userIds.size,
      ...(total !== undefined ? { total } : {}),
      usage: { requests: client.requests },
    });
  }
  if (capabilities.groupsEndpoint !== null) {
    yield* syncGroups(client, capabilities, capabilities.groupsEndpoint, pageSize, userIds, ctx);
  }
}

/** Without a Groups endpoint a user's read-only `groups` still says where it is a member (RFC 7643 §4.1.2). */
function* groupsFromUser(user: ScimUser, emitted: Set<string>, signal: AbortSignal): Generator<SyncItem> {
  for (const group of valuesOf(user.groups)) {
    const id = keyOf(group);
    const entitlement = groupEntitlement({ id, ...(group.display ? { displayName: group.display } : {}) });
    const key = entitlementKey(entitlement);
    if (!emitted.has(key)) {
      emitted.add(key);
      throwIfAborted(signal);
      yield { kind: 'entitlement', entitlement };
    }
    throwIfAborted(signal);
    // The provider does not say through which group an indirect membership runs: kept as direct, and labelled.
    yield {
      kind: 'grant',
      grant: directGrant(
        user.id,
        ScimEntitlementTypes.group,
        id,
        group.type === 'indirect' ? { membership: 'indirect' } : {},
      ),
    };
  }
}

async function* syncGroups(
  client: ScimClient,
  capabilities: ProviderCapabilities,
  endpoint: string,
  pageSize: number,
  userIds: ReadonlySet<string>,
  ctx: RunContext,
): AsyncGenerator<SyncItem, void, undefined> {
  const members = new Map<string, readonly MultiValue[]>();
  for await (const groups of client.listAll<ScimGroup>(endpoint, {
    pageSize,
    cursor: capabilities.cursor,
    signal: ctx.signal,
  })) {
    for (const listed of groups) {
      if (typeof listed.id !== 'string' || listed.id === '' || members.has(listed.id)) continue;
      // Some providers leave members out of lists (RFC 7644 §3.4.2.5 "returned"): read such a group on its own.
      const group =
        listed.members === undefined
          ? (
              await client.get<ScimGroup>(
                `${endpoint}/${encodeURIComponent(listed.id)}`,
                ctx.signal,
                `reading group ${listed.id}`,
              )
            ).resource
          : listed;
      members.set(group.id, Array.isArray(group.members) ? group.members : []);
      throwIfAborted(ctx.signal);
      yield { kind: 'entitlement', entitlement: groupEntitlement(group) };
    }
    ctx.progress.report({ phase: 'groups', done: members.size, usage: { requests: client.requests } });
  }
  const direct = new Map<string, GroupMembers>();
  const edges: GroupNestingEdge[] = [];
  for (const [groupId, listedMembers] of members) {
    const found: GroupMembers = { users: new Set(), groups: new Set() };
    for (const member of listedMembers) {
      if (typeof member.value !== 'string') continue;
      const type = member.type?.toLowerCase();
      const isGroup = type === 'group' || (type === undefined && members.has(member.value));
      if (isGroup) {
        if (members.has(member.value)) {
          found.groups.add(member.value);
          edges.push({ parentId: groupId, childId: member.value });
        }
      } else if (userIds.has(member.value)) {
        found.users.add(member.value);
      }
    }
    direct.set(groupId, found);
  }
  const ancestors = expandGroupNesting(edges);
  for (const [groupId, found] of direct) {
    for (const userId of found.users) {
      throwIfAborted(ctx.signal);
      yield { kind: 'grant', grant: directGrant(userId, ScimEntitlementTypes.group, groupId) };
      for (const ancestor of ancestors.get(groupId) ?? []) {
        throwIfAborted(ctx.signal);
        yield {
          kind: 'grant',
          grant: {
            ...directGrant(userId, ScimEntitlementTypes.group, ancestor),
            via: { type: ScimEntitlementTypes.group, externalId: groupId },
          },
        };
      }
    }
  }
}
