import type { Knex } from 'knex';
import type { Engine } from '../database.js';
import { copyOutBytes } from './copy.js';
import type { StagedKind } from './staging.js';

const WORDS_PER_HASH = 4;
const WORDS_PER_SLOT = 2 * WORDS_PER_HASH;
const EMPTY = 0;
const PRESENT = 1;
// 2: seen (set by `markSeenIn`, which spells these states out for the hashing thread).
const PAGE_ROWS = 20_000;
const MAX_LOAD = 0.85;
/** Grown past this fill: an open-addressing table must keep empty slots. */
const FULL = 0.95;

/**
 * The (content hash, key hash) pairs of one kind's current versions of one
 * connection, in an open-addressing table of 128-bit hashes (about 33–66 bytes
 * per version, never the rows themselves). While the stream is read, an item
 * whose content hash is here is unchanged and is only marked seen; everything
 * else is staged. After the stream, the versions never seen are the ones to
 * close. This keeps an unchanged sync from copying the whole org into Postgres.
 */
export class CurrentVersions {
  private hashes: Uint32Array;
  private states: Uint8Array;
  private capacity: number;
  private size = 0;
  private inserter: PairInserter | undefined;
  private readonly inserts: Promise<void>[] = [];
  /** Pairs the inserter had no room for: added in this thread once it is done, growing the table. */
  private readonly overflow: Uint8Array[] = [];

  private constructor(expected: number) {
    // Filled up to 85%, and sized to the count rather than to a power of two: linear probing stays a
    // few slots per lookup, and 1,000,000 versions take 39 MB where the next power of two took 69 MB.
    this.capacity = Math.max(16, Math.ceil(expected / MAX_LOAD));
    this.hashes = sharedWords(this.capacity * WORDS_PER_SLOT);
    this.states = sharedBytes(this.capacity);
  }

  /**
   * Reads the current versions page by page along the current-key index (in a transaction or not), in
   * `ranges` slices of the key space read at once: on PostgreSQL each slice keeps a server process
   * busy (1,000,651 versions: 1.1 s in one slice on 2 cores). On PostgreSQL (`engine: 'pg'`) pages are
   * read as binary COPY output, in a transaction or not.
   */
  static async load(
    knex: Knex,
    kind: StagedKind,
    connectionId: number,
    { pageRows = PAGE_ROWS, ranges = 1, engine, expected, inserter }: LoadOptions,
  ): Promise<CurrentVersions> {
    const versions = CurrentVersions.empty(expected);
    if (inserter) versions.inserter = inserter;
    const bounds = keySpaceBounds(Math.max(1, Math.trunc(ranges)));
    const slices = bounds
      .slice(1)
      .map(
        (high, index) => () =>
          versions.loadRange(
            knex,
            engine === 'pg' ? (query) => copyOutBytes(knex, query.toQuery()) : readPageByQuery,
            kind,
            connectionId,
            pageRows,
            bounds[index] ?? null,
            high,
          ),
      );
    // A transaction has one connection: its slices are read one after another.
    try {
      if (knex.isTransaction) for (const slice of slices) await slice();
      else await Promise.all(slices.map((slice) => slice()));
    } finally {
      // Every page handed to the inserter is in (or failed) before the table is used or dropped.
      await versions.settleInserts();
    }
    return versions;
  }

  /** The current versions whose key hash is at least `low` and below `high` (null: unbounded). */
  private async loadRange(
    knex: Knex,
    readPage: PageReader,
    kind: StagedKind,
    connectionId: number,
    pageRows: number,
    low: string | null,
    high: string | null,
  ): Promise<void> {
    let after: string | null = null;
    for (;;) {
      const conditions = ['v.connection_id = ?', 'v.valid_to_snapshot_id IS NULL'];
      const bindings: (number | string)[] = [connectionId];
      if (after !== null) {
        conditions.push('v.key_hash > ?::uuid');
        bindings.push(after);
      } else if (low !== null) {
        conditions.push('v.key_hash >= ?::uuid');
        bindings.push(low);
      }
      if (high !== null) {
        conditions.push('v.key_hash < ?::uuid');
        bindings.push(high);
      }
      // One row per page, the hashes concatenated as bytes (key then content, 32 bytes per version): far
      // cheaper for both drivers than thousands of rows. Ordered by the uuid column itself, so that each
      // page is a range of the current-key index.
      const hashes =
        (await readPage(
          knex.raw(
            `SELECT string_agg(uuid_send(p.key_hash) || uuid_send(p.content_hash), ''::bytea ORDER BY p.key_hash) AS hashes
           FROM (SELECT v.key_hash, v.content_hash FROM ${kind.table} v
                 WHERE ${conditions.join(' AND ')}
                 ORDER BY v.key_hash LIMIT ${Math.trunc(pageRows)}) p`,
            bindings,
          ),
        )) ?? new Uint8Array(0);
      const full = hashes.byteLength >= pageRows * 32;
      // The last version's key is where the next page starts (read before the page is handed over).
      if (full)
        after = Buffer.from(hashes.buffer, hashes.byteOffset + hashes.byteLength - 32, 16).toString('hex');
      this.accept(hashes);
      if (!full) return;
    }
  }

