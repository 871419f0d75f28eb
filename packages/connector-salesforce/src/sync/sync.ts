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
import { startCatalog, type CatalogReads, type LoadedCatalog } from './catalog-queries.js';
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
 * seats and public group and queue members as concurrent paged streams, with
 * the memberships Salesforce derives from roles (which need every user's role)
 * as soon as the users are read. The paged streams' first requests do not wait
 * for the catalog to be built, only for its requests to have slots: every
 * request of the sync shares the `concurrency` slots. Memory holds the
 * entitlement catalog, each user's role and a few pages, never a whole big
 * object.
 */
export async function* syncOrg(
  connect: () => SalesforceClient,
  settings: SyncSettings,
  runContext: RunContext,
): AsyncGenerator<readonly SyncItem[], void, undefined> {
  throwIfAborted(runContext.signal);
  const client = connect();
  const ctx = reportingCallUsage(runContext, client);
  const run = runSignal(ctx.signal);
  // One set of request slots for the catalog's reads and the big reads, so that `concurrency` bounds
  // them all together. It is the connector's own bound: Salesforce limits only requests of 20 s or
  // more (25 at once in production, 5 in Developer Edition; "API Request Limits and Allocations").
  const slots = new RequestSlots(settings.concurrency);
  const catalogReads = startCatalog(client, slots, run.signal, ctx.progress);
  const roleMembers = new RoleMembers();
  const now = new Date();
  const reads: ReadSettings = { slots, ranges: settings.queryRanges ?? 1, catalog: catalogReads };
  const pages = (spec: PageSpec) => () => recordPages(client, run.signal, ctx, reads, spec);
  const grants =
    (toGrants: (record: QueriedRecord, loaded: LoadedCatalog) => Grant[]) =>
    (loaded: LoadedCatalog) =>
    (record: QueriedRecord): SyncItem[] =>
      toGrants(record, loaded).map((grant): SyncItem => ({ kind: 'grant', grant }));
  const streams = [
    pages({
      phase: 'users',
      query: async () => (await catalogReads.queries).userQuery,
      toItems: (loaded) => (user) => userItems(user, loaded.userMapping, loaded.catalog, roleMembers),
      // Once every user's role is known, while the other streams are still read.
      then: (loaded) => derivedMemberGrants(loaded.catalog, roleMembers),
    }),
    pages({
      phase: 'permission_set_assignments',
      query: async () => ({
        fields: [...(await catalogReads.queries).assignmentFields],
        from: 'PermissionSetAssignment',
        // Profile-owned assignments mirror User.ProfileId, which the users stream already covers.
        where: where.eq('PermissionSet.IsOwnedByProfile', false),
      }),
      toItems: grants((record, loaded) => assignmentGrants(record, loaded.catalog, now)),
    }),
    pages({
      phase: 'permission_set_license_seats',
      query: () => ({
        fields: ['Id', 'AssigneeId', 'PermissionSetLicenseId', 'CreatedDate'],
        from: 'PermissionSetLicenseAssign',
      }),
      toItems: grants((record, loaded) => permissionSetLicenseGrants(record, loaded.catalog)),
    }),
    pages({
      phase: 'package_license_seats',
      query: () => ({
        fields: ['Id', 'PackageLicenseId', 'UserId', 'CreatedDate'],
        from: 'UserPackageLicense',
      }),
      toItems: grants((record, loaded) => packageLicenseGrants(record, loaded.catalog)),
    }),
    pages({
      phase: 'public_group_members',
      query: () => ({
        fields: ['Id', 'GroupId', 'UserOrGroupId'],
        from: 'GroupMember',
        where: where.in('Group.Type', [...MEMBER_LISTED_GROUP_TYPES]),
      }),
      toItems: grants((record, loaded) => groupMemberGrants(record, loaded.catalog)),
    }),
  ];
  // Every stream is open at once, from the start: their first requests go out as soon as the
  // catalog's requests all have slots, so that the big reads' first pages (the slowest requests of a
  // sync) and their splitting overlap the catalog's reads. Their records are mapped once it is built.
  const merged = mergeStreams(streams, streams.length, run.signal);
  const first = merged.next();
  // Awaited after the catalog; a stream that fails meanwhile must not be reported unhandled.
  first.catch(() => undefined);
  try {
    const loaded = await catalogReads.loaded;
    const { omittedUserFields } = await catalogReads.queries;
    if (omittedUserFields.length > 0) {
      ctx.logger.warn(
        { fields: omittedUserFields },
        'User custom fields left out of account attributes: the query URL would be too long',
      );
    }
    throwIfAborted(ctx.signal);
    yield loaded.catalog.entitlements.map((entitlement): SyncItem => ({ kind: 'entitlement', entitlement }));
    // Records become items a slice of a page at a time as they are handed on (the batches of
    // `BatchedSyncItems`): a page's items never all exist at once, and each dies young. Pages wait as
    // the bytes Salesforce sent and their records are parsed here a slice at a time (`QueryPage.drain`),
    // so they die young too.
    const derived = new DerivedQueue(ctx);
    let next = first;
    let nextReady = false;
    const watch = (step: typeof next): void => {
      nextReady = false;
      const ready = (): void => {
        if (next === step) nextReady = true;
      };
      step.then(ready, ready);
    };
    watch(next);
    for (;;) {
      // Derived memberships are computed, not read: they are handed out while no page is waiting to be
      // taken. A page holds its request slot until it is taken, so one that waited behind them (176,000
      // of them in a 50,000-user org) held the reads up with it.
      yield* derived.handOut(loaded, () => nextReady);
      const step = await next;
      if (step.done) break;
      const page = step.value;
      if ('derived' in page) derived.add(page.derived);
      else {
        const toItems = page.toItems(loaded);
        for (const records of page.drain()) {
          const items: SyncItem[] = [];
          for (const record of records) for (const item of toItems(record)) items.push(item);
          throwIfAborted(ctx.signal);
          yield items;
        }
      }
      next = merged.next();
      watch(next);
    }
    yield* derived.handOut(loaded);
    ctx.progress.report({ phase: 'done' });
  } finally {
    // Ends every read still in flight (a failure, an abort, or the consumer stopping early): the
    // streams then end, and closing them needs no wait.
    run.end();
    void merged.return(undefined).catch(() => undefined);
  }
}

/** The derived memberships still to hand out (`PageSpec.then`), a batch at a time, in the order their pages came. */
class DerivedQueue {
  private readonly sources: DerivedGrants[] = [];
  private batches: Iterator<readonly Grant[]> | undefined;
  private handedOut = 0;

  constructor(private readonly ctx: RunContext) {}

  /** Batches until none is left or `stop` says so (asked before each). */
  *handOut(loaded: LoadedCatalog, stop: () => boolean = () => false): Generator<SyncItem[], void, undefined> {
    while ((this.batches !== undefined || this.sources.length > 0) && !stop()) {
      const items = this.take(loaded);
      if (items.length > 0) yield items;
    }
  }

  add(source: DerivedGrants): void {
    this.sources.push(source);
  }

  /** The next batch (`derivedMemberGrants`' size); the first call of a source computes its first. None when all are out. */
  private take(loaded: LoadedCatalog): SyncItem[] {
    for (;;) {
      const source = this.batches ? undefined : this.sources.shift();
      if (source) this.batches = source(loaded)[Symbol.iterator]();
      const next = this.batches?.next();
      if (next && !next.done) {
        throwIfAborted(this.ctx.signal);
        this.handedOut += next.value.length;
        this.ctx.progress.report({ phase: 'derived_group_members', done: this.handedOut });
        return next.value.map((grant): SyncItem => ({ kind: 'grant', grant }));
      }
      this.batches = undefined;
      if (this.sources.length === 0) return [];
    }
  }
}

/** A page of queried records (parsed as they are read, once) and how each becomes sync items. */
interface RecordPage {
  /** The records, a run at a time (`QueryPage.drain`). */
  readonly drain: () => Iterable<readonly QueriedRecord[]>;
  readonly toItems: ItemMapping;
}

/** How a big object's records become sync items, given the catalog. */
type ItemMapping = (loaded: LoadedCatalog) => (record: QueriedRecord) => SyncItem[];

/** Grants that follow from a big object's records once they have all been read, a batch at a time. */
type DerivedGrants = (loaded: LoadedCatalog) => Iterable<readonly Grant[]>;

/** A stream's last page: what follows from its records (`PageSpec.then`). */
interface DerivedPage {
  readonly derived: DerivedGrants;
}

/** How the big reads share the run's requests: the slots, and how many Id ranges one object may use. */
interface ReadSettings {
  readonly slots: RequestSlots;
  readonly ranges: number;
  /** The catalog's reads, which share the slots: a big read asks for none before they all have. */
  readonly catalog: CatalogReads;
}

/** One big object's read: its progress phase (also the action errors name), query and mapping. */
interface PageSpec {
  readonly phase: string;
  /** The query; some need the org's describes first. */
  readonly query: () => SplittableQuery | Promise<SplittableQuery>;
  readonly toItems: ItemMapping;
  /** Grants that need every record of this object: the stream's last page, read after all its others. */
  readonly then?: DerivedGrants;
}

/** A big object's pages, each counted towards its phase's progress when its records are read. */
async function* recordPages(
  client: SalesforceClient,
  signal: AbortSignal,
  ctx: RunContext,
  reads: ReadSettings,
  spec: PageSpec,
): AsyncGenerator<RecordPage | DerivedPage, void, undefined> {
  let total: number | undefined;
  let done = 0;
  // Its pages will hold their slots until the catalog is built: see `CatalogReads.queued`.
  await reads.catalog.queued;
  const query = await spec.query();
  throwIfAborted(signal);
  for await (const page of queryInIdRanges(client, query, signal, {
    slots: reads.slots,
    ranges: reads.ranges,
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
  // The consumer reads a stream's pages in order, each to its end: this one comes after every record.
  if (spec.then) yield { derived: spec.then };
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
