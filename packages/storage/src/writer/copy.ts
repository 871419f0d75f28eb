import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import pgCopyStreams from 'pg-copy-streams';
import type { Engine } from '../database.js';

/**
 * Loads one batch of COPY text (UTF-8 bytes) into a table, as a statement of its own (it
 * commits by itself; no transaction is held between batches): over
 * pg-copy-streams on a pooled connection on Postgres, through PGlite's
 * `/dev/blob` device on the embedded engine (the query's `blob` option; see
 * PGlite's `_handleBlob`).
 */
export type CopyBatch = (
  knex: Knex,
  table: string,
  columns: readonly string[],
  text: Uint8Array,
) => Promise<void>;

export function copyBatchFor(engine: Engine): CopyBatch {
  return engine === 'pg' ? copyOverPg : copyThroughBlob;
}

interface PgQueryable {
  query<T extends pgCopyStreams.CopyStreamQuery | pgCopyStreams.CopyToStreamQuery>(stream: T): T;
}

function isPgQueryable(connection: unknown): connection is PgQueryable {
  return (
    typeof connection === 'object' &&
    connection !== null &&
    'query' in connection &&
    typeof connection.query === 'function'
  );
}

/** Runs `use` on a pg client connection of the pool (a transaction's own connection when `knex` is one). */
async function withPgConnection<T>(knex: Knex, use: (connection: PgQueryable) => Promise<T>): Promise<T> {
  const connection: unknown = await knex.client.acquireConnection();
  try {
    if (!isPgQueryable(connection)) throw new Error('The pg engine did not hand out a pg client connection.');
    return await use(connection);
  } finally {
    await knex.client.releaseConnection(connection);
  }
}

const copyOverPg: CopyBatch = (knex, table, columns, text) =>
  withPgConnection(knex, async (connection) => {
    const copy = connection.query(pgCopyStreams.from(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
    await pipeline(Readable.from([Buffer.from(text.buffer, text.byteOffset, text.byteLength)]), copy);
  });

/**
 * The one value of a query that returns one row of one bytea column, as raw bytes (null for NULL), read
 * on PostgreSQL with `COPY (query) TO STDOUT (FORMAT binary)`. A query's bytea result in text form is
 * twice its size in hex digits, decoded to a string by the driver and then back to bytes: for megabytes
 * of hashes most of the cost of reading them. `query` is complete SQL (COPY takes no parameters).
 */
export function copyOutBytes(knex: Knex, query: string): Promise<Uint8Array | null> {
  return withPgConnection(knex, async (connection) => {
    const chunks: Buffer[] = [];
    for await (const chunk of connection.query(pgCopyStreams.to(`COPY (${query}) TO STDOUT (FORMAT binary)`)))
      chunks.push(chunk as Buffer);
    return singleBinaryCopyValue(Buffer.concat(chunks));
  });
}

/** The signature that starts the binary COPY format (PostgreSQL's COPY reference, "Binary Format"). */
const BINARY_COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * The only field of the only tuple of binary COPY output: the 11-byte signature, a 32-bit flags
 * field, a 32-bit header-extension length and the extension; then per tuple a 16-bit field count and
 * per field a 32-bit length (-1: NULL) and the bytes; then a field count of -1. All big-endian.
 */
export function singleBinaryCopyValue(data: Buffer): Uint8Array | null {
  const malformed = (what: string): Error =>
    new Error(`PostgreSQL's binary COPY output was not as expected: ${what} (${data.length} bytes).`);
  if (data.length < 21 || !data.subarray(0, 11).equals(BINARY_COPY_SIGNATURE))
    throw malformed('no signature');
  let at = 15 + 4 + data.readUInt32BE(15);
  if (data.length < at + 2) throw malformed('no tuple');
  if (data.readInt16BE(at) !== 1) throw malformed(`a tuple of ${data.readInt16BE(at)} fields, not 1`);
  at += 2;
  const length = data.readInt32BE(at);
  at += 4;
  const value = length < 0 ? null : data.subarray(at, at + length);
  at += Math.max(0, length);
  if (value && value.length !== length) throw malformed('a truncated field');
  if (data.length !== at + 2 || data.readInt16BE(at) !== -1) throw malformed('more than one tuple');
  return value;
}

const copyThroughBlob: CopyBatch = async (knex, table, columns, text) => {
  await knex
    .raw(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`)
    .options({ blob: new Blob([text]) });
};

/**
 * COPY batches in flight while the stream is read on: at most `depth` at
 * once (each on its own connection), so that encoding the next batch overlaps
 * Postgres loading the last one and memory holds at most `depth` batches. The
 * first failure is thrown by the next `push` or by `drain`.
 */
export class CopyPipeline {
  private readonly inFlight: Promise<void>[] = [];
  private failure: { readonly error: unknown } | undefined;

  constructor(
    private readonly knex: Knex,
    private readonly copyBatch: CopyBatch,
    private readonly depth: number,
  ) {}

  /** `done` is called once COPY is done with `text` (loaded or failed), never before. */
  async push(table: string, columns: readonly string[], text: Uint8Array, done?: () => void): Promise<void> {
    this.throwIfFailed();
    while (this.inFlight.length >= Math.max(1, this.depth)) await this.inFlight.shift();
    this.throwIfFailed();
    const copy = this.copyBatch(this.knex, table, columns, text)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => done?.());
    this.inFlight.push(copy);
  }

  /** Waits for every batch in flight; throws the first failure. */
  async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.inFlight.shift();
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
