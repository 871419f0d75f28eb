import { throwIfAborted, TransientError, UnsupportedError } from '@accessledger/core';

/** A ListResponse (RFC 7644 §3.4.2), with RFC 9865's `nextCursor`. */
export interface ScimListResponse<R> {
  readonly totalResults?: number;
  readonly startIndex?: number;
  readonly itemsPerPage?: number;
  readonly Resources?: readonly R[];
  readonly nextCursor?: string;
}

export interface PagingOptions<R> {
  /** Resources asked for per page; the provider may send fewer (RFC 7644 §3.4.2.4). */
  readonly pageSize: number;
  readonly signal: AbortSignal;
  /** Identity of a resource, to drop the duplicates a shifting list hands out twice. */
  readonly idOf: (resource: R) => string;
  /**
   * Reads from the start again when totalResults changed during a pass or
   * fewer distinct resources came than it says (a deletion mid-read shifts
   * later resources into pages already read). Default 2 passes in all.
   */
  readonly maxPasses?: number;
  /** Called with each page's totalResults, for progress reporting. */
  readonly onTotal?: (total: number) => void;
}

/**
 * The resources of a list answer. An answer with neither `totalResults` (which
 * RFC 7644 §3.4.2 requires) nor a `Resources` array is not a ListResponse: read
 * as an empty list it would report every resource gone, so it fails instead.
 */
function resourcesOf<R>(page: ScimListResponse<R>): readonly R[] {
  const answer: unknown = page;
  const list = typeof answer === 'object' && answer !== null && !Array.isArray(answer) ? page : undefined;
  const resources: unknown = list?.Resources;
  if (list && Array.isArray(resources)) return resources as readonly R[];
  if (list && resources === undefined && list.totalResults !== undefined) return [];
  throw new TransientError(
    `The provider answered a list request with something that is not a ListResponse (${shapeOf(answer)}; ` +
      `RFC 7644 §3.4.2 requires totalResults and a Resources array). Nothing was stored from it.`,
    { upstreamCode: 'MALFORMED_RESPONSE' },
  );
}

function shapeOf(answer: unknown): string {
  if (Array.isArray(answer)) return 'an array';
  if (typeof answer !== 'object' || answer === null) return `a ${answer === null ? 'null' : typeof answer}`;
  const keys = Object.keys(answer);
  return keys.length === 0 ? 'an empty object' : `an object with ${keys.slice(0, 5).join(', ')}`;
}

/**
 * Index paging (RFC 7644 §3.4.2.4): startIndex is 1-based, count a maximum.
 * Paging is not a snapshot: resources added or removed during the read move
 * the others, so the loop advances by what each page actually held, follows
 * the latest totalResults, drops duplicates, and stops at an empty page.
 *
 * @example
 * ```ts
 * for await (const users of pageByIndex((startIndex, count) => listUsers(startIndex, count), { pageSize: 100, signal, idOf: (u) => u.id })) { … }
 * ```
 */
export async function* pageByIndex<R>(
  fetchPage: (startIndex: number, count: number) => Promise<ScimListResponse<R>>,
  options: PagingOptions<R>,
): AsyncGenerator<R[], void, undefined> {
  const seen = new Set<string>();
  const maxPasses = options.maxPasses ?? 2;
  let total: number | undefined;
  for (let pass = 1; pass <= maxPasses; pass += 1) {
    let startIndex = 1;
    let changed = false;
    total = undefined;
    for (;;) {
      throwIfAborted(options.signal);
      const page = await fetchPage(startIndex, options.pageSize);
      const resources = resourcesOf(page);
      // Some providers send numbers as strings; one that ignores startIndex would hand out page 1 forever.
      if (page.startIndex !== undefined && Number(page.startIndex) !== startIndex && resources.length > 0) {
        throw new UnsupportedError(
          `The provider answered startIndex ${startIndex} with the page at ${page.startIndex}: it does not page by index, so not every resource can be read.`,
        );
      }
      if (page.totalResults !== undefined) {
        const reported = Number(page.totalResults);
        if (total !== undefined && reported !== total) changed = true;
        total = reported;
        options.onTotal?.(total);
      }
      const fresh = resources.filter((resource) => {
        const id = options.idOf(resource);
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      if (fresh.length > 0) yield fresh;
      if (resources.length === 0) break;
      startIndex += resources.length;
      if (total !== undefined && startIndex > total) break;
    }
    if (!changed && seen.size >= (total ?? 0)) return;
  }
  if (total !== undefined && seen.size < total) {
    // A partial read would look like access that vanished: refuse it rather than report less.
    throw new TransientError(
      `The provider said ${total} resources but ${seen.size} could be read in ${maxPasses} passes; the list kept changing or its totalResults is wrong. Try again later.`,
    );
  }
}

/**
 * Cursor paging (RFC 9865 §2): the first request sends an empty `cursor`,
 * each answer's `nextCursor` asks for the next page, and its absence ends the
 * read. A cursor that repeats would loop forever: refused as transient.
 */
export async function* pageByCursor<R>(
  fetchPage: (cursor: string, count: number) => Promise<ScimListResponse<R>>,
  options: Omit<PagingOptions<R>, 'maxPasses'>,
): AsyncGenerator<R[], void, undefined> {
  const seen = new Set<string>();
  const cursors = new Set<string>();
  let cursor = '';
  for (;;) {
    throwIfAborted(options.signal);
    const page = await fetchPage(cursor, options.pageSize);
    if (page.totalResults !== undefined) options.onTotal?.(page.totalResults);
    const fresh = resourcesOf(page).filter((resource) => {
      const id = options.idOf(resource);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    if (fresh.length > 0) yield fresh;
    const next = page.nextCursor;
    if (next === undefined || next === '') return;
    if (cursors.has(next)) {
      throw new TransientError(`The provider handed out cursor "${next}" twice; the read was stopped.`);
    }
    cursors.add(next);
    cursor = next;
  }
}
