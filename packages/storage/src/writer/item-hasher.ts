import { hash as cryptoHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Bytes per item in a batch's hashes: 16 of the key hash, then 16 of the content hash. */
export const HASH_PAIR_BYTES = 32;

/**
 * A batch of items to hash, as one string (cheap to hand to another thread:
 * one copy, where an array of strings is cloned string by string). Item i is
 * `text.slice(starts[2i], starts[2i + 2])`: its key (`starts[2i + 1]` code
 * units long), `\u0001`, then its content.
 */
export interface HashBatch {
  readonly text: string;
  readonly starts: Uint32Array<ArrayBuffer>;
}

export function hashBatchOf(items: readonly { readonly key: string; readonly content: string }[]): HashBatch {
  const starts = new Uint32Array(items.length * 2);
  const parts: string[] = new Array<string>(items.length);
  let offset = 0;
  for (let index = 0; index < items.length; index += 1) {
    const item = items[index];
    if (!item) continue;
    const part = `${item.key}\u0001${item.content}`;
    parts[index] = part;
    starts[index * 2] = offset;
    starts[index * 2 + 1] = item.key.length;
    offset += part.length;
  }
  return { text: parts.join(''), starts };
}

type Digest = (algorithm: string, data: string, encoding: 'buffer') => Uint8Array;

/**
 * The key and content hashes of a batch as the writer has always stored them:
 * the first 128 bits of SHA-256 of the key, and of `key \u0001 content`.
 * Self-contained (the hash function is a parameter) because the hashing
 * thread runs this very function from its source text: one implementation on
 * both sides.
 */
function hashPairs(digest: Digest, text: string, starts: Uint32Array): Uint8Array {
  const count = starts.length / 2;
  const out = new Uint8Array(count * 32);
  for (let index = 0; index < count; index += 1) {
    const start = starts[index * 2] ?? 0;
    const end = index + 1 < count ? (starts[index * 2 + 2] ?? text.length) : text.length;
    const keyLength = starts[index * 2 + 1] ?? 0;
    out.set(digest('sha256', text.slice(start, start + keyLength), 'buffer').subarray(0, 16), index * 32);
    out.set(digest('sha256', text.slice(start, end), 'buffer').subarray(0, 16), index * 32 + 16);
  }
  return out;
}

/** Hashes a batch in this thread. */
export function hashPairsInline(batch: HashBatch): Uint8Array {
  return hashPairs(cryptoHash, batch.text, batch.starts);
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
parentPort.on('message', ({ id, text, starts }) => {
  const hashes = hashPairs(hash, text, starts);
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
      this.worker.postMessage({ id, text: batch.text, starts: batch.starts }, [batch.starts.buffer]);
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
