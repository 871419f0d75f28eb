import { hash as cryptoHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { insertPairs, markSeenIn, type SeenTable } from './current-versions.js';

/** Bytes per item in a batch's hashes: 16 of the key hash, then 16 of the content hash. */
export const HASH_PAIR_BYTES = 32;

/**
 * A batch of items to hash, as UTF-8 bytes side by side (`EncodedBatch`): item
 * i is `bytes[ends[2i - 1] .. ends[2i + 1])` (from 0 for the first), its key
 * ending at `ends[2i]`, followed by a 0x01 byte and its content. The arrays
 * may be longer than `count` items; for the hashing thread they are shared
 * memory, read in place.
 */
export interface HashBatch {
  /** What holds these arrays: the thread is sent them again only when they are not what it has of it. */
  readonly source: object;
  readonly count: number;
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
  /** Item i's kind, as an index into `tables`. */
  readonly kinds: Uint8Array;
  /**
   * The current versions of each kind (shared memory when hashed on the hashing thread): an item whose
   * content hash is there is marked seen in it, and its key hash is not computed. None: every item is new.
   */
  readonly tables: readonly (SeenTable | null)[];
}

/** A batch's hashes: per item 16 bytes of key hash (zeros when seen) and 16 of content hash; seen flags. */
export interface HashedBatch {
  readonly hashes: Uint8Array;
  /** 1 where the item's content hash was a current version's (it is unchanged and now marked seen). */
  readonly seen: Uint8Array;
}

/**
 * `crypto.hash` asked for a latin1 string (`'binary'`: Node's other name for latin1, the one its types
 * accept), one character per byte of the digest. A Buffer result cost as much again as the digest
 * itself (an ArrayBuffer and its backing store per call): for a million items of ~140 bytes, 0.9–1.1 s
 * against 1.8–2.3 s.
 */
type Digest = (algorithm: string, data: Uint8Array, encoding: 'binary') => string;

/**
 * The key and content hashes of a batch as the writer has always stored them:
 * the first 128 bits of SHA-256 of the key, and of `key \u0001 content`. An
 * item whose content hash is a current version of its kind is unchanged: it is
 * marked seen and its key hash, never needed, is not computed (about 40% of
 * the hashing of an unchanged sync). Self-contained (the hash and the table
 * lookup are parameters) because the hashing thread runs this very function
 * from its source text: one implementation on both sides.
 */
function hashPairs(
  digest: Digest,
  markSeen: typeof markSeenIn,
  count: number,
  bytes: Uint8Array,
  ends: Uint32Array,
  kinds: Uint8Array,
  tables: readonly (SeenTable | null)[],
): HashedBatch {
  const hashes = new Uint8Array(count * 32);
  const seen = new Uint8Array(count);
  let start = 0;
  for (let index = 0; index < count; index += 1) {
    const keyEnd = ends[index * 2] ?? start;
    const end = ends[index * 2 + 1] ?? keyEnd;
    const content = digest('sha256', bytes.subarray(start, end), 'binary');
    const at = index * 32;
    for (let byte = 0; byte < 16; byte += 1) hashes[at + 16 + byte] = content.charCodeAt(byte);
    const table = tables[kinds[index] ?? 0];
    if (table && markSeen(table, hashes, at + 16)) seen[index] = 1;
    else {
      const key = digest('sha256', bytes.subarray(start, keyEnd), 'binary');
      for (let byte = 0; byte < 16; byte += 1) hashes[at + byte] = key.charCodeAt(byte);
    }
    start = end;
  }
  return { hashes, seen };
}

/** Hashes a batch in this thread. */
export function hashPairsInline(batch: HashBatch): HashedBatch {
  return hashPairs(cryptoHash, markSeenIn, batch.count, batch.bytes, batch.ends, batch.kinds, batch.tables);
}

/**
 * The hashing thread's program: plain CommonJS around `hashPairs`'s own
 * source, so that it runs the same from TypeScript sources, a bundle or
 * compiled output (nothing to resolve).
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { hash } = require('node:crypto');
const markSeenIn = ${markSeenIn.toString()};
const hashPairs = ${hashPairs.toString()};
const insertPairs = ${insertPairs.toString()};
let tables = [];
// Per source: its shared arrays, as last sent.
const sources = new Map();
// Tables being filled (by number): the table, the versions it may hold, how many it holds.
const filling = new Map();
parentPort.on('message', (message) => {
  if (message.insert !== undefined) {
    const { id, insert, limit, pairs } = message;
    const target = message.table ? { table: message.table, limit, size: 0 } : filling.get(insert);
    filling.set(insert, target);
    const { inserted, end } = insertPairs(target.table, pairs, 0, Math.max(0, target.limit - target.size));
    target.size += inserted;
    const rest = end < pairs.length ? pairs.slice(end) : null;
    parentPort.postMessage({ id, inserted, rest }, rest ? [rest.buffer] : []);
    return;
  }
  const { id, source, count } = message;
  if (message.tables) tables = message.tables;
  const arrays = sources.get(source) ?? {};
  for (const name of ['bytes', 'ends', 'kinds']) if (message[name]) arrays[name] = message[name];
  sources.set(source, arrays);
  const { hashes, seen } = hashPairs(hash, markSeenIn, count, arrays.bytes, arrays.ends, arrays.kinds, tables);
  parentPort.postMessage({ id, hashes, seen }, [hashes.buffer, seen.buffer]);
});
`;

interface SharedArrays {
  bytes?: Uint8Array;
  ends?: Uint32Array;
  kinds?: Uint8Array;
}

interface Pending {
  /** With the thread's answer: a `HashedBatch` to `hash`, `InsertedPairs` to `insert`. */
  readonly resolve: (answer: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** What the thread added of a page of pairs, and what it had no room for. */
export interface InsertedPairs {
  readonly inserted: number;
  readonly rest: Uint8Array | null;
}

/**
 * Every item of a sync is hashed, so a large sync spends seconds hashing: one
 * crypto call costs ~1 µs, nearly all of it per-call overhead that no
 * batching API removes. This thread takes that work off the thread that
 * reads the connector's stream (and, on the embedded engine, runs the
 * database). Batches are answered in the order asked; `close` ends the
 * thread; a failed thread fails every batch still waiting.
 */
export class WorkerHasher {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;
  /** The tables the thread holds: sent with the first batch that uses them, not with every batch. */
  private sentTables: readonly (SeenTable | null)[] | undefined;
  /** Per batch source, its number and the shared arrays the thread holds of it. */
  private readonly sentArrays = new Map<object, { readonly number: number; arrays: SharedArrays }>();
  /** Tables the thread fills (`insert`), by their state array, and their numbers there. */
  private readonly filling = new Map<object, number>();

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    // A sync that ends (or fails) must not be kept alive by an idle hashing thread.
    this.worker.unref();
    this.worker.on('message', (answer: { id: number } & (HashedBatch | InsertedPairs)) => {
      const waiting = this.pending.get(answer.id);
      this.pending.delete(answer.id);
      waiting?.resolve(answer);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`The hashing thread exited with code ${code}.`)));
  }

  hash(batch: HashBatch): Promise<HashedBatch> {
    if (this.failure) return Promise.reject(this.failure);
    // A copy of ordinary memory would go stale when the batch is reused: the arrays must be shared.
    for (const array of [batch.bytes, batch.ends, batch.kinds]) {
      if (!(array.buffer instanceof SharedArrayBuffer))
        return Promise.reject(
          new TypeError('The hashing thread reads a batch in place: its arrays must be shared memory.'),
        );
    }
    const id = this.nextId;
    this.nextId += 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: (answer) => resolve(answer as HashedBatch), reject });
      // The tables are shared memory (`CurrentVersions`): the thread marks seen versions in place. Sent
      // once: passing shared memory in every message cost ~0.7 ms per batch.
      const tables = batch.tables === this.sentTables ? undefined : batch.tables;
      this.sentTables = batch.tables;
      // The batch's arrays are shared memory too, reused batch after batch: sent again only when the
      // batch has grown one (then the thread drops the old one).
      let sent = this.sentArrays.get(batch.source);
      if (!sent) {
        sent = { number: this.sentArrays.size, arrays: {} };
        this.sentArrays.set(batch.source, sent);
      }
      const changed: Partial<Record<keyof SharedArrays, Uint8Array | Uint32Array>> = {};
      for (const name of ['bytes', 'ends', 'kinds'] as const) {
        if (sent.arrays[name] !== batch[name]) changed[name] = batch[name];
      }
      sent.arrays = { bytes: batch.bytes, ends: batch.ends, kinds: batch.kinds };
      this.worker.postMessage({
        id,
        source: sent.number,
        count: batch.count,
        ...changed,
        ...(tables ? { tables } : {}),
      });
    });
  }

  /**
   * Adds a page of pairs (transferred: `pairs` is unusable after) to `table`, which the thread keeps
   * from the first page on, up to `limit` versions (`insertPairs`). Answered in order with hash batches.
   */
  insert(table: SeenTable, limit: number, pairs: Uint8Array): Promise<InsertedPairs> {
    if (this.failure) return Promise.reject(this.failure);
    let number = this.filling.get(table.states);
    const first = number === undefined;
    if (number === undefined) {
      number = this.filling.size;
      this.filling.set(table.states, number);
    }
    const id = this.nextId;
    this.nextId += 1;
    const copy =
      pairs.byteOffset === 0 && pairs.byteLength === pairs.buffer.byteLength ? pairs : pairs.slice();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: (answer) => resolve(answer as InsertedPairs), reject });
      this.worker.postMessage(
        { id, insert: number, limit, pairs: copy, ...(first ? { table } : {}) },
        copy.buffer instanceof ArrayBuffer ? [copy.buffer] : [],
      );
    });
  }

  async close(): Promise<void> {
    this.fail(new Error('The hashing thread was closed.'));
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }
}