  /** A page of pairs read: added here, or handed to the inserter (`LoadOptions.inserter`). */
  private accept(pairs: Uint8Array): void {
    if (!this.inserter) {
      this.addPairs(pairs);
      return;
    }
    const inserted = this.inserter(this.table(), Math.floor(this.capacity * FULL), pairs).then(
      ({ inserted: count, rest }) => {
        this.size += count;
        if (rest) this.overflow.push(rest);
      },
    );
    // Awaited by `settleInserts`; one that fails meanwhile must not be reported unhandled.
    inserted.catch(() => undefined);
    this.inserts.push(inserted);
  }

  /** Waits for every page handed to the inserter; adds here what did not fit (growing the table). */
  private async settleInserts(): Promise<void> {
    const inserts = this.inserts.splice(0);
    const settled = await Promise.allSettled(inserts);
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    for (const rest of this.overflow.splice(0)) this.addPairs(rest);
  }

  /** A table sized for `expected` versions (it grows if given more). */
  static empty(expected: number): CurrentVersions {
    return new CurrentVersions(expected);
  }

  /** Adds versions given as 32-byte records: key hash, then content hash. */
  addPairs(pairs: Uint8Array): void {
    let from = 0;
    while (from + 32 <= pairs.byteLength) {
      // More versions than counted (another sync committed in between): grow rather than fill up.
      const room = Math.floor(this.capacity * FULL) - this.size;
      if (room <= 0) {
        this.grow();
        continue;
      }
      const { inserted, end } = insertPairs(this.table(), pairs, from, room);
      this.size += inserted;
      from = end;
    }
  }

  get count(): number {
    return this.size;
  }

  /**
   * The table as the hasher reads it: in shared memory, so that the hashing
   * thread marks versions seen in place. Fixed once loaded (only loading grows it).
   */
  table(): SeenTable {
    return { hashes: this.hashes, states: this.states, capacity: this.capacity };
  }

  /** Key hashes (32 hex digits) of the current versions the stream did not repeat unchanged. */
  *unseenKeyHashes(): Generator<string> {
    for (let slot = 0; slot < this.states.length; slot += 1) {
      if (this.states[slot] !== PRESENT) continue;
      const base = slot * WORDS_PER_SLOT + WORDS_PER_HASH;
      let hex = '';
      for (let word = 0; word < WORDS_PER_HASH; word += 1) {
        hex += (this.hashes[base + word] ?? 0).toString(16).padStart(8, '0');
      }
      yield hex;
    }
  }

  private grow(): void {
    const { hashes, states } = this;
    // The versions so far as pairs (key hash, then content hash), added again to a table twice as large.
    const pairs = new Uint8Array(this.size * 32);
    const view = new DataView(pairs.buffer);
    let at = 0;
    for (let slot = 0; slot < states.length; slot += 1) {
      if (states[slot] === EMPTY) continue;
      const base = slot * WORDS_PER_SLOT;
      for (let word = 0; word < WORDS_PER_HASH; word += 1) {
        view.setUint32(at + word * 4, hashes[base + WORDS_PER_HASH + word] ?? 0);
        view.setUint32(at + 16 + word * 4, hashes[base + word] ?? 0);
      }
      at += 32;
    }
    this.capacity = Math.ceil((this.capacity * 2) / MAX_LOAD);
    this.hashes = sharedWords(this.capacity * WORDS_PER_SLOT);
    this.states = sharedBytes(this.capacity);
    this.size = insertPairs(this.table(), pairs.subarray(0, at), 0, this.capacity).inserted;
  }
}

/**
 * Adds to a table the versions of `pairs` (32-byte records: key hash, then content hash) from byte
 * `from`, until `room` were added; a version already there is not added again. Returns how many were
 * added and where it stopped. Self-contained (no module state, no helpers): the hashing thread runs it
 * from its source text (`item-hasher.ts`) to fill the table while the sync's thread reads the stream.
 */
export function insertPairs(
  table: SeenTable,
  pairs: Uint8Array,
  from: number,
  room: number,
): { inserted: number; end: number } {
  const { hashes, states, capacity } = table;
  // One view per page; big-endian words, as PostgreSQL sends uuids.
  const view = new DataView(pairs.buffer, pairs.byteOffset, pairs.byteLength);
  let inserted = 0;
  let at = from;
  for (; at + 32 <= pairs.byteLength && inserted < room; at += 32) {
    const c0 = view.getUint32(at + 16);
    const c1 = view.getUint32(at + 20);
    const c2 = view.getUint32(at + 24);
    const c3 = view.getUint32(at + 28);
    // A slot: the content hash's four words, then the key hash's; 0 empty, 1 present.
    for (let slot = c0 % capacity; ; slot = slot + 1 === capacity ? 0 : slot + 1) {
      const base = slot * 8;
      if (states[slot] === 0) {
        hashes[base] = c0;
        hashes[base + 1] = c1;
        hashes[base + 2] = c2;
        hashes[base + 3] = c3;
        for (let word = 0; word < 4; word += 1) hashes[base + 4 + word] = view.getUint32(at + word * 4);
        states[slot] = 1;
        inserted += 1;
        break;
      }
      // Already there (the same version read twice): nothing to add.
      if (
        hashes[base] === c0 &&
        hashes[base + 1] === c1 &&
        hashes[base + 2] === c2 &&
        hashes[base + 3] === c3
      )
        break;
    }
  }
  return { inserted, end: at };
}

