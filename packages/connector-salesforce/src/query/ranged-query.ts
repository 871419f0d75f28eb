import { throwIfAborted, type Logger } from '@accessledger/core';
import type { QueryPage, SalesforceClient, SObjectRecord } from '../http/client.js';
import { id, select, where, type Condition, type SelectQuery } from '../soql.js';
import { mergeStreams } from '../sync/merge.js';
import { splitIdSpan } from './id-ranges.js';
import type { RequestSlots } from './request-slots.js';

/** A query a large-object read may split: fields, object and filter; never its own ORDER BY or LIMIT. */
export type SplittableQuery = Omit<SelectQuery, 'orderBy' | 'limit'>;

export interface RangedQueryOptions {
  /** The largest number of Id ranges read at once after the first page; 1 reads one cursor, page after page. */
  readonly ranges: number;
  /** Shared by every read of the run: bounds the requests in flight. */
  readonly slots: RequestSlots;
  readonly action: string;
  readonly logger: Logger;
  /** Called once with the first page's `totalSize`, for progress reporting. */
  readonly onTotalSize?: (totalSize: number) => void;
}

/** A range is worth its own cursor only when it holds at least this many pages (its last page is partial). */
const MIN_PAGES_PER_RANGE = 4;

/**
 * Reads every record of a query, splitting a large result over several
 * cursors read at once. The first request is the query ordered by Id: a small
 * result ends there at no extra cost. Otherwise its `totalSize` tells how
 * many pages remain, the last Id of its page is where the rest starts, and one
 * more request (`ORDER BY Id DESC LIMIT 1`) finds where it ends; that span is
 * cut into base-62 Id ranges (`Id > a AND Id <= b`, the comparison Salesforce's
 * PK chunking uses) read concurrently under the shared request slots. Each
 * range costs at most one partly filled page more than one cursor would.
 *
 * The pieces (the first page, and each range's own `totalSize`) must add up to
 * the first page's `totalSize`. When they do not (records created or deleted
 * meanwhile, or an org whose Id order differs from the one assumed), the
 * object is read again through one cursor: a record is then reported twice
 * rather than missed, and the writer keeps one version. Pages are handed on
 * unparsed (`queryPages`); their reader parses them.
 */
export async function* queryInIdRanges(
  client: SalesforceClient,
  query: SplittableQuery,
  signal: AbortSignal,
  options: RangedQueryOptions,
): AsyncGenerator<QueryPage<SObjectRecord>, void, undefined> {
  const { slots, action } = options;
  const ranges = Math.max(1, Math.min(options.ranges, slots.size));
  if (ranges === 1) {
    yield* slots.pages(client.queryPages(select(query), signal, { action, ...totalSizeOption(options) }));
    return;
  }
  let totalSize = 0;
  const ordered = slots.pages(
    client.queryPages(select({ ...query, orderBy: [{ field: 'Id' }] }), signal, {
      action,
      onTotalSize: (size) => {
        totalSize = size;
        options.onTotalSize?.(size);
      },
    }),
  );
  const first = await ordered.next();
  if (first.done) return;
  const firstPage = first.value;
  const firstRecords = firstPage.records();
  const remaining = totalSize - firstRecords.length;
  const pageSize = Math.max(1, firstRecords.length);
  const last = firstRecords[firstRecords.length - 1]?.['Id'];
  const parts = Math.min(ranges, Math.floor(remaining / pageSize / MIN_PAGES_PER_RANGE));
  if (parts < 2 || typeof last !== 'string') {
    yield firstPage;
    yield* ordered;
    return;
  }
  await ordered.return();
  // The rest is asked for before the first page is handed on: its reader may take a while to get to
  // it (a sync maps records only once its catalog is built), and the rest's first requests (where
  // the Ids end, then each range's first page) would otherwise wait for that.
  const rest = restInRanges(client, query, signal, options, {
    totalSize,
    firstCount: firstRecords.length,
    last,
    parts,
  });
  const ahead = rest.next();
  // Awaited after the first page is handed on; a failure meanwhile must not be reported unhandled.
  ahead.catch(() => undefined);
  try {
    yield firstPage;
    for (let step = await ahead; !step.done; step = await rest.next()) yield step.value;
  } finally {
    // A reader that stops early: the run's signal ends what is in flight, so closing needs no wait.
    void rest.return(undefined).catch(() => undefined);
  }
}

/**
 * The pages after the first of a split read: where the Ids end (`ORDER BY Id DESC LIMIT 1`), then
 * the span from the first page's last Id to there cut into ranges read at once, then, when the
 * ranges do not add up to the first page's `totalSize`, the whole object again through one cursor.
 */
async function* restInRanges(
  client: SalesforceClient,
  query: SplittableQuery,
  signal: AbortSignal,
  { slots, action, logger }: RangedQueryOptions,
  {
    totalSize,
    firstCount,
    last,
    parts,
  }: { totalSize: number; firstCount: number; last: string; parts: number },
): AsyncGenerator<QueryPage<SObjectRecord>, void, undefined> {
  const highest = await slots.run(() =>
    firstRecordOf(
      client,
      select({
        fields: ['Id'],
        from: query.from,
        ...whereOf(query),
        orderBy: [{ field: 'Id', direction: 'DESC' }],
        limit: 1,
      }),
      signal,
      action,
    ),
  );
  const high = highest?.['Id'];
  if (typeof high !== 'string') {
    // The object emptied since the first page: read what is left through one cursor rather than guess.
    yield* slots.pages(client.queryPages(select(query), signal, { action }));
    return;
  }
  const bounds = [last, ...splitIdSpan(last, high, parts), high];
  // What the ranges hold, from each range's first page: `totalSize` is "the total number of records
  // returned by the Query request", and a page may hold fewer than the batch size (REST API Developer
  // Guide, "Query"). Known once each range's first page is in, without parsing the pages after it.
  let inRanges = 0;
  const sources = bounds.slice(1).map((upper, index) => () => {
    const lower = bounds[index] as string;
    const inRange = where.and(where.compare('Id', '>', id(lower)), where.compare('Id', '<=', id(upper)));
    return slots.pages(
      client.queryPages(
        select({ ...query, where: query.where ? where.and(query.where, inRange) : inRange }),
        signal,
        { action, onTotalSize: (size) => (inRanges += size) },
      ),
    );
  });
  for await (const page of mergeStreams(sources, sources.length, signal)) {
    throwIfAborted(signal);
    yield page;
  }
  const received = firstCount + inRanges;
  if (received === totalSize) return;
  logger.warn(
    { object: query.from, expected: totalSize, received },
    'Id ranges did not add up to the query total: reading the object again through one cursor',
  );
  yield* slots.pages(client.queryPages(select(query), signal, { action }));
}

function totalSizeOption(options: RangedQueryOptions): { onTotalSize?: (size: number) => void } {
  return options.onTotalSize ? { onTotalSize: options.onTotalSize } : {};
}

function whereOf(query: SplittableQuery): { where?: Condition } {
  return query.where ? { where: query.where } : {};
}

async function firstRecordOf(
  client: SalesforceClient,
  soql: string,
  signal: AbortSignal,
  action: string,
): Promise<SObjectRecord | undefined> {
  for await (const page of client.query(soql, signal, { action })) return page[0];
  return undefined;
}
