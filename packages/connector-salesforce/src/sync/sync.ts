import {
  throwIfAborted,
  type ActivityRecord,
  type Grant,
  type RunContext,
  type SyncItem,
} from '@accessledger/core';
import type { SalesforceClient } from '../http/client.js';
import { queryInIdRanges, type SplittableQuery } from '../query/ranged-query.js';
import { RequestSlots } from '../query/request-slots.js';
import { select, where } from '../soql.js';
import { loadCatalog } from './catalog-queries.js';
import type { QueriedRecord } from './fields.js';
import { MEMBER_LISTED_GROUP_TYPES, RoleMembers } from './group-membership.js';
import {
  activityOf,
  assignmentGrants,
  derivedMemberGrants,
  groupMemberGrants,
  packageLicenseGrants,
  permissionSetLicenseGrants,
  userItems,
} from './mapping.js';
import { mergeStreams } from './merge.js';

export interface SyncSettings {
  /** Queries in flight at once. */
  readonly concurrency: number;
  /** Id ranges a large object's read is split into, read at once under `concurrency`; 1 = one cursor. */
  readonly queryRanges?: number;
}

/** The run's context, its progress reports carrying the run's API calls so far (for the run record). */
export function reportingCallUsage(ctx: RunContext, client: SalesforceClient): RunContext {
  return {
    ...ctx,
    progress: { report: (report) => ctx.progress.report({ ...report, usage: client.callUsage }) },
  };
}

/** A run-scoped signal: fires with the run's signal, and when the sync ends so that reads in flight stop. */
function runSignal(signal: AbortSignal): { readonly signal: AbortSignal; readonly end: () => void } {
  const ended = new AbortController();
  return {
    signal: AbortSignal.any([signal, ended.signal]),
    end: () => ended.abort(new Error('the sync ended')),
  };
}

/**
 * Streams an org: entitlements first (a few small queries, run concurrently),
 * then users, permission set assignments, package and permission set license
 * seats and public group and queue members as concurrent paged streams, and
 * last the memberships Salesforce derives from roles (which need every user's
 * role). Memory holds the entitlement catalog, each user's role and a few
 * pages, never a whole big object.
 */
export async function* syncOrg(
  connect: () => SalesforceClient,
  settings: SyncSettings,
  runContext: RunContext,
): AsyncGenerator<SyncItem, void, undefined> {
  throwIfAborted(runContext.signal);
  const client = connect();
  const ctx = reportingCallUsage(runContext, client);
  const run = runSignal(ctx.signal);
  try {
    const loaded = await loadCatalog(client, settings.concurrency, run.signal, ctx.progress);
    if (loaded.omittedUserFields.length > 0) {
      ctx.logger.warn(
        { fields: loaded.omittedUserFields },
        'User custom fields left out of account attributes: the query URL would be too long',
      );
    }
    for (const entitlement of loaded.catalog.entitlements) {
      throwIfAborted(ctx.signal);
      yield { kind: 'entitlement', entitlement };
    }
    const roleMembers = new RoleMembers();
    const now = new Date();
    // Every stream is open at once; the shared slots keep the requests in flight at `concurrency`.
    const reads: ReadSettings = {
      slots: new RequestSlots(settings.concurrency),
      ranges: settings.queryRanges ?? 1,
    };
    const pages = (spec: PageSpec) => () => recordPages(client, run.signal, ctx, reads, spec);
    const grants =
      (toGrants: (record: QueriedRecord) => Grant[]) =>
      (record: QueriedRecord): SyncItem[] =>
        toGrants(record).map((grant): SyncItem => ({ kind: 'grant', grant }));
    const streams = [
      pages({
        phase: 'users',
        query: loaded.userQuery,
        toItems: (user) => userItems(user, loaded.userMapping, loaded.catalog, roleMembers),
      }),
      pages({
        phase: 'permission_set_assignments',
        query: {
          fields: [...loaded.assignmentFields],
          from: 'PermissionSetAssignment',
          // Profile-owned assignments mirror User.ProfileId, which the users stream already covers.
          where: where.eq('PermissionSet.IsOwnedByProfile', false),
        },
        toItems: grants((record) => assignmentGrants(record, loaded.catalog, now)),
      }),
      pages({
        phase: 'permission_set_license_seats',
        query: {
          fields: ['Id', 'AssigneeId', 'PermissionSetLicenseId', 'CreatedDate'],
          from: 'PermissionSetLicenseAssign',
        },
        toItems: grants((record) => permissionSetLicenseGrants(record, loaded.catalog)),
      }),
      pages({
        phase: 'package_license_seats',
        query: {
          fields: ['Id', 'PackageLicenseId', 'UserId', 'CreatedDate'],
          from: 'UserPackageLicense',
        },
        toItems: grants((record) => packageLicenseGrants(record, loaded.catalog)),
      }),
      pages({
        phase: 'public_group_members',
        query: {
          fields: ['Id', 'GroupId', 'UserOrGroupId'],
          from: 'GroupMember',
          where: where.in('Group.Type', [...MEMBER_LISTED_GROUP_TYPES]),
        },
        toItems: grants((record) => groupMemberGrants(record, loaded.catalog)),
      }),
    ];
    // Records become items one at a time as they are handed on: a page's items never all exist at
    // once, and each dies young. Pages wait as the bytes Salesforce sent and their records are parsed
    // here a slice at a time (`QueryPage.drain`), so they die young too.
    for await (const page of mergeStreams(streams, streams.length, run.signal)) {
      for (const run of page.drain()) {
        for (const record of run) {
          for (const item of page.toItems(record)) {
            throwIfAborted(ctx.signal);
            yield item;
          }
        }
      }
    }
    let derived = 0;
    for (const grants of derivedMemberGrants(loaded.catalog, roleMembers)) {
      throwIfAborted(ctx.signal);
      derived += grants.length;
      ctx.progress.report({ phase: 'derived_group_members', done: derived });
      for (const grant of grants) yield { kind: 'grant', grant };
    }
    ctx.progress.report({ phase: 'done' });
  } finally {
    run.end();
  }
}