/**
 * Adds a page of pairs to a table elsewhere (the hashing thread): at most until the table holds
 * `limit` versions; resolves with how many it added and the pairs it had no room for.
 */
export type PairInserter = (
  table: SeenTable,
  limit: number,
  pairs: Uint8Array,
) => Promise<{ readonly inserted: number; readonly rest: Uint8Array | null }>;

export interface LoadOptions {
  /** Versions per page (a page is one row of concatenated hashes). */
  readonly pageRows?: number;
  /** Slices of the key space read at once. */
  readonly ranges?: number;
  /** 'pg' reads each page as binary COPY output; otherwise as a query's bytea value. */
  readonly engine?: Engine;
  /**
   * About how many versions there are, to size the table (it grows if there are more): the latest
   * snapshot's count. Counting them first kept a server process busy ~0.45 s for a million versions.
   */
  readonly expected: number;
  /** Fills the table elsewhere (the hashing thread), page by page, instead of in this thread. */
  readonly inserter?: PairInserter;
}

/**
 * Reads one page: the bytea value of a query of one row and column (null when it aggregated no rows).
 * On PostgreSQL the page is read as it is, with no hex text in between (`copyOutBytes`).
 */
type PageReader = (query: Knex.Raw) => Promise<Uint8Array | null>;

const readPageByQuery: PageReader = async (query) => {
  const page: { rows: { hashes: Uint8Array | null }[] } = await query;
  return page.rows[0]?.hashes ?? null;
};

/** A current-versions table's memory: 8 words per slot (content hash, key hash), a state byte per slot. */
export interface SeenTable {
  readonly hashes: Uint32Array;
  readonly states: Uint8Array;
  readonly capacity: number;
}

/**
 * True when the table holds a current version with exactly this content hash
 * (16 bytes of `contentHash` from `offset`), which is then marked seen.
 * Self-contained (no module state, no helpers, no nested functions): the
 * hashing thread runs it from its source text (`item-hasher.ts`).
 */
export function markSeenIn(table: SeenTable, contentHash: Uint8Array, offset: number): boolean {
  // The hash's four big-endian words, read without a view (this runs once per item of a sync).
  const at = offset;
  const c = contentHash;
  const w0 =
    (((c[at] ?? 0) << 24) | ((c[at + 1] ?? 0) << 16) | ((c[at + 2] ?? 0) << 8) | (c[at + 3] ?? 0)) >>> 0;
  const w1 =
    (((c[at + 4] ?? 0) << 24) | ((c[at + 5] ?? 0) << 16) | ((c[at + 6] ?? 0) << 8) | (c[at + 7] ?? 0)) >>> 0;
  const w2 =
    (((c[at + 8] ?? 0) << 24) | ((c[at + 9] ?? 0) << 16) | ((c[at + 10] ?? 0) << 8) | (c[at + 11] ?? 0)) >>>
    0;
  const w3 =
    (((c[at + 12] ?? 0) << 24) | ((c[at + 13] ?? 0) << 16) | ((c[at + 14] ?? 0) << 8) | (c[at + 15] ?? 0)) >>>
    0;
  const { hashes, states, capacity } = table;
  for (let slot = w0 % capacity; ; slot = slot + 1 === capacity ? 0 : slot + 1) {
    // 0: empty, 1: present, 2: seen; 8 words per slot, the content hash first.
    if (states[slot] === 0) return false;
    const base = slot * 8;
    if (
      hashes[base] === w0 &&
      hashes[base + 1] === w1 &&
      hashes[base + 2] === w2 &&
      hashes[base + 3] === w3
    ) {
      states[slot] = 2;
      return true;
    }
  }
}

/** Words in shared memory (zeroed). */
export function sharedWords(length: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(length * 4));
}

/** Bytes in shared memory (zeroed). */
export function sharedBytes(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(length));
}

/** `ranges` + 1 bounds cutting the uuid space into equal slices: null, then uuids, then null. */
function keySpaceBounds(ranges: number): (string | null)[] {
  const bounds: (string | null)[] = [null];
  for (let slice = 1; slice < ranges; slice += 1) {
    const first = Math.floor((slice * 0x1_0000_0000) / ranges);
    bounds.push(`${first.toString(16).padStart(8, '0')}000000000000000000000000`);
  }
  bounds.push(null);
  return bounds;
}
