import { hash as cryptoHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Bytes per item in a batch's hashes: 16 of the key hash, then 16 of the content hash. */
export const HASH_PAIR_BYTES = 32;

/**
 * A batch of items to hash, as UTF-8 bytes side by side (`EncodedBatch`): item
 * i is `bytes[ends[2i - 1] .. ends[2i + 1])` (from 0 for the first), its key
 * ending at `ends[2i]`, followed by a 0x01 byte and its content.
 */
export interface HashBatch {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly ends: Uint32Array<ArrayBuffer>;
}

type Digest = (algorithm: string, data: Uint8Array, encoding: 'buffer') => Uint8Array;

/**
 * The key and content hashes of a batch as the writer has always stored them:
 * the first 128 bits of SHA-256 of the key, and of `key \u0001 content`.
 * Self-contained (the hash function is a parameter) because the hashing
 * thread runs this very function from its source text: one implementation on
 * both sides.
 */
function hashPairs(digest: Digest, bytes: Uint8Array, ends: Uint32Array): Uint8Array {
  const count = ends.length / 2;
  const out = new Uint8Array(count * 32);
  let start = 0;
  for (let index = 0; index < count; index += 1) {
    const keyEnd = ends[index * 2] ?? start;
    const end = ends[index * 2 + 1] ?? keyEnd;
    out.set(digest('sha256', bytes.subarray(start, keyEnd), 'buffer').subarray(0, 16), index * 32);
    out.set(digest('sha256', bytes.subarray(start, end), 'buffer').subarray(0, 16), index * 32 + 16);
    start = end;
  }
  return out;
}

/** Hashes a batch in this thread. */
export function hashPairsInline(batch: HashBatch): Uint8Array {
  return hashPairs(cryptoHash, batch.bytes, batch.ends);
}

/**
 * The hashing thread's program: plain CommonJS around `hashPairs`'s own
 * source, so that it runs the same from TypeScript sources, a bundle or
 * compiled output (nothing to resolve).
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { hash } = require('node:crypto');
const hashPairs = ${hashPairs.toString()};
parentPort.on('message', ({ id, bytes, ends }) => {
  const hashes = hashPairs(hash, bytes, ends);
  parentPort.postMessage({ id, hashes }, [hashes.buffer]);
});
`;

interface Pending {
  readonly resolve: (hashes: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Every item of a sync is hashed, so a large sync spends seconds hashing: one
 * crypto call costs ~1–3 µs, nearly all of it per-call overhead that no
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

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    // A sync that ends (or fails) must not be kept alive by an idle hashing thread.
    this.worker.unref();
    this.worker.on('message', ({ id, hashes }: { id: number; hashes: Uint8Array }) => {
      const waiting = this.pending.get(id);
      this.pending.delete(id);
      waiting?.resolve(hashes);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`The hashing thread exited with code ${code}.`)));
  }

  hash(batch: HashBatch): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId;
    this.nextId += 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, bytes: batch.bytes, ends: batch.ends }, [
        batch.bytes.buffer,
        batch.ends.buffer,
      ]);
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