/** A page of queried records (parsed as they are read, once) and how each becomes sync items. */
interface RecordPage {
  /** The records, a run at a time (`QueryPage.drain`). */
  readonly drain: () => Iterable<readonly QueriedRecord[]>;
  readonly toItems: (record: QueriedRecord) => SyncItem[];
}

/** How the big reads share the run's requests: the slots, and how many Id ranges one object may use. */
interface ReadSettings {
  readonly slots: RequestSlots;
  readonly ranges: number;
}

/** One big object's read: its progress phase (also the action errors name), query and mapping. */
interface PageSpec {
  readonly phase: string;
  readonly query: SplittableQuery;
  readonly toItems: (record: QueriedRecord) => SyncItem[];
}

/** A big object's pages, each counted towards its phase's progress when its records are read. */
async function* recordPages(
  client: SalesforceClient,
  signal: AbortSignal,
  ctx: RunContext,
  reads: ReadSettings,
  spec: PageSpec,
): AsyncGenerator<RecordPage, void, undefined> {
  let total: number | undefined;
  let done = 0;
  for await (const page of queryInIdRanges(client, spec.query, signal, {
    ...reads,
    logger: ctx.logger,
    action: `reading ${spec.phase.replace(/_/g, ' ')}`,
    onTotalSize: (size) => (total = size),
  })) {
    throwIfAborted(signal);
    const drain = function* (): Generator<readonly QueriedRecord[], void, undefined> {
      for (const run of page.drain()) {
        done += run.length;
        yield run;
      }
      ctx.progress.report({ phase: spec.phase, done, ...(total !== undefined ? { total } : {}) });
    };
    yield { drain, toItems: spec.toItems };
  }
}

/** Last login per user; only users who logged in after `since` when it is given. */
export async function* lastLogins(
  client: SalesforceClient,
  ctx: RunContext,
  since?: Date,
): AsyncGenerator<ActivityRecord, void, undefined> {
  throwIfAborted(ctx.signal);
  const soql = select({
    fields: ['Id', 'LastLoginDate'],
    from: 'User',
    ...(since ? { where: where.compare('LastLoginDate', '>', since) } : {}),
  });
  let done = 0;
  for await (const page of client.query(soql, ctx.signal, { action: 'reading last logins' })) {
    done += page.length;
    ctx.progress.report({ phase: 'activity', done });
    for (const user of page) {
      throwIfAborted(ctx.signal);
      yield activityOf(user);
    }
  }
}
